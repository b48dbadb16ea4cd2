"""Planning a production: the solver run on the production's inputs and the plan stored as the one in force."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from postprod.db import session_scope
from postprod.errors import N_, NotFound
from postprod.model import Plan as PlanRow
from postprod.model import PlanKind, Production
from postprod.planning import problem as eng
from postprod.planning.calendar import working_days_between
from postprod.services.common import get_production
from postprod.services.planning.store import (
    Inputs,
    load_inputs,
    store_plan,
)

Progress = Callable[[float], None]


RUN_TIME_LIMIT = 3.5
"""Default seconds of solving for `plan run` (the heuristic plan comes first, CP-SAT improves it)."""


REPLAN_TIME_LIMIT = 2.0
"""Default seconds of solving for a replan, so the answer comes within about three seconds."""


def _solve(inputs: Inputs, time_limit: float, strict_due: bool, progress: Progress | None) -> eng.Plan:
    from postprod.planning.solver import solve  # OR-Tools (~0.3 s to import) only when a plan is solved

    return solve(inputs.problem, time_limit, progress, strict_due=strict_due)


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _run_summary(inputs: Inputs, row: PlanRow, plan: eng.Plan) -> dict[str, Any]:
    placed = plan.by_id()
    delivery = inputs.delivery
    margin = working_days_between(inputs.problem.calendar, plan.end_date, delivery) if delivery else None
    due = {t.id: t.due for t in inputs.problem.tasks}
    return {
        "production": inputs.title,
        "plan_id": row.id,
        "kind": row.kind.value,
        "name": row.name,
        "tasks": len(plan.tasks),
        "start_date": plan.start.isoformat(),
        "end_date": plan.end_date.isoformat(),
        "delivery_date": delivery.isoformat() if delivery else None,
        "margin_days": margin,
        "makespan": plan.makespan,
        "lower_bound": plan.lower_bound,
        "optimal": plan.optimal,
        "solver": plan.solver,
        "seconds": round(plan.seconds, 3),
        "critical_path": [
            {
                "key": k,
                "name": inputs.task_names.get(k, k),
                "start": placed[k].start.isoformat(),
                "finish": placed[k].finish.isoformat(),
            }
            for k in plan.critical_path
        ],
        "late": [
            {
                "key": k,
                "name": inputs.task_names.get(k, k),
                "late_days": placed[k].late_days,
                "finish": placed[k].finish.isoformat(),
                "due": _iso(due.get(k)),
            }
            for k in plan.late
        ],
        "overloads": list(plan.warnings),
    }


def _commit_run(session: Session, inputs: Inputs, plan: eng.Plan, time_limit: float) -> dict[str, Any]:
    if session.get(Production, inputs.production_id) is None:
        raise NotFound(
            N_("production %(title)r was deleted while it was being planned"), params={"title": inputs.title}
        )
    row = store_plan(
        session, inputs, plan, kind=PlanKind.CURRENT, name="current", time_limit=time_limit, write_dates=True
    )
    return _run_summary(inputs, row, plan)


def plan_production(
    session: Session,
    prod: Production,
    *,
    time_limit: float = RUN_TIME_LIMIT,
    today: date | None = None,
    strict_due: bool = True,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Plan the production in this session, store it as the current plan and date its tasks."""
    inputs = load_inputs(session, prod, today)
    plan = _solve(inputs, time_limit, strict_due, progress)
    return _commit_run(session, inputs, plan, time_limit)


def run(
    production: str | int | None,
    *,
    actor: str | None = None,
    time_limit: float = RUN_TIME_LIMIT,
    today: date | None = None,
    strict_due: bool = True,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Like plan_production, with the solver running outside any transaction."""
    with session_scope(actor=actor) as s:
        inputs = load_inputs(s, get_production(s, production), today)
    plan = _solve(inputs, time_limit, strict_due, progress)
    with session_scope(actor=actor) as s:
        return _commit_run(s, inputs, plan, time_limit)
