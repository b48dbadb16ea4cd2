"""Subtitle files made in the tests: one list of subtitles on the programme's frame grid, written as SRT,
WebVTT, EBU STL, SCC (pop-on CEA-608) and TTML, with the programme's start timecode where the format
writes timecodes."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from postprod.qc.ebu_stl import StlSubtitle, write_stl
from postprod.timecode import frames_to_tc, supports_drop_frame, tc_to_frames


@dataclass
class Sub:
    """A subtitle on the programme's frame grid (frame 0 = the programme's first frame)."""

    start: int
    end: int
    lines: list[str]
    italic: bool = False
    extra: dict[str, str] = field(default_factory=dict)


def _ms(frame: int, rate: Fraction) -> int:
    return round(Fraction(frame) / rate * 1000)


def _clock(ms: int, sep: str) -> str:
    h, ms = divmod(ms, 3_600_000)
    m, ms = divmod(ms, 60_000)
    s, ms = divmod(ms, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def _tagged(sub: Sub) -> list[str]:
    return [f"<i>{ln}</i>" for ln in sub.lines] if sub.italic else list(sub.lines)


def write_srt(path: Path, subs: list[Sub], rate: Fraction) -> Path:
    blocks = []
    for n, s in enumerate(subs, start=1):
        t = f"{_clock(_ms(s.start, rate), ',')} --> {_clock(_ms(s.end, rate), ',')}"
        blocks.append("\n".join([str(n), t, *_tagged(s)]) + "\n")
    path.write_text("\n".join(blocks), encoding="utf-8")
    return path


def write_vtt(path: Path, subs: list[Sub], rate: Fraction) -> Path:
    blocks = ["WEBVTT\n"]
    for n, s in enumerate(subs, start=1):
        t = f"{_clock(_ms(s.start, rate), '.')} --> {_clock(_ms(s.end, rate), '.')}"
        blocks.append("\n".join([f"cue-{n}", t, *_tagged(s)]) + "\n")
    path.write_text("\n".join(blocks), encoding="utf-8")
    return path


def write_stl_file(path: Path, subs: list[Sub], rate: Fraction, start_tc: str) -> Path:
    start = tc_to_frames(start_tc, rate)
    items = [
        StlSubtitle(n, start + s.start, start + s.end, [[(ln, s.italic)] for ln in s.lines])
        for n, s in enumerate(subs, start=1)
    ]
    path.write_bytes(write_stl(items, rate, start_frame=start, language="en", title="test"))
    return path


def write_ttml(path: Path, subs: list[Sub], rate: Fraction) -> Path:
    ps = []
    for n, s in enumerate(subs, start=1):
        body = "<br/>".join(_xml(ln) for ln in s.lines)
        if s.italic:
            body = f'<span tts:fontStyle="italic">{body}</span>'
        ps.append(f'<p xml:id="s{n}" begin="{s.start}f" end="{s.end}f">{body}</p>')
    num, den = rate.numerator, rate.denominator
    base = round(rate)
    mult = (
        ""
        if den == 1
        else f' ttp:frameRateMultiplier="{num // base if num % base == 0 else 1000} {1001 if den == 1001 else den}"'
    )
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<tt xmlns="http://www.w3.org/ns/ttml" xmlns:ttp="http://www.w3.org/ns/ttml#parameter" '
        f'xmlns:tts="http://www.w3.org/ns/ttml#styling" xml:lang="en" ttp:frameRate="{base}"{mult} ttp:timeBase="media">\n'
        "<body><div>\n" + "\n".join(ps) + "\n</div></body></tt>\n",
        encoding="utf-8",
    )
    return path


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# --- SCC: pop-on captions, CEA-608 channel 1 ------------------------------------------------------------


def _parity(c: int) -> int:
    c &= 0x7F
    return c | 0x80 if bin(c).count("1") % 2 == 0 else c


_SCC_CHARS = {"é": 0x5C, "á": 0x2A, "í": 0x5E, "ó": 0x5F, "ú": 0x60, "ç": 0x7B}  # CEA-608 basic set


def _chars(text: str) -> list[str]:
    data = [_parity(_SCC_CHARS.get(ch, ord(ch))) for ch in text]
    if len(data) % 2:
        data.append(0x80)
    return [f"{data[i]:02x}{data[i + 1]:02x}" for i in range(0, len(data), 2)]


_PAC = {15: "9470", 14: "94d0", 13: "1370"}


def write_scc(path: Path, subs: list[Sub], start_tc: str = "00:00:00;00") -> Path:
    """Pop-on captions at 29.97 drop-frame: each caption is loaded off screen, shown by EOC at its first
    frame and erased by EDM at its end (the doubled control codes take a frame each)."""
    rate = Fraction(30000, 1001)
    start = tc_to_frames(start_tc, rate)
    events: list[tuple[int, list[str]]] = []
    prev_show = None
    for s in subs:
        load = ["94ae", "94ae", "9420", "9420"]
        rows = list(range(16 - len(s.lines), 16))
        for row, ln in zip(rows, s.lines, strict=True):
            load += [_PAC[row], _PAC[row], *_chars(ln)]
        at = s.start - len(load) - 40
        if prev_show is not None:
            at = max(at, prev_show + 3)
        events.append((at, load))
        events.append((s.start, ["942f", "942f"]))
        events.append((s.end, ["942c", "942c"]))
        prev_show = s.start
    events.sort(key=lambda e: e[0])
    lines = ["Scenarist_SCC V1.0", ""]
    for frame, words in events:
        lines += [f"{frames_to_tc(start + frame, rate, supports_drop_frame(rate))}\t{' '.join(words)}", ""]
    path.write_text("\n".join(lines), encoding="ascii")
    return path
