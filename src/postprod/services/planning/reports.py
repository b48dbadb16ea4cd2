"""Reading plans back: the baseline, comparisons, slippage against the baseline, a plan's tasks, the Gantt's plan."""

from __future__ import annotations

from datetime import date
from typing import Any
from unicodedata import normalize

from sqlalchemy import insert, literal, select
from sqlalchemy.orm import Session
from typing_extensions import TypedDict

from postprod.errors import N_, InvalidInput
from postprod.model import Person, PlanKind, PlanTask, Production, Room, Task, TaskStatus
from postprod.model import Plan as PlanRow
from postprod.planning import problem as eng
from postprod.services.common import described
from postprod.services.planning.store import (
    PlanHeaderView,
    PlanRowView,
    engine_plan,
    latest_plan,
    load_inputs,
    named_plan,
    plan_header,
    plan_names,
    plan_row_dict,
    require_plan,
    said_of,
    stored_plan,
)


def set_baseline(session: Session, prod: Production) -> PlanRowView:
    """Freeze the current plan as the baseline (the previous baseline stays in the history)."""
    cur = require_plan(session, prod, PlanKind.CURRENT)
    row = PlanRow(
        production_id=prod.id,
        name="baseline",
        kind=PlanKind.BASELINE,
        created_by=str(session.info.get("actor") or ""),
        solver=cur.solver,
        time_limit=cur.time_limit,
        start_date=cur.start_date,
        today=cur.today,
        makespan=cur.makespan,
        end_date=cur.end_date,
        delivery_date=cur.delivery_date,
        lower_bound=cur.lower_bound,
        optimal=cur.optimal,
        seconds=cur.seconds,
        incident=cur.incident,
        incidents={k: v for k, v in (cur.incidents or {}).items() if k in ("said", "adopted")} or None,
        parent_id=cur.id,
        critical_path=list(cur.critical_path),
        late=list(cur.late),
        warnings=list(cur.warnings),
        moves=[],
    )
    session.add(row)
    session.flush()
    cols = [
        "task_id",
        "task_key",
        "start",
        "finish",
        "work_days",
        "person_ids",
        "room_id",
        "slack",
        "critical",
        "late_days",
        "fixed",
    ]
    src = select(literal(row.id).label("plan_id"), *[getattr(PlanTask, c) for c in cols]).where(
        PlanTask.plan_id == cur.id
    )
    session.execute(insert(PlanTask).from_select(["plan_id", *cols], src))
    return plan_row_dict(row)


def _find_plan(session: Session, prod: Production, name: str | None) -> PlanRow:
    """A plan by name: "current" (default), "baseline", or a scenario's name."""
    if name is None or name.lower() == "current":
        return require_plan(session, prod, PlanKind.CURRENT)
    if name.lower() == "baseline":
        return require_plan(session, prod, PlanKind.BASELINE)
    return require_plan(session, prod, PlanKind.SCENARIO, name)


def compare_plans(
    session: Session, prod: Production, scenario: str | None = None, *, against: str = "baseline"
) -> dict[str, Any]:
    """A scenario (or the current plan) against the baseline: end dates, moved tasks, load per person and room."""
    from postprod.planning.scenario import compare  # scenarios replan: OR-Tools, as in _solve

    inputs = plan_names(session, prod)
    other = _find_plan(session, prod, scenario)
    ref = _find_plan(session, prod, against)
    if ref.id == other.id:
        raise InvalidInput(
            N_("both sides of the comparison are plan %(id)s: name a scenario"), field="scenario", params={"id": ref.id}
        )
    a, b = stored_plan(session, ref, inputs.problem), stored_plan(session, other, inputs.problem)
    cmp = compare(a, b, inputs.problem.calendar)
    data = cmp.to_dict()
    # Booked working days per person and room on each side, for the load table.
    data["load"] = {
        inputs.name_of(k): [sum(a.load.get(k, {}).values()), sum(b.load.get(k, {}).values())]
        for k in sorted(set(a.load) | set(b.load), key=lambda k: normalize("NFKD", inputs.name_of(k)).casefold())
    }
    names = inputs.task_names | {m["task"]: m.get("name", m["task"]) for m in other.moves}
    # why each task moved, from the replan that made this plan: its chain of causes (none for a task that
    # moved in an earlier replan only)
    chains = {m["task"]: m.get("chain", []) for m in other.moves}
    for m in data["moves"]:
        m["name"] = names.get(m["task"], m["task"])
        m["chain"] = chains.get(m["task"], [])
    data["load_change"] = {inputs.name_of(k): v for k, v in data["load_change"].items()}
    data["peak_load"] = {inputs.name_of(k): v for k, v in data["peak_load"].items()}
    data["baseline"] = {"id": ref.id, "name": ref.name, "kind": ref.kind.value}
    data["scenario"] = {
        "id": other.id, "name": other.name, "kind": other.kind.value,
        "incident": other.incident, "incident_said": said_of(other),
    }  # fmt: skip
    return data


class PlanDriftView(TypedDict):
    id: int
    end_date: str
    end_shift_days: int
    late: list[dict[str, Any]]


@described(
    tasks="Each task's drift against the baseline from actual progress: start and finish slips in working days",
    late="Tasks whose actual progress finishes them after the baseline (not the replans: see plan)",
    plan="The current plan against the baseline: its end and the tasks it finishes later (replans included)",
)
class SlippageView(TypedDict):
    baseline_id: int
    baseline_end: str
    today: str
    late: int
    worst_finish_slip: int
    tasks: list[dict[str, Any]]
    plan: PlanDriftView | None


