"""CLI command 'qc subtitles': a subtitle or caption file against a timed-text spec."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path

import typer

from postprod.cli._common import JsonOpt, console, err_console, note, print_json, progress_bar, table
from postprod.errors import N_, PostprodError
from postprod.timecode import parse_rate

RateOpt = typer.Option(
    None, "--rate", help="The programme's frame rate (default: the master's, else the file's, else 25)."
)
StartOpt = typer.Option(
    None,
    "--start",
    help="The programme's start timecode, e.g. 10:00:00:00 (default: the spec's, the master's or the file's).",
)


def _text(text: str, width: int = 50) -> str:
    one = " / ".join(text.splitlines())
    return one if len(one) <= width else one[: width - 1] + "…"


def register(app: typer.Typer) -> None:
    """Add the 'subtitles' command to the qc group."""

    @app.command("subtitles")
    def subtitles(
        file: Path = typer.Argument(..., help="SRT, WebVTT, EBU STL, SCC or TTML/IMSC file."),
        spec: str = typer.Option(
            ..., "--spec", "-s", help="Timed-text spec: built-in name (see `qc specs`, subtitles-*) or a .toml file."
        ),
        rate: str | None = RateOpt,
        start: str | None = StartOpt,
        video: Path | None = typer.Option(
            None, "--video", help="The programme's master: its length and shot changes are checked against."
        ),
        fmt: str | None = typer.Option(None, "--format", help="srt, vtt, stl, scc or ttml (default: from the file)."),
        encoding: str | None = typer.Option(
            None, "--encoding", help="Text encoding (default: UTF-8, or UTF-16 with a BOM)."
        ),
        as_json: bool = JsonOpt,
        report: Path | None = typer.Option(
            None, "--report", help="Write a standalone report here: HTML, or PDF (.pdf)."
        ),
    ) -> None:
        """Check subtitles against a timed-text spec: exit 0 when every clause passes, 1 when one fails, 2 on unusable input."""
        # ttconv and the spec reader when this runs: `subtitles convert` imports this module too.
        from postprod.qc.spec import load_spec
        from postprod.qc.subtitle_check import check_subtitle_file

        the_spec = load_spec(spec)
        the_rate = parse_rate(rate, field="rate") if rate is not None else None
        master = None
        if video is not None:
            from postprod.qc.subtitle_video import master_info  # PyAV and the shot detector: only with --video

            busy = progress_bar(f"finding shot changes in {video.name}", total=None)
            with busy if err_console.is_terminal and not as_json else nullcontext():
                master = master_info(video)
        result = check_subtitle_file(
            file, the_spec, rate=the_rate, start_tc=start, fmt=fmt, encoding=encoding, master=master
        )
        if report is not None:
            from postprod.qc.report import write_report  # loads the media QC too: only when asked

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
            for w in result.warnings:
                note(f"note: {w}")
            rows = [
                (c.status.upper().replace("_", " "), c.id, c.expected, c.measured, c.message) for c in result.clauses
            ]
            table(
                f"{file.name} against {the_spec.title}", ["status", "clause", "spec asks", "measured", "findings"], rows
            )
            findings = result.findings
            if findings:
                table(
                    "findings",
                    ["#", "kind", "start TC", "end TC", "text", "measured", "limit"],
                    [
                        (f.detail.get("subtitle"), f.kind, f.start_tc, f.end_tc, _text(f.detail.get("text", "")),
                         f.detail.get("measured"), f.detail.get("limit"))
                        for f in findings
                    ],
                )  # fmt: skip
            n = len(result.file.subtitles)
            if result.passed:
                console.print(f"[bold green]PASS[/]: {n} subtitles, all {len(result.clauses)} clauses pass")
            else:
                console.print(
                    f"[bold red]FAIL[/]: {n} subtitles, {len(result.failed)} of {len(result.clauses)} clauses "
                    f"do not pass ({len(findings)} findings)"
                )
        if report is not None:
            note(f"report written to {report}")
        raise typer.Exit(0 if result.passed else 1)
