"""Entry point of the `postprod` command: the table of command groups, loaded lazily, and errors as exit codes.

Every group and command is registered once, in COMMANDS, with the module that defines it and its
help text. The root group imports a module only when its command runs (or its own --help is
asked): `postprod --help` lists the table without importing any group, `postprod qc loudness`
does not pay for the database layer, and `postprod task list` does not load the media engines.
"""

from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass
from difflib import get_close_matches
from typing import Any

import typer
from typer import _click as click  # Typer carries its own Click: its groups and commands derive from this one
from typer.core import TyperCommand, TyperGroup
from typer.main import get_command_from_info, get_group_from_info
from typer.models import CommandInfo, TyperInfo

from postprod.cli._common import err_console
from postprod.cli._values import use_plain_values, use_plain_values_in
from postprod.errors import PostprodError


@dataclass(frozen=True)
class Entry:
    """One command of the root: where it is defined, whether it is a group of commands, its help line."""

    module: str
    attr: str
    help: str
    group: bool = True


# The whole command line, in the order `postprod --help` lists it. Adding a group is one entry here.
COMMANDS: dict[str, Entry] = {
    "demo": Entry(
        "postprod.cli.production",
        "demo",
        "Set up the sample feature film (crew, rooms, calendars, tasks, cuts, cues, deliverables) and print its overview.",
        group=False,
    ),
    "history": Entry(
        "postprod.cli.history",
        "history",
        "The audit trail: who changed what, when, before and after (newest first).",
        group=False,
    ),
    "export": Entry(
        "postprod.cli.transfer",
        "export",
        "Export a production (tasks, people, rooms, calendars, notes, history) as JSON.",
        group=False,
    ),
    "import": Entry(
        "postprod.cli.transfer",
        "import_",
        "Import a production from an export file (older format versions are upgraded).",
        group=False,
    ),
    "backup": Entry(
        "postprod.cli.backup",
        "backup",
        "Copy the whole database to FILE while it is in use (SQLite's backup API; pg_dump for PostgreSQL).",
        group=False,
    ),
    "restore": Entry(
        "postprod.cli.backup",
        "restore",
        "Restore a backup onto the configured database, which must be empty unless --force is given.",
        group=False,
    ),
    "serve": Entry(
        "postprod.cli.serve",
        "serve",
        "Serve the web app and the REST API (/api/v1, OpenAPI at /api/v1/openapi.json).",
        group=False,
    ),
    "worker": Entry(
        "postprod.cli.serve",
        "worker",
        "Run jobs (QC, imports, plans) for the server: a Celery worker on POSTPROD_BROKER_URL.",
        group=False,
    ),
    "production": Entry("postprod.cli.production", "app", "Create, list and read productions."),
    "task": Entry("postprod.cli.tasks", "app", "List, show and change tasks."),
    "person": Entry("postprod.cli.people", "person_app", "The crew: skills, rates, calendars."),
    "room": Entry("postprod.cli.people", "room_app", "Rooms: edit suites, grading suites, stages."),
    "absence": Entry("postprod.cli.people", "absence_app", "Absences of people and rooms."),
    "calendar": Entry("postprod.cli.calendars", "calendar_app", "Working calendars: days, hours, holidays."),
    "department": Entry("postprod.cli.calendars", "department_app", "Departments, standard and custom."),
    "note": Entry("postprod.cli.history", "note_app", "Notes on tasks."),
    "deliverable": Entry("postprod.cli.deliverables", "app", "Deliverables, their specs and QC runs."),
    "budget": Entry("postprod.cli.budget", "app", "The budget: accounts, versions, lines, lock and revise."),
    "cost": Entry("postprod.cli.costs", "cost_app", "The cost report: actual, committed, forecast; snapshots."),
    "time": Entry("postprod.cli.costs", "time_app", "Time entries: who worked how long on what."),
    "vendor": Entry("postprod.cli.costs", "vendor_app", "Vendors: VFX houses, labs, stages, studios."),
    "po": Entry("postprod.cli.costs", "po_app", "Purchase orders: money committed to an account."),
    "invoice": Entry("postprod.cli.costs", "invoice_app", "Vendors' invoices, against an order or an account."),
    "plan": Entry("postprod.cli.plan", "app", "Schedules: plan, replan, Gantt, PSPLIB."),
    "qc": Entry("postprod.cli.qc", "app", "Probe, measure and check delivered media against a spec."),
    "subtitles": Entry("postprod.cli.subtitles", "app", "Subtitle and caption files: conversion for delivery."),
    "cut": Entry("postprod.cli.cut", "app", "Cut imports, versions and change lists."),
    "sample": Entry("postprod.cli.sample", "app", "Example material: a cut and its recut, a line-up tone, subtitles."),
    "user": Entry("postprod.cli.users", "app", "Users, roles and API tokens."),
    "webhook": Entry("postprod.cli.webhooks", "app", "Webhooks: changes POSTed, signed, to other tools."),
    "vfx": Entry("postprod.cli.vfx", "app", "VFX shot lists and pull lists from a cut."),
    "cues": Entry("postprod.cli.cues", "app", "Registers: VFX shots, ADR, foley and music cues, dubbed versions."),
    "music": Entry("postprod.cli.cues", "music_app", "Music: the cue sheet."),
    "report": Entry("postprod.cli.report", "app", "Reports: the weekly pack as PDF or HTML."),
}


