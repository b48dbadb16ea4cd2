"""`postprod backup FILE` and `postprod restore FILE`: a consistent copy of the database, taken while it is in use."""

from __future__ import annotations

from pathlib import Path

import typer

from postprod import config
from postprod.cli._common import console
from postprod.services import backup as svc


def backup(file: Path = typer.Argument(..., help="The backup file to write.")) -> None:
    """Copy the whole database to FILE while it is in use (SQLite's backup API; pg_dump for PostgreSQL)."""
    console.print(svc.backup(config.database_url(), file), highlight=False, soft_wrap=True)


def restore(
    file: Path = typer.Argument(..., help="A file written by `postprod backup`."),
    force: bool = typer.Option(False, "--force", help="Replace what the database holds (refused otherwise)."),
) -> None:
    """Restore a backup onto the configured database, which must be empty unless --force is given."""
    console.print(svc.restore(config.database_url(), file, force=force), highlight=False, soft_wrap=True)