def slippage_report(session: Session, prod: Production, today: date | None = None) -> SlippageView:
    """Baseline against actual: each task's drift in working days, from progress and actual dates."""
    from postprod.planning.calendar import working_days_between
    from postprod.planning.scenario import Actual, finish_shifts, slippage  # OR-Tools, as in _solve

    today = today or date.today()
    inputs = load_inputs(session, prod, today)
    base_row = require_plan(session, prod, PlanKind.BASELINE)
    base = engine_plan(session, base_row, inputs.problem)
    actuals = [
        Actual(
            key,
            start,
            finish if status == TaskStatus.DONE else None,
            progress / 100,
        )
        for key, start, finish, status, progress in session.execute(
            select(Task.key, Task.actual_start, Task.actual_finish, Task.status, Task.progress).where(
                Task.production_id == prod.id
            )
        )
    ]
    rows = slippage(base, actuals, today, inputs.problem.calendar)
    items = [s.to_dict() | {"name": inputs.task_names.get(s.task, s.task)} for s in rows]
    late = [s for s in rows if s.finish_slip > 0]
    # Progress alone misses what a replan already moved (a slip declared before the work shows it):
    # the current plan's own drift from the baseline goes with it.
    cur_row = current_plan(session, prod)
    plan: PlanDriftView | None = None
    if cur_row is not None:
        cal = inputs.problem.calendar
        cur = engine_plan(session, cur_row, inputs.problem)
        plan = {
            "id": cur_row.id,
            "end_date": cur_row.end_date.isoformat(),
            "end_shift_days": working_days_between(cal, base_row.end_date, cur_row.end_date),
            "late": [
                {
                    "task": key,
                    "name": inputs.task_names.get(key, key),
                    "baseline_finish": was.isoformat(),
                    "plan_finish": now.isoformat(),
                    "days": days,
                }
                for key, was, now, days in finish_shifts(base, cur, cal)
            ],
        }
    return {
        "baseline_id": base_row.id,
        "baseline_end": base_row.end_date.isoformat(),
        "today": today.isoformat(),
        "late": len(late),
        "worst_finish_slip": max((s.finish_slip for s in rows), default=0),
        "tasks": items,
        "plan": plan,
    }


@described(slack="Working days the task may slip without moving the end", late_days="Working days past its due date")
class PlanTaskView(TypedDict):
    key: str
    name: str
    start: str
    finish: str
    work_days: int
    people: list[str]
    room: str | None
    slack: int
    critical: bool
    late_days: int
    fixed: bool


class PlanView(PlanRowView):
    production: str
    tasks: list[PlanTaskView]


def show_plan(session: Session, prod: Production, name: str | None = None) -> PlanView:
    """A stored plan with its tasks, people and rooms by name."""
    row = _find_plan(session, prod, name)
    people = dict(session.execute(select(Person.id, Person.name).where(Person.production_id == prod.id)).all())
    rooms = dict(session.execute(select(Room.id, Room.name).where(Room.production_id == prod.id)).all())
    names = dict(session.execute(select(Task.key, Task.name).where(Task.production_id == prod.id)).all())
    tasks: list[PlanTaskView] = [
        {
            "key": t.task_key,
            "name": names.get(t.task_key, t.task_key),
            "start": t.start.isoformat(),
            "finish": t.finish.isoformat(),
            "work_days": t.work_days,
            "people": [people.get(p, f"#{p}") for p in t.person_ids],
            "room": rooms.get(t.room_id) if t.room_id is not None else None,
            "slack": t.slack,
            "critical": t.critical,
            "late_days": t.late_days,
            "fixed": t.fixed,
        }
        for t in session.scalars(
            select(PlanTask).where(PlanTask.plan_id == row.id).order_by(PlanTask.start, PlanTask.task_key)
        )
    ]
    return {**plan_row_dict(row), "production": prod.title, "tasks": tasks}


def list_plans(session: Session, prod: Production) -> list[PlanHeaderView]:
    """Every stored plan of the production, newest first (headers only)."""
    rows = session.scalars(select(PlanRow).where(PlanRow.production_id == prod.id).order_by(PlanRow.id.desc()))
    return [plan_header(r) for r in rows]


def gantt_plan(session: Session, prod: Production, name: str | None = None) -> tuple[eng.Plan, str]:
    """A stored plan ready to draw (people and rooms by name) and a title for the chart."""
    inputs = plan_names(session, prod)
    row = _find_plan(session, prod, name)
    plan = named_plan(stored_plan(session, row, inputs.problem), inputs)
    return plan, f"{prod.title}: {row.name} plan #{row.id}"


def open_task_keys(session: Session, prod: Production) -> list[str]:
    """The keys of the tasks an incident may name (not done nor approved), in the production's order."""
    closed = (TaskStatus.DONE, TaskStatus.APPROVED)
    return list(
        session.scalars(
            select(Task.key)
            .where(Task.production_id == prod.id, Task.status.not_in(closed))
            .order_by(Task.position, Task.id)
        )
    )


def current_plan(session: Session, prod: Production) -> PlanRow | None:
    """The plan in force, if any."""
    return latest_plan(session, prod, PlanKind.CURRENT)
