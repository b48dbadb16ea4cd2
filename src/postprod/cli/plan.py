"""CLI group 'plan': plan, replan and compare productions, Gantt charts, PSPLIB instances.

Each command imports what it uses: `plan psplib` and `plan gantt-file` start without the database
layer, the production commands without the solver's OR-Tools (the planning service loads it when it
solves)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import typer

from postprod.cli._common import JsonOpt, ProductionOpt, Styled, console, plural, print_json, progress_bar, table
from postprod.config import current_actor
from postprod.errors import N_, FileFormatError, InvalidInput

app = typer.Typer(no_args_is_help=True)


@app.command("psplib")
def psplib(
    file: Path = typer.Argument(..., help="A PSPLIB single-mode instance (.sm)."),
    time_limit: float = typer.Option(10.0, "--time-limit", min=0, help="Seconds; 0 runs only the heuristic."),
    as_json: bool = JsonOpt,
) -> None:
    """Solve a PSPLIB RCPSP instance and print its makespan, lower bound and whether it is optimal."""
    # the solver's engine (OR-Tools, NumPy) only for this command
    from postprod.planning.compiled import compile_problem
    from postprod.planning.psplib import read_sm
    from postprod.planning.solver import solve_compiled

    inst = read_sm(file)
    c = compile_problem(inst.to_problem())
    with progress_bar(f"solving {inst.name}") as update:
        plan = solve_compiled(c, time_limit, update)
    out = {
        "instance": inst.name,
        "makespan": plan.makespan,
        "lower_bound": plan.lower_bound,
        "optimal": plan.optimal,
        "seconds": round(plan.seconds, 3),
        "solver": plan.solver,
    }
    if as_json:
        print_json(out)
    else:
        table(None, list(out), [list(out.values())])


@app.command("gantt-file")
def gantt_file(
    plan_file: Path = typer.Argument(..., help="A plan saved as JSON (the 'plan' output of the engine)."),
    out: Path = typer.Option(..., "--out", help="Output file: .html, .svg or .png."),
    lanes: str = typer.Option("person", "--lanes", help="Lanes per person, room or task."),
) -> None:
    """Draw a Gantt chart of a saved plan, the critical path in red."""
    # the engine alone: a saved plan needs no database
    from postprod.planning.gantt import write
    from postprod.planning.problem import Plan

    try:
        data = json.loads(plan_file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise FileFormatError(
            str(plan_file), N_("cannot read: %(reason)s"), params={"reason": exc.strerror or exc}
        ) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise FileFormatError(str(plan_file), N_("not JSON: %(exc)s"), params={"exc": exc}) from None
    if isinstance(data, dict) and "plan" in data and "tasks" not in data:
        data = data["plan"]
    if not isinstance(data, dict):
        raise FileFormatError(str(plan_file), "not a plan object")
    plan = Plan.from_dict(data)
    path = write(plan, out, lanes, title=plan_file.stem)
    console.print(f"wrote {path}")


# --- productions -------------------------------------------------------------------------------

ProductionArg = typer.Argument(None, help="Production ID or title (default: the current one).")
TodayOpt = typer.Option(None, "--today", help="Plan as if today were this date (YYYY-MM-DD).")
PlanOpt = typer.Option(None, "--plan", help="current (default), baseline, or a scenario's name.")


def _today(value: str | None) -> date | None:
    from postprod.services.common import parse_date  # with the database layer, as the commands calling this

    return parse_date(value, "today") if value else None


def _print_run(data: dict[str, Any]) -> None:
    delivery = data["delivery_date"]
    margin = data["margin_days"]
    if delivery is None:
        verdict = "no delivery date set"
    elif margin is not None and margin >= 0:
        verdict = f"[green]delivery {delivery}: {plural(margin or 0, 'working day')} to spare[/green]"
    else:
        verdict = f"[red]delivery {delivery}: {plural(-(margin or 0), 'working day')} late[/red]"
    opt = "optimal" if data["optimal"] else f"lower bound {data['lower_bound']} days"
    console.print(
        f"[bold]{data['production']}[/bold]: {plural(data['tasks'], 'task')} planned from {data['start_date']} "
        f"to [bold]{data['end_date']}[/bold] ({data['makespan']} working days, {opt}; "
        f"{data['solver']} in {data['seconds']:.2f} s)\n{verdict}"
    )
    table(
        "Critical path",
        ["Task", "Name", "Start", "Finish"],
        [(c["key"], c["name"], c["start"], c["finish"]) for c in data["critical_path"]],
    )
    if data["late"]:
        table(
            "Late tasks",
            ["Task", "Name", "Finish", "Due", "Days late"],
            [(x["key"], x["name"], x["finish"], x["due"], x["late_days"]) for x in data["late"]],
        )
    for w in data["overloads"]:
        console.print(f"[yellow]overload: {w}[/yellow]")


@app.command("run")
def run_cmd(
    production: str | None = ProductionArg,
    time_limit: float = typer.Option(3.5, "--time-limit", min=0, help="Seconds of solving; 0: heuristic only."),
    allow_late: bool = typer.Option(False, "--allow-late", help="Plan late tasks instead of refusing due dates."),
    today: str | None = TodayOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Plan a production from its tasks, people, rooms and calendars, and store it as the current plan."""
    # the database layer: only the production commands load it (see the module docstring)
    from postprod.services import planning as ops

    with progress_bar("planning") as update:
        data = ops.run(
            production,
            actor=current_actor(),
            time_limit=time_limit,
            today=_today(today),
            strict_due=not allow_late,
            progress=update,
        )
    if as_json:
        print_json(data)
    else:
        _print_run(data)


