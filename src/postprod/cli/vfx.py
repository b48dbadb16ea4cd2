"""CLI group 'vfx': shot list and pull list with handles from a cut file."""

from __future__ import annotations

from pathlib import Path

import opentimelineio as otio
import typer

from postprod.cli._common import JsonOpt, note, plural, print_json, table
from postprod.cli._cut_files import load_cut, rate_option, show_warnings, write_text
from postprod.editorial.pulls import pull_list, pulls_csv, pulls_edl, pulls_otio

app = typer.Typer(no_args_is_help=True)


@app.command("pulls")
def pulls(
    file: Path = typer.Argument(..., help="The cut: EDL, FCP 7 XML, FCPXML, AAF or .otio."),
    rate: str | None = typer.Option(None, "--rate", help="Frame rate: 23.976, 24, 25, 29.97, ... or 24000/1001."),
    handles: int = typer.Option(8, "--handles", min=0, max=10000, help="Handle frames each side."),
    lenient: bool = typer.Option(False, "--lenient", help="Import the good events of a partly broken file."),
    csv_path: Path | None = typer.Option(None, "--csv", help="Write the pull list as CSV."),
    reel: str | None = typer.Option(
        None,
        "--reel",
        "-r",
        help="The reel this cut is: written in the CSV, so that `cues vfx import` places the shots on it.",
    ),
    edl_path: Path | None = typer.Option(None, "--edl", help="Write a pull EDL (sources with handles)."),
    otio_path: Path | None = typer.Option(None, "--otio", help="Write the pulls as an OTIO timeline."),
    json_out: bool = JsonOpt,
) -> None:
    """Pull list: each VFX shot's source with handles, record range, duration, speed and comp frames (from 1001)."""
    cut = load_cut(file, rate_option(rate), lenient)
    pl = pull_list(cut, handles=handles)
    if csv_path:
        write_text(csv_path, pulls_csv(pl, reel.strip() if reel else None))
    if edl_path:
        write_text(edl_path, pulls_edl(pl))
    if otio_path:
        write_text(otio_path, otio.adapters.write_to_string(pulls_otio(pl), "otio_json"))
    if json_out:
        print_json(pl.to_dict())
        return
    show_warnings(cut)
    rows = []
    for p in pl.pulls:
        d = p.to_dict(cut.rate, cut.drop_frame)
        rows.append(
            (
                p.shot_id,
                " ".join(str(n) for n in p.events),
                p.reel,
                d["pull_in_tc"],
                d["pull_out_tc"],
                d["record_in_tc"],
                d["record_out_tc"],
                p.duration,
                "" if p.speed is None else f"{float(p.speed):g}",
                f"{p.comp_in}-{p.comp_out}",
            )
        )
    table(
        f"{file.name}: {plural(len(pl.pulls), 'VFX pull')}, {plural(handles, 'frame')} handles",
        ["shot", "events", "reel", "pull in", "pull out", "rec in", "rec out", "dur", "speed", "comp"],
        rows,
    )
    for w in pl.warnings:
        note(f"warning: {w}")
