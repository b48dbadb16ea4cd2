"""`postprod sample ...`: example material to try postprod with (a cut and its recut, a line-up tone, subtitles)."""

from __future__ import annotations

import math
import wave
from pathlib import Path

import typer

from postprod.cli._common import console, plural
from postprod.errors import N_, InvalidInput
from postprod.timecode import parse_rate, rate_note, supports_drop_frame

app = typer.Typer(no_args_is_help=True)


@app.command("cut")
def cut(
    old: Path = typer.Argument(..., help="EDL to write: the first version of the reel."),
    new: Path = typer.Argument(..., help="EDL to write: the recut."),
    events: int = typer.Option(60, "--events", help="Events in the reel (40 to 3000)."),
    rate: str = typer.Option("24", "--rate"),
    seed: int = typer.Option(1, "--seed", help="Another seed gives another cut."),
) -> None:
    """Write a reel as a CMX 3600 EDL and a recut of it (trims, inserts, deletes, moves, replacements)."""
    # the editorial engine for this command only (`sample tone` needs NumPy instead)
    from postprod.editorial.edl_writer import cut_to_edl
    from postprod.editorial.synth import change_slots, make_pair

    if not 40 <= events <= 3000:
        raise InvalidInput(N_("invalid --events %(events)s: 40 to 3000"), field="events", params={"events": events})
    fps = parse_rate(rate)
    msg = rate_note(rate)
    scale = max(1, events // 60)
    counts = {"trims": 3 * scale, "inserts": 2 * scale, "deletes": 2 * scale, "moves": scale, "replaces": scale}
    if 10 * scale + 2 > change_slots(events):  # a short reel (under 60 events) takes fewer changes
        counts = {"trims": 2, "inserts": 1, "deletes": 1, "moves": 1, "replaces": 1}
    pair = make_pair(events, fps, drop_frame=supports_drop_frame(fps), seed=seed, **counts)
    old.write_text(cut_to_edl(pair.old), encoding="ascii")
    new.write_text(cut_to_edl(pair.new), encoding="ascii")
    if msg:
        console.print(msg, style="yellow")
    console.print(f"wrote {old} ({len(pair.old.events)} events) and {new} ({len(pair.expected)} changes)")


@app.command("tone")
def tone(
    out: Path = typer.Argument(..., help="WAV file to write."),
    level: float = typer.Option(
        -23.0,
        "--level",
        help="Integrated loudness of the whole file in LUFS, as `qc loudness` reads it "
        "(the sine's level on each channel follows from the channel count).",
    ),
    seconds: float = typer.Option(10.0, "--seconds"),
    channels: int = typer.Option(2, "--channels", help="Channels; 6 is 5.1 (L R C LFE Ls Rs), the tone on each."),
    sample_rate: int = typer.Option(48000, "--sample-rate"),
    frequency: float = typer.Option(1000.0, "--frequency"),
) -> None:
    """Write a 24-bit line-up tone (a 1 kHz sine by default) that reads --level LUFS on the loudness meter."""
    if not -90 <= level <= 0:
        raise InvalidInput(N_("invalid --level %(level)s: -90 to 0 LUFS"), field="level", params={"level": level})
    if not 0 < seconds <= 3600 or not 1 <= channels <= 16 or sample_rate not in (44100, 48000, 96000):
        raise InvalidInput("seconds 0-3600, channels 1-16, sample rate 44100, 48000 or 96000")
    if not 20 <= frequency < sample_rate / 2:
        raise InvalidInput(
            N_("invalid --frequency %(frequency)s: 20 Hz to half the sample rate"),
            field="frequency",
            params={"frequency": format(frequency, "g")},
        )
    import numpy as np  # for this command only: `sample cut` starts without NumPy

    dbfs = _tone_dbfs(level, channels, sample_rate, frequency)
    if dbfs > -0.1:
        top = level - dbfs - 0.1
        raise InvalidInput(
            N_("invalid --level %(level)s: a %(frequency)s Hz tone on %(channels)s would clip; at most %(top)s LUFS"),
            field="level",
            params={
                "level": format(level, "g"),
                "frequency": format(frequency, "g"),
                "channels": plural(channels, "channel"),
                "top": format(top, ".1f"),
            },
        )
    amp = 10 ** (dbfs / 20) * (2**23 - 1)
    with wave.open(str(out), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(3)
        w.setframerate(sample_rate)
        total = round(seconds * sample_rate)
        step = sample_rate  # one second at a time: memory stays flat for long tones
        for start in range(0, total, step):
            n = np.arange(start, min(start + step, total))
            x = np.round(amp * np.sin(2 * math.pi * frequency * n / sample_rate)).astype("<i4")
            frames = np.repeat(x[:, None], channels, axis=1).reshape(-1)
            w.writeframes(frames.view(np.uint8).reshape(-1, 4)[:, :3].tobytes())
    console.print(
        f"wrote {out}: {seconds:g} s of {frequency:g} Hz at {level:g} LUFS ({dbfs:.2f} dBFS on each channel), "
        f"{plural(channels, 'channel')}, {sample_rate} Hz, 24-bit",
        highlight=False,
    )


def _tone_dbfs(lufs: float, channels: int, sample_rate: int, frequency: float) -> float:
    """The sine's level per channel (dBFS) that reads `lufs` integrated on the project's meter.

    The meter weighs channels (surrounds 1.41, LFE 0) and frequencies (K-weighting), so the level
    per channel depends on both: two seconds of the tone at -20 dBFS are measured and the gain
    corrected (a sine's loudness follows its level dB for dB).
    """
    import numpy as np

    from postprod.qc.loudness import default_layout, measure_loudness

    ref = -20.0
    n = np.arange(2 * sample_rate)
    x = 10 ** (ref / 20) * np.sin(2 * math.pi * frequency * n / sample_rate)
    reading = measure_loudness(
        np.repeat(x[:, None], channels, axis=1), sample_rate, default_layout(channels), true_peak=False
    ).integrated_lufs
    if reading is None:  # only LFE: nothing the meter counts
        raise InvalidInput(
            N_("a tone on %(channels)s has no loudness (LFE only)"),
            field="channels",
            params={"channels": plural(channels, "channel")},
        )
    return ref + (lufs - reading)


_LINES = (
    ("Where were you last night?", "I waited for hours."),
    ("At the studio.", "The mix ran late again."),
    ("You could have called.",),
    ("I know. I'm sorry.", "It won't happen again."),
    ("<i>That's what you said last time.</i>",),
    ("Then let me make it up to you.", "Dinner, tomorrow?"),
)


@app.command("subtitles")
def subtitles(
    out: Path = typer.Argument(..., help="SRT file to write."),
    count: int = typer.Option(40, "--count", help="Subtitles (1 to 5000)."),
) -> None:
    """Write an English SRT that meets the common streaming style guide (check it with `qc subtitles`)."""
    if not 1 <= count <= 5000:
        raise InvalidInput(N_("invalid --count %(count)s: 1 to 5000"), field="count", params={"count": count})
    blocks = []
    t = 1000  # milliseconds; every time on a 40 ms (25 fps) frame
    for i in range(count):
        lines = _LINES[i % len(_LINES)]
        chars = sum(len(ln.replace("<i>", "").replace("</i>", "")) for ln in lines)
        dur = max(1200, -(-chars * 1000 // 14) // 40 * 40 + 40)  # about 14 characters a second
        blocks.append(f"{i + 1}\n{_srt_time(t)} --> {_srt_time(t + dur)}\n" + "\n".join(lines) + "\n")
        t += dur + 480
    out.write_text("\n".join(blocks), encoding="utf-8")
    console.print(f"wrote {out} ({plural(count, 'subtitle')})")


def _srt_time(ms: int) -> str:
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{s:02d},{ms:03d}"