def database_error(exc: BaseException) -> PostprodError | None:
    """The one-line error for a database that went away during a command (None for any other exception).

    SQLAlchemy is looked up, not imported: a command that never touched the database has not loaded it.
    """
    sa_exc = sys.modules.get("sqlalchemy.exc")
    if sa_exc is None or not isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError):
        return None
    # Imported here: only a command that already loaded SQLAlchemy can get this far.
    from postprod.db import unavailable

    return unavailable(exc)


class _Listed(TyperCommand):
    """A command as the root's help lists it: its name and the table's help line, its module not imported."""

    def __init__(self, name: str, entry: Entry) -> None:
        super().__init__(name=name, help=entry.help)


class LazyGroup(TyperGroup):
    """The root group: commands come from COMMANDS, each module imported when its command is used.

    A PostprodError from any command is one line on stderr and exit code 2 (so is a database that
    went away).
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._loaded: dict[str, click.Command] = {}
        self._listing = False

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*COMMANDS, *(n for n in self.commands if n not in COMMANDS)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return self.commands.get(cmd_name)
        if cmd_name in self._loaded:
            return self._loaded[cmd_name]
        if self._listing:
            return _Listed(cmd_name, entry)
        self._loaded[cmd_name] = cmd = self._load(cmd_name, entry)
        return cmd

    def _load(self, name: str, entry: Entry) -> click.Command:
        """The command of an entry, built as `app.add_typer(obj, name=..., help=...)` would build it."""
        obj = getattr(importlib.import_module(entry.module), entry.attr)
        if entry.group:
            info = TyperInfo(obj, name=name, help=entry.help)
            cmd: click.Command = get_group_from_info(
                info, pretty_exceptions_short=True, suggest_commands=True, rich_markup_mode=self.rich_markup_mode
            )
        else:
            cmd = get_command_from_info(
                CommandInfo(name=name, callback=obj),
                pretty_exceptions_short=True,
                rich_markup_mode=self.rich_markup_mode,
            )
        use_plain_values_in(cmd)  # no Pydantic for plain option values: see _values
        return cmd

    def get_help_option(self, ctx: click.Context) -> Any:
        option = super().get_help_option(ctx)
        use_plain_values(option)
        return option

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        self._listing = True  # the list of commands comes from the table: nothing is imported for it
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            return self._click_resolve_command(ctx, args)
        except click.exceptions.UsageError as e:
            matches = get_close_matches(args[0], self.list_commands(ctx)) if args else []
            if matches:
                e.message = e.message.rstrip(".") + ". Did you mean " + ", ".join(f"{m!r}" for m in matches) + "?"
            raise

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PostprodError as exc:
            err_console.print(f"error: {exc}", style="red", highlight=False, soft_wrap=True)
            raise typer.Exit(exc.exit_code) from None
        except Exception as exc:
            err = database_error(exc)
            if err is None:
                raise
            err_console.print(f"error: {err}", style="red", highlight=False, soft_wrap=True)
            raise typer.Exit(err.exit_code) from None


app = typer.Typer(
    cls=LazyGroup,
    name="postprod",
    help="The post-production supervisor's system: productions, planning, cut, registers and QC.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _root() -> None:
    """The post-production supervisor's system: productions, planning, cut, registers and QC."""


def main() -> None:
    """Run the CLI: a PostprodError becomes one line on stderr and exit code 2."""
    try:
        app()
    except PostprodError as exc:
        err_console.print(f"error: {exc}", style="red", highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err_console.print("interrupted", style="red")
        sys.exit(130)


if __name__ == "__main__":
    main()
