"""What the cut and vfx groups share: the --rate and --lenient options, reading a cut file with a
progress bar, its warnings, and writing what a command made."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import typer

from postprod.cli._common import note, progress_bar
from postprod.editorial.model import Cut
from postprod.editorial.readers import read_cut
from postprod.errors import N_, FileFormatError
from postprod.timecode import parse_rate, rate_note

RateOpt = typer.Option(
    None, "--rate", help="Frame rate: 23.976, 24, 25, 29.97, 30, 50, 59.94, 60 or a fraction such as 24000/1001."
)
LenientOpt = typer.Option(
    False, "--lenient", help="Import the good events of a partly broken file and list what was skipped."
)
MAX_WARNINGS_SHOWN = 20


def rate_option(value: str | None) -> Fraction | None:
    """The --rate value as an exact rate, with a note when a decimal was read as an NTSC fraction."""
    if value is None:
        return None
    rate = parse_rate(value, field="rate")
    msg = rate_note(value)
    if msg:
        note(msg)
    return rate


def load_cut(path: Path, rate: Fraction | None, lenient: bool) -> Cut:
    """Read a cut file, with a progress bar for big ones."""
    with progress_bar(f"reading {path.name}") as update:
        return read_cut(path, rate, lenient=lenient, progress=update)


def show_warnings(cut: Cut) -> None:
    """Print the reader's warnings (the first few) on stderr."""
    for w in cut.warnings[:MAX_WARNINGS_SHOWN]:
        note(f"warning: {cut.path}: {w}")
    if len(cut.warnings) > MAX_WARNINGS_SHOWN:
        note(f"... and {len(cut.warnings) - MAX_WARNINGS_SHOWN} more warnings (--json lists them all)")


def write_text(path: Path, text: str) -> None:
    """Write a report or list the command made; a failure names the file."""
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise FileFormatError(
            str(path), N_("cannot write: %(reason)s"), params={"reason": exc.strerror or exc}
        ) from exc
    note(f"wrote {path}")
