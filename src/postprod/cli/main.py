"""Entry point of the `postprod` command: registers the command groups, turns errors into exit codes."""

from __future__ import annotations

import sys

import typer

from postprod.cli import cut as cut_cli
from postprod.cli import deliverables as deliverables_cli
from postprod.cli import history as history_cli
from postprod.cli import people as people_cli
from postprod.cli import plan as plan_cli
from postprod.cli import production as production_cli
from postprod.cli import qc as qc_cli
from postprod.cli import serve as serve_cli
from postprod.cli import tasks as tasks_cli
from postprod.cli import transfer as transfer_cli
from postprod.cli import users as users_cli
from postprod.cli._common import err_console
from postprod.errors import PostprodError

app = typer.Typer(
    name="postprod",
    help="The post-production supervisor's system: productions, planning, cut, registers and QC.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

app.command("demo")(production_cli.demo)
app.add_typer(production_cli.app, name="production", help="Create, list and read productions.")
app.add_typer(tasks_cli.app, name="task", help="List, show and change tasks.")
app.add_typer(people_cli.person_app, name="person", help="The crew: skills, rates, calendars.")
app.add_typer(people_cli.room_app, name="room", help="Rooms: edit suites, grading suites, stages.")
app.add_typer(people_cli.absence_app, name="absence", help="Absences of people and rooms.")
app.add_typer(history_cli.note_app, name="note", help="Notes on tasks.")
app.command("history")(history_cli.history)
app.command("export")(transfer_cli.export)
app.command("import")(transfer_cli.import_)
app.add_typer(deliverables_cli.app, name="deliverable", help="Deliverables, their specs and QC runs.")
app.add_typer(plan_cli.app, name="plan", help="Schedules: plan, replan, Gantt, PSPLIB.")
app.add_typer(qc_cli.app, name="qc", help="Probe, measure and check delivered media against a spec.")
app.add_typer(cut_cli.app, name="cut", help="Cut imports, versions and change lists.")
app.command("serve")(serve_cli.serve)
app.add_typer(users_cli.app, name="user", help="Users, roles and API tokens.")
for _name, _sub in getattr(cut_cli, "EXTRA_GROUPS", {}).items():
    app.add_typer(_sub, name=_name)


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