@app.command("replan")
def replan_cmd(
    slip: list[str] = typer.Option([], "--slip", help="TASK:N - the task slips N working days."),
    away: list[str] = typer.Option([], "--away", help="PERSON:FROM:TO - the person is away (recorded)."),
    add_task: list[str] = typer.Option(
        [], "--add-task", help="KEY:DAYS:DEPARTMENT[:skills=a,b][:room=KIND][:after=A,B][:before=C][:name=TEXT]"
    ),
    depend: list[str] = typer.Option([], "--depend", help="BEFORE:AFTER[:LAG] - add a dependency or change its lag."),
    undepend: list[str] = typer.Option([], "--undepend", help="BEFORE:AFTER - remove a dependency."),
    scenario: str | None = typer.Option(None, "--scenario", help="Save as this what-if scenario; change nothing."),
    time_limit: float = typer.Option(2.0, "--time-limit", min=0, help="Seconds of solving."),
    production: str | None = ProductionOpt,
    today: str | None = TodayOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Replan after an incident: started and finished work stays, as few tasks as possible move."""
    # the database layer: only the production commands load it (see the module docstring)
    from postprod.services import planning as ops

    inc = ops.Incidents(
        slips=[ops.parse_slip(x) for x in slip],
        away=[ops.parse_away(x) for x in away],
        added=[ops.parse_new_task(x) for x in add_task],
        depend=[ops.parse_depend(x) for x in depend],
        undepend=[ops.parse_depend(x, removing=True)[:2] for x in undepend],  # type: ignore[misc]
    )
    with progress_bar("replanning") as update:
        data = ops.replan(
            production,
            inc,
            actor=current_actor(),
            scenario=scenario,
            time_limit=time_limit,
            today=_today(today),
            progress=update,
        )
    if as_json:
        print_json(data)
        return
    what = f"scenario {scenario!r}" if scenario else "current plan"
    console.print(
        f"[bold]{data['incident']}[/bold]\n{what}: end {data['previous_end_date']} -> [bold]{data['end_date']}[/bold]; "
        f"{plural(data['moved'], 'task')} moved" + (f"; added {', '.join(data['added'])}" if data["added"] else "")
    )
    cost = data.get("cost_difference")
    if cost:
        console.print(
            f"cost of the days left after {cost['as_of']}: {cost['reference']} -> [bold]{cost['compared']}[/bold] "
            f"{cost['currency']} ({'+' if not cost['difference'].startswith('-') else ''}{cost['difference']})"
        )
    if data["moves"]:
        table(
            "Moved tasks",
            ["Task", "Name", "Was", "Now", "Working days", "Why"],
            [
                (m["task"], m["name"], m["old_start"], m["new_start"], f"{m['days']:+d}", m["why"])
                for m in data["moves"]
            ],
        )
    if data["reassigned"]:
        table(
            "Same dates, other hands",
            ["Task", "Name", "Was", "Now"],
            [(x["task"], x["name"], ", ".join(x["from"]), ", ".join(x["to"])) for x in data["reassigned"]],
        )
    for w in data["overloads"]:
        console.print(f"[yellow]overload: {w}[/yellow]")


@app.command("baseline")
def baseline_cmd(production: str | None = ProductionArg, as_json: bool = JsonOpt) -> None:
    """Freeze the current plan as the baseline that scenarios and progress are measured against."""
    # the database layer: only the production commands load it (see the module docstring)
    from postprod.db import session_scope
    from postprod.services import planning as ops
    from postprod.services.common import get_production

    with session_scope() as s:
        data = ops.set_baseline(s, get_production(s, production))
    if as_json:
        print_json(data)
    else:
        console.print(f"baseline #{data['id']} saved from plan #{data['parent_id']}: end {data['end_date']}")


@app.command("compare")
def compare_cmd(
    scenario: str | None = typer.Argument(None, help="A scenario's name (default: the current plan)."),
    against: str = typer.Option("baseline", "--against", help="baseline (default), current, or a scenario."),
    production: str | None = ProductionOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Compare a scenario (or the current plan) with the baseline: end date, moved tasks, load."""
    # the database layer: only the production commands load it (see the module docstring)
    from postprod.db import session_scope
    from postprod.services import planning as ops
    from postprod.services.common import get_production
    from postprod.services.plan_cost import with_cost

    with session_scope() as s:
        prod = get_production(s, production)
        data = with_cost(s, prod, ops.compare_plans(s, prod, scenario, against=against))
    if as_json:
        print_json(data)
        return
    console.print(
        f"{data['scenario']['name']} vs {data['baseline']['name']}: end {data['baseline_end']} -> "
        f"[bold]{data['scenario_end']}[/bold] ({data['end_shift_days']:+d} working days), {plural(data['moved'], 'task')} moved"
        + (f"; added {', '.join(data['added'])}" if data["added"] else "")
        + (f"; removed {', '.join(data['removed'])}" if data["removed"] else "")
    )
    cost = data.get("cost_difference")
    if cost:
        console.print(
            f"cost of the days left after {cost['as_of']}: {cost['reference']} -> [bold]{cost['compared']}[/bold] "
            f"{cost['currency']} ({'+' if not cost['difference'].startswith('-') else ''}{cost['difference']})"
        )
    if data["moves"]:
        table(
            "Moved tasks",
            ["Task", "Name", "Was", "Now", "Working days"],
            [(m["task"], m["name"], m["old_start"], m["new_start"], f"{m['days']:+d}") for m in data["moves"]],
        )
    if data["load_change"]:
        table(
            "Load change (booked days)",
            ["Who / room", "Days"],
            [(k, f"{v:+d}") for k, v in data["load_change"].items()],
        )
    if cost and cost["accounts"]:
        table(
            f"Cost change ({cost['currency']})",
            ["Account", "Name", "Reference", "Compared", "Difference"],
            [(a["code"], a["name"], a["reference"], a["compared"], a["difference"]) for a in cost["accounts"]],
        )


@app.command("slippage")
def slippage_cmd(production: str | None = ProductionArg, today: str | None = TodayOpt, as_json: bool = JsonOpt) -> None:
    """Baseline against actual: how far each started, finished or overdue task has drifted."""
    # the database layer: only the production commands load it (see the module docstring)
    from postprod.db import session_scope
    from postprod.services import planning as ops
    from postprod.services.common import get_production

    with session_scope() as s:
        data = ops.slippage_report(s, get_production(s, production), _today(today))
    if as_json:
        print_json(data)
        return
    console.print(
        f"baseline #{data['baseline_id']} (end {data['baseline_end']}) on {data['today']}, from actual progress: "
        f"{plural(data['late'], 'task')} late, worst {data['worst_finish_slip']:+d} working days"
    )
    table(
        None,
        ["Task", "Name", "Planned", "Actual start", "Finish", "Start slip", "Finish slip"],
        [
            (
                t["task"],
                t["name"],
                f"{t['planned_start']}..{t['planned_finish']}",
                t["start"] or "-",
                (t["finish"] or "-") + (" (forecast)" if t["forecast"] else ""),
                f"{t['start_slip']:+d}",
                f"{t['finish_slip']:+d}",
            )
            for t in data["tasks"]
        ],
    )
    plan = data["plan"]
    if plan is None:
        return
    # progress shows what has happened; the current plan also holds what replans already moved
    console.print(
        f"current plan #{plan['id']} (end {plan['end_date']}, {plan['end_shift_days']:+d} working days on the "
        f"baseline): {plural(len(plan['late']), 'task')} finish later than in the baseline"
    )
    if plan["late"]:
        table(
            None,
            ["Task", "Name", "Baseline finish", "Plan finish", "Working days"],
            [(t["task"], t["name"], t["baseline_finish"], t["plan_finish"], f"{t['days']:+d}") for t in plan["late"]],
        )


@app.command("show")
def show_cmd(production: str | None = ProductionArg, plan: str | None = PlanOpt, as_json: bool = JsonOpt) -> None:
    """Show a stored plan: every task's dates, people, room, slack and flags."""
    # the database layer: only the production commands load it (see the module docstring)
    from postprod.db import session_scope
    from postprod.services import planning as ops
    from postprod.services.common import get_production

    with session_scope() as s:
        data = ops.show_plan(s, get_production(s, production), plan)
    if as_json:
        print_json(data)
        return
    console.print(
        f"[bold]{data['production']}[/bold]: {data['name']} plan #{data['id']} ({data['kind']}), "
        f"end {data['end_date']}, made {(data['created_at'] or '-')[:16]} by {data['created_by'] or '-'}"
        + (f"\nincident: {data['incident']}" if data["incident"] else "")
    )
    table(
        None,
        ["Task", "Name", "Start", "Finish", "Days", "People", "Room", "Slack", ""],
        [
            (
                t["key"],
                t["name"],
                t["start"],
                t["finish"],
                t["work_days"],
                ", ".join(t["people"]),
                t["room"] or "",
                t["slack"],
                Styled(
                    " ".join(
                        w
                        for w in (
                            "critical" if t["critical"] else "",
                            f"late {t['late_days']}" if t["late_days"] else "",
                            "fixed" if t["fixed"] else "",
                        )
                        if w
                    ),
                    "red" if t["critical"] or t["late_days"] else "",
                ),
            )
            for t in data["tasks"]
        ],
    )


@app.command("list")
def list_cmd(production: str | None = ProductionArg, as_json: bool = JsonOpt) -> None:
    """List the stored plans (current, baselines, scenarios), newest first."""
    # the database layer: only the production commands load it (see the module docstring)
    from postprod.db import session_scope
    from postprod.services import planning as ops
    from postprod.services.common import get_production

    with session_scope() as s:
        rows = ops.list_plans(s, get_production(s, production))
    if as_json:
        print_json(rows)
        return
    table(
        "Plans",
        ["ID", "Kind", "Name", "End", "Solver", "Made", "Incident"],
        [
            (r["id"], r["kind"], r["name"], r["end_date"], r["solver"], (r["created_at"] or "")[:16], r["incident"])
            for r in rows
        ],
    )


@app.command("gantt")
def gantt_cmd(
    production: str | None = ProductionArg,
    out: Path = typer.Option(..., "--out", help="Output file: .html, .svg or .png."),
    lanes: str = typer.Option("person", "--lanes", help="Lanes per person, room or task."),
    plan: str | None = PlanOpt,
) -> None:
    """Draw a stored plan as a Gantt chart, the critical path in red, lanes per person or room."""
    # the database layer: only the production commands load it (see the module docstring)
    from postprod.db import session_scope
    from postprod.planning.gantt import LANES, write
    from postprod.services import planning as ops
    from postprod.services.common import get_production

    if lanes not in LANES:
        raise InvalidInput(
            N_("--lanes must be one of %(lanes)s, got %(given)r"),
            field="lanes",
            params={"lanes": ", ".join(LANES), "given": lanes},
        )
    if out.suffix.lower() not in (".html", ".htm", ".svg", ".png"):
        raise InvalidInput(
            N_("%(out)s: Gantt output must end in .html, .svg or .png"), field="out", params={"out": out}
        )
    with session_scope() as s:
        chart, title = ops.gantt_plan(s, get_production(s, production), plan)
    try:
        path = write(chart, out, lanes, title=title)
    except OSError as exc:
        raise InvalidInput(
            N_("%(out)s: cannot write: %(reason)s"), field="out", params={"out": out, "reason": exc.strerror or exc}
        ) from None
    console.print(f"wrote {path}")


@app.command("ical")
def ical_cmd(
    out: Path = typer.Option(..., "--out", help="Output file (.ics)."),
    person: str | None = typer.Option(None, "--person", help="Only this person's tasks."),
    room: str | None = typer.Option(None, "--room", help="Only this room's bookings."),
    production: str | None = ProductionOpt,
) -> None:
    """Write the plan in force as an iCalendar file (all-day events, one per task), for a person, a room or
    the whole production; calendar apps import it (or subscribe to a private feed from the web app)."""
    from postprod.db import session_scope
    from postprod.services import calendar_feeds
    from postprod.services.common import get_production

    if out.suffix.lower() != ".ics":
        raise InvalidInput(N_("%(out)s: a calendar file must end in .ics"), field="out", params={"out": out})
    with session_scope() as s:
        data, name = calendar_feeds.ics(s, get_production(s, production), person=person, room=room)
    try:
        out.write_bytes(data)
    except OSError as exc:
        raise InvalidInput(
            N_("%(out)s: cannot write: %(reason)s"), field="out", params={"out": out, "reason": exc.strerror or exc}
        ) from None
    console.print(f"wrote {out} ({name}, {plural(data.count(b'BEGIN:VEVENT'), 'event')})")
