"""CLI group 'qc': probe, analyze and check delivered media against a delivery spec."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import typer

from postprod.cli import qc_audio, qc_conform, qc_subtitles
from postprod.cli._common import JsonOpt, console, err_console, note, plural, print_json, progress_bar, table
from postprod.errors import N_, PostprodError
from postprod.qc.spec import builtin_specs, load_spec

app = typer.Typer(no_args_is_help=True, help="Probe, measure and check delivered media against a spec.")

qc_audio.register(app)
qc_subtitles.register(app)
qc_conform.register(app)


@contextmanager
def _progress(description: str) -> Iterator[Callable[[float], None] | None]:
    """A progress bar when stderr is a terminal; nothing otherwise (an error then stays one line)."""
    if not err_console.is_terminal:
        yield None
        return
    with progress_bar(description) as update:
        yield update


@app.command("probe")
def probe_cmd(file: Path = typer.Argument(..., help="Media file."), as_json: bool = JsonOpt) -> None:
    """Container, duration, start timecode and stream properties of a file."""
    from postprod.qc.probe import probe  # each command loads its own engine: `qc specs` starts without PyAV

    info = probe(file)
    if as_json:
        print_json(info.to_dict())
        return
    d = info.to_dict()
    rows = [
        ("container", f"{d['container']} ({d['format_name']})"),
        ("duration", f"{d['duration_seconds']} s" if d["duration_seconds"] is not None else "unknown"),
        (
            "start timecode",
            f"{d['start_timecode'] or 'none'}" + (f"  [{d['timecode_source']}]" if d["timecode_source"] else ""),
        ),
    ]
    for v in d["video"]:
        rows.append(
            (
                f"video {v['index']}",
                f"{v['codec']} {v['profile'] or ''} {v['resolution']} SAR {v['sample_aspect_ratio']} DAR {v['display_aspect_ratio']} "
                f"{v['frame_rate']} fps {v['scan']} {v['pixel_format']} {v['bit_depth']}-bit "
                f"colour {v['colour_primaries'] or '-'}/{v['colour_transfer'] or '-'}/{v['colour_matrix'] or '-'} range {v['colour_range'] or '-'}",
            )
        )
    for a in d["audio"]:
        bits = f" {a['bit_depth']}-bit" if a["bit_depth"] else ""
        rows.append(
            (f"audio {a['index']}", f"{a['codec']} {a['sample_rate']} Hz{bits} {a['channels']} ch ({a['layout']})")
        )
    table(str(file), ["", "value"], rows)


@app.command("analyze")
def analyze_cmd(
    file: Path = typer.Argument(..., help="Media file."),
    as_json: bool = JsonOpt,
    video: bool = typer.Option(True, "--video/--no-video", help="Decode the picture (black, freeze, range, bars)."),
    audio: bool = typer.Option(True, "--audio/--no-audio", help="Measure the sound (loudness, silence, clipping)."),
    tracks: str | None = typer.Option(
        None, "--tracks", help="Audio tracks measured as one programme, from 1: '1,2' or '1-6'."
    ),
) -> None:
    """Measure a file in one pass per stream and list every event with frames and timecodes."""
    # the analysis engines (PyAV, NumPy, SciPy) for this command only
    from postprod.qc.analyze import AudioOptions, analyze
    from postprod.qc.audio_programme import parse_tracks

    aopts = AudioOptions(tracks=parse_tracks(tracks) if tracks is not None else None)
    with _progress(f"analysing {file.name}") as update:
        result = analyze(file, video=video, audio=audio, audio_options=aopts, progress=update)
    if as_json:
        print_json(result.to_dict())
        return
    for w in result.warnings:
        note(f"note: {w}")
    loud = result.loudness
    if loud is not None:

        def val(x: float | None, unit: str) -> str:
            return "-" if x is None else f"{x:.1f} {unit}"

        console.print(
            f"loudness: {val(loud.integrated_lufs, 'LUFS')} integrated, LRA {val(loud.loudness_range_lu, 'LU')}, "
            f"true peak {val(loud.true_peak_dbtp, 'dBTP')}, sample peak {val(loud.sample_peak_dbfs, 'dBFS')}"
        )
    if result.video is not None:
        v = result.video
        console.print(f"video: {v.frames} frames, luma {v.luma_min}-{v.luma_max} (mean {v.luma_mean:.1f})")
    rows = [
        (e.kind, e.start_frame, e.end_frame, e.start_tc, e.end_tc, e.stream, "" if e.channel is None else e.channel)
        for e in result.events
    ]
    table(
        f"events in {file.name}", ["kind", "start frame", "end frame", "start TC", "end TC", "stream", "channel"], rows
    )


@app.command("check")
def check_cmd(
    file: Path = typer.Argument(..., help="Media file."),
    spec: str = typer.Option(..., "--spec", "-s", help="Built-in spec name (see `qc specs`) or a spec .toml file."),
    as_json: bool = JsonOpt,
    report: Path | None = typer.Option(None, "--report", help="Write a standalone report here: HTML, or PDF (.pdf)."),
) -> None:
    """Check a file against a delivery spec: exit 0 when every clause passes, 1 when one fails, 2 on unusable input."""
    # the analysis engines and the report's Jinja for this command only
    from postprod.qc.check import check
    from postprod.qc.report import write_report

    the_spec = load_spec(spec)
    with _progress(f"checking {file.name}") as update:
        result = check(file, the_spec, progress=update)
    if report is not None:
        try:
            write_report(result, report)
        except OSError as exc:
            raise PostprodError(
                N_("%(report)s: cannot write the report (%(strerror)s)"),
                params={"report": report, "strerror": exc.strerror},
            ) from None
    if as_json:
        print_json(result.to_dict())
    else:
        for w in result.analysis.warnings:
            note(f"note: {w}")
        rows = []
        for c in result.clauses:
            where = ", ".join(f"{f.start_tc}-{f.end_tc}" for f in c.findings[:3])
            if len(c.findings) > 3:
                where += f" (+{len(c.findings) - 3})"
            rows.append((c.status.upper().replace("_", " "), c.id, c.expected, c.measured, where or c.message))
        table(f"{file.name} against {the_spec.title}", ["status", "clause", "spec asks", "measured", "findings"], rows)
        passed = len(result.clauses) - len(result.failed)
        if result.passed:
            console.print(f"[bold green]PASS[/]: all {len(result.clauses)} clauses pass")
        else:
            console.print(
                f"[bold red]FAIL[/]: {len(result.failed)} of {plural(len(result.clauses), 'clause')} "
                f"{'does' if len(result.failed) == 1 else 'do'} not pass ({passed} pass)"
            )
    if report is not None:
        note(f"report written to {report}")
    raise typer.Exit(0 if result.passed else 1)


@app.command("specs")
def specs_cmd(as_json: bool = JsonOpt) -> None:
    """List the built-in delivery specs."""
    specs = [load_spec(name) for name in builtin_specs()]
    if as_json:
        print_json(
            [
                {"name": s.name, "title": s.title, "description": s.description, "kind": _kind(s.is_timed_text)}
                for s in specs
            ]
        )
        return
    table(
        "built-in delivery specs",
        ["name", "kind", "title", "description"],
        [(s.name, _kind(s.is_timed_text), s.title, s.description) for s in specs],
    )


def _kind(timed_text: bool) -> str:
    return "subtitles" if timed_text else "media"
