"""CLI group 'subtitles': subtitle and caption files converted for delivery (through ttconv)."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path

import typer

from postprod.cli._common import JsonOpt, console, err_console, note, print_json, progress_bar
from postprod.cli.qc_subtitles import RateOpt, StartOpt
from postprod.timecode import parse_rate

app = typer.Typer(no_args_is_help=True, help="Subtitle and caption files: conversion for delivery.")


@app.command("convert")
def convert_cmd(
    source: Path = typer.Argument(..., help="SRT, WebVTT, EBU STL, SCC or TTML/IMSC file."),
    target: Path = typer.Argument(..., help="The file to write: .srt, .vtt, .ttml (IMSC), .scc or .stl (EBU STL)."),
    to: str | None = typer.Option(None, "--to", help="srt, vtt, ttml, scc or stl (default: from TARGET's name)."),
    fmt: str | None = typer.Option(None, "--format", help="The input's format (default: from the file)."),
    rate: str | None = RateOpt,
    start: str | None = StartOpt,
    encoding: str | None = typer.Option(None, "--encoding", help="The input's text encoding (default: UTF-8)."),
    language: str = typer.Option("", "--language", help="Language written into an EBU STL header, e.g. fr."),
    as_json: bool = JsonOpt,
) -> None:
    """Convert a subtitle file, e.g. SRT to EBU STL or IMSC; a broken input is one line and exit code 2."""
    from postprod.qc.subtitle_convert import convert  # ttconv when the command runs, not with the group

    the_rate = parse_rate(rate, field="rate") if rate is not None else None
    show = err_console.is_terminal and not as_json
    with progress_bar(f"converting {source.name}") if show else nullcontext(None) as update:
        done = convert(
            source, target, to=to, fmt=fmt, rate=the_rate, start_tc=start, encoding=encoding, language=language,
            progress=update,
        )  # fmt: skip
    if as_json:
        print_json(done.to_dict())
        return
    for w in done.warnings:
        note(f"note: {w}")
    console.print(
        f"{done.subtitles} subtitles: {source.name} ({done.source_format}) -> {target.name} ({done.target_format})"
    )
