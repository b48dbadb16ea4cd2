"""`postprod export` and `postprod import`: a whole production as one versioned JSON document."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import typer

from postprod.cli._common import ProductionOpt, console, err_console
from postprod.config import current_actor
from postprod.db import session_scope
from postprod.errors import FileFormatError
from postprod.services import transfer as svc
from postprod.services.common import get_production


def export(
    production: str | None = ProductionOpt,
    out: Path | None = typer.Option(None, "--out", "-o", help="File to write (default: standard output)."),
) -> None:
    """Export a production (tasks, people, rooms, calendars, notes, history) as JSON."""
    with session_scope() as s:
        doc = svc.export_production(s, get_production(s, production), actor=current_actor())
    text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    if out is None:
        typer.echo(text, nl=False)
        return
    # Write beside the target and rename, so an interrupted export never leaves half a file.
    fd, tmp = tempfile.mkstemp(dir=out.resolve().parent, prefix=f".{out.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, out)
    err_console.print(f"exported {doc['production']['title']!r} to {out} ({len(doc['tasks'])} tasks)")


def import_(
    file: Path = typer.Argument(..., help="A file written by `postprod export`."),
    title: str | None = typer.Option(None, "--as", help="Import under another title."),
) -> None:
    """Import a production from an export file (older format versions are upgraded)."""
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise FileFormatError(str(file), exc.strerror or "cannot read") from None
    doc = svc.read_document(data, str(file))
    with session_scope() as s:
        prod = svc.import_production(s, doc, title=title, path=str(file))
        msg = f"imported {prod.title!r} (#{prod.id}): {len(doc.tasks)} tasks, {len(doc.people)} people, {len(doc.rooms)} rooms"
    console.print(msg)
