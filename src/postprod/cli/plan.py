"""CLI group 'plan': PSPLIB instances and Gantt charts of saved plans (productions come with the services)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from postprod.cli._common import JsonOpt, console, print_json, progress_bar, table
from postprod.errors import FileFormatError

app = typer.Typer(no_args_is_help=True)


@app.command("psplib")
def psplib(
    file: Path = typer.Argument(..., help="A PSPLIB single-mode instance (.sm)."),
    time_limit: float = typer.Option(10.0, "--time-limit", min=0, help="Seconds; 0 runs only the heuristic."),
    as_json: bool = JsonOpt,
) -> None:
    """Solve a PSPLIB RCPSP instance and print its makespan, lower bound and whether it is optimal."""
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
    from postprod.planning.gantt import write
    from postprod.planning.problem import Plan

    try:
        data = json.loads(plan_file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise FileFormatError(str(plan_file), f"cannot read: {exc.strerror or exc}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise FileFormatError(str(plan_file), f"not JSON: {exc}") from None
    if isinstance(data, dict) and "plan" in data and "tasks" not in data:
        data = data["plan"]
    if not isinstance(data, dict):
        raise FileFormatError(str(plan_file), "not a plan object")
    plan = Plan.from_dict(data)
    path = write(plan, out, lanes, title=plan_file.stem)
    console.print(f"wrote {path}")
