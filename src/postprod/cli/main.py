"""Entry point of the `postprod` command: registers the command groups, turns errors into exit codes.

Groups are imported only when used: `postprod qc loudness` does not pay for the database layer,
and `postprod task list` does not load the media engines. `app` (all groups) is built on first
access, for tests and for `postprod --help`.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import typer
from typer.core import TyperGroup

from postprod.cli._common import err_console
from postprod.errors import PostprodError

# name -> (module, attribute, "group" | "command", help)
COMMANDS: dict[str, tuple[str, str, str, str]] = {
    "demo": ("postprod.cli.production", "demo", "command", ""),
    "production": ("postprod.cli.production", "app", "group", "Create, list and read productions."),
    "task": ("postprod.cli.tasks", "app", "group", "List, show and change tasks."),
    "person": ("postprod.cli.people", "person_app", "group", "The crew: skills, rates, calendars."),
    "room": ("postprod.cli.people", "room_app", "group", "Rooms: edit suites, grading suites, stages."),
    "absence": ("postprod.cli.people", "absence_app", "group", "Absences of people and rooms."),
    "calendar": ("postprod.cli.calendars", "calendar_app", "group", "Working calendars: days, hours, holidays."),
    "department": ("postprod.cli.calendars", "department_app", "group", "Departments, standard and custom."),
    "note": ("postprod.cli.history", "note_app", "group", "Notes on tasks."),
    "history": ("postprod.cli.history", "history", "command", ""),
    "export": ("postprod.cli.transfer", "export", "command", ""),
    "import": ("postprod.cli.transfer", "import_", "command", ""),
    "deliverable": ("postprod.cli.deliverables", "app", "group", "Deliverables, their specs and QC runs."),
    "plan": ("postprod.cli.plan", "app", "group", "Schedules: plan, replan, Gantt, PSPLIB."),
    "qc": ("postprod.cli.qc", "app", "group", "Probe, measure and check delivered media against a spec."),
    "subtitles": ("postprod.cli.subtitles", "app", "group", "Subtitle and caption files: conversion for delivery."),
    "cut": ("postprod.cli.cut", "app", "group", "Cut imports, versions and change lists."),
    "sample": (
        "postprod.cli.sample",
        "app",
        "group",
        "Example material: a cut and its recut, a line-up tone, subtitles.",
    ),
    "backup": ("postprod.cli.backup", "backup", "command", ""),
    "restore": ("postprod.cli.backup", "restore", "command", ""),
    "serve": ("postprod.cli.serve", "serve", "command", ""),
    "worker": ("postprod.cli.serve", "worker", "command", ""),
    "user": ("postprod.cli.users", "app", "group", "Users, roles and API tokens."),
    "webhook": ("postprod.cli.webhooks", "app", "group", "Webhooks: changes POSTed, signed, to other tools."),
}
# More groups (vfx, cues...) come from the cut module's EXTRA_GROUPS.
EXTRA_GROUPS_MODULE = "postprod.cli.cut"


def database_error(exc: BaseException) -> PostprodError | None:
    """The one-line error for a database that went away during a command (None for any other exception).

    SQLAlchemy is looked up, not imported: a command that never touched the database has not loaded it.
    """
    sa_exc = sys.modules.get("sqlalchemy.exc")
    if sa_exc is None or not isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError):
        return None
    from postprod.db import unavailable

    return unavailable(exc)


class _Group(TyperGroup):
    """The root group: a PostprodError from any command is one line on stderr and exit code 2."""

    def invoke(self, ctx: Any) -> Any:
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


def _new_app() -> typer.Typer:
    app = typer.Typer(
        cls=_Group,
        name="postprod",
        help="The post-production supervisor's system: productions, planning, cut, registers and QC.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=False,
    )

    @app.callback()
    def _root() -> None:
        """The post-production supervisor's system: productions, planning, cut, registers and QC."""

    return app


def _register(app: typer.Typer, name: str) -> None:
    module, attr, kind, help_text = COMMANDS[name]
    obj = getattr(importlib.import_module(module), attr)
    if kind == "group":
        app.add_typer(obj, name=name, help=help_text or None)
    else:
        app.command(name)(obj)


def build_app(only: str | None = None) -> typer.Typer:
    """The CLI with every group, or with just the one a command line names."""
    app = _new_app()
    if only in COMMANDS:
        _register(app, only)
        return app
    for name in COMMANDS:
        _register(app, name)
    extras = getattr(importlib.import_module(EXTRA_GROUPS_MODULE), "EXTRA_GROUPS", {})
    for name, sub in extras.items():
        app.add_typer(sub, name=name)
    return app


_full_app: typer.Typer | None = None


def __getattr__(name: str) -> Any:
    global _full_app
    if name == "app":
        if _full_app is None:
            _full_app = build_app()
        return _full_app
    raise AttributeError(name)


def _first_word(argv: list[str]) -> str | None:
    return next((a for a in argv if not a.startswith("-")), None)


def main() -> None:
    """Run the CLI: a PostprodError becomes one line on stderr and exit code 2."""
    try:
        build_app(_first_word(sys.argv[1:]))()
    except PostprodError as exc:
        err_console.print(f"error: {exc}", style="red", highlight=False, soft_wrap=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        err_console.print("interrupted", style="red")
        sys.exit(130)


if __name__ == "__main__":
    main()
