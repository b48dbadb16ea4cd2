"""Planning use cases: plan a production, replan after an incident, what-if scenarios, baseline, compare, slippage.

Each use case has a one-session form (tests, the API) and a form that takes a production
reference and runs the solver between two short transactions (the CLI, long plans).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any
from unicodedata import normalize

from sqlalchemy import insert, literal, select
from sqlalchemy.orm import Session
from typing_extensions import TypedDict

from postprod.db import session_scope
from postprod.errors import Conflict, InvalidInput, NotFound
from postprod.model import Person, PlanKind, PlanTask, Production, Room, RoomKind, Task, TaskStatus
from postprod.model import Plan as PlanRow
from postprod.planning import problem as eng
from postprod.planning.calendar import working_days_between
from postprod.planning.replan import DependencyChanged, Incident, PersonAway, TaskAdded, TaskSlips
from postprod.services import people as people_svc
from postprod.services import tasks as tasks_svc
from postprod.services.common import described, get_department, get_person, get_production, get_task, parse_date
from postprod.services.planning.store import (
    Inputs,
    PlanHeaderView,
    PlanRowView,
    engine_plan,
    latest_plan,
    load_inputs,
    named_plan,
    person_key,
    plan_header,
    plan_names,
    plan_row_dict,
    require_plan,
    store_plan,
    stored_plan,
)

Progress = Callable[[float], None]

RUN_TIME_LIMIT = 3.5
"""Default seconds of solving for `plan run` (the heuristic plan comes first, CP-SAT improves it)."""
REPLAN_TIME_LIMIT = 2.0
"""Default seconds of solving for a replan, so the answer comes within about three seconds."""


# --- plan run ----------------------------------------------------------------------------------


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
        raise NotFound(f"production {inputs.title!r} was deleted while it was being planned")
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


# --- incidents ---------------------------------------------------------------------------------


@dataclass
class NewTask:
    """A task added by an incident: key, work days, department, and how it ties into the plan."""

    key: str
    days: Decimal
    department: str
    name: str = ""
    skills: list[str] = field(default_factory=list)
    room_kind: str | None = None
    after: list[str] = field(default_factory=list)
    before: list[str] = field(default_factory=list)


@dataclass
class Incidents:
    """What happened: slips, absences, added tasks, dependencies added/changed/removed, starts pinned.

    A pin is the supervisor's "start on" date for work not started (None: the planner chooses again).
    """

    slips: list[tuple[str, int]] = field(default_factory=list)
    away: list[tuple[str, date, date]] = field(default_factory=list)
    added: list[NewTask] = field(default_factory=list)
    depend: list[tuple[str, str, int]] = field(default_factory=list)
    undepend: list[tuple[str, str]] = field(default_factory=list)
    pins: list[tuple[str, date | None]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.slips or self.away or self.added or self.depend or self.undepend or self.pins)


def parse_slip(text: str) -> tuple[str, int]:
    """TASK:N (working days, may be negative)."""
    key, sep, n = text.rpartition(":")
    try:
        days = int(n)
    except ValueError:
        days = None
    if not sep or not key.strip() or days is None or not -1000 <= days <= 1000 or days == 0:
        raise InvalidInput(f"invalid --slip {text!r}: expected TASK:DAYS, e.g. PIC-LOCK:3", field="slip")
    return key.strip(), days


def parse_away(text: str) -> tuple[str, date, date]:
    """PERSON:YYYY-MM-DD:YYYY-MM-DD (the person's name may contain spaces)."""
    parts = text.rsplit(":", 2)
    if len(parts) != 3 or not parts[0].strip():
        raise InvalidInput(f"invalid --away {text!r}: expected PERSON:FROM:TO with ISO dates", field="away")
    d1, d2 = parse_date(parts[1], "away from"), parse_date(parts[2], "away to")
    if d2 < d1:
        raise InvalidInput(f"invalid --away {text!r}: ends before it starts", field="away")
    return parts[0].strip(), d1, d2


def parse_depend(text: str, removing: bool = False) -> tuple[str, str, int]:
    """BEFORE:AFTER[:LAG]: AFTER starts LAG working days after BEFORE finishes."""
    parts = text.split(":")
    what = "--undepend" if removing else "--depend"
    if len(parts) not in ((2,) if removing else (2, 3)) or not all(p.strip() for p in parts):
        form = "BEFORE:AFTER" if removing else "BEFORE:AFTER[:LAG]"
        raise InvalidInput(f"invalid {what} {text!r}: expected {form}", field=what.strip("-"))
    lag = 0
    if len(parts) == 3:
        try:
            lag = int(parts[2])
        except ValueError:
            raise InvalidInput(f"invalid {what} {text!r}: the lag is a whole number of days", field="depend") from None
    return parts[0].strip(), parts[1].strip(), lag


def parse_new_task(text: str) -> NewTask:
    """KEY:DAYS:DEPARTMENT[:skills=a,b][:room=KIND][:after=A,B][:before=C][:name=TEXT]."""
    parts = text.split(":")
    if len(parts) < 3 or not parts[0].strip() or not parts[2].strip():
        raise InvalidInput(
            f"invalid --add-task {text!r}: expected KEY:DAYS:DEPARTMENT[:skills=..][:room=..][:after=..][:before=..]",
            field="add-task",
        )
    try:
        days = Decimal(parts[1])
    except ArithmeticError:
        days = Decimal(-1)
    if not days.is_finite() or days < 0 or days > 10000:
        raise InvalidInput(f"invalid --add-task {text!r}: DAYS must be a number of work days", field="add-task")
    nt = NewTask(parts[0].strip().upper(), days, parts[2].strip())
    for extra in parts[3:]:
        name, sep, value = extra.partition("=")
        items = [x.strip() for x in value.split(",") if x.strip()]
        if not sep:
            raise InvalidInput(f"invalid --add-task part {extra!r}: expected name=value", field="add-task")
        if name == "skills":
            nt.skills = [x.lower() for x in items]
        elif name == "room":
            nt.room_kind = value.strip() or None
        elif name == "after":
            nt.after = items
        elif name == "before":
            nt.before = items
        elif name == "name":
            nt.name = value.strip()
        else:
            raise InvalidInput(
                f"invalid --add-task part {extra!r}: skills, room, after, before or name", field="add-task"
            )
    return nt


@dataclass
class _Replan:
    """Inputs of a replan read from the database, the engine's incidents and what to write back."""

    inputs: Inputs
    parent_id: int
    base: eng.Plan
    incidents: list[Incident]
    describe: list[str]
    incoming: Incidents


def _prepare_replan(session: Session, prod: Production, inc: Incidents, today: date | None) -> _Replan:
    if not inc:
        raise InvalidInput("no incident given: use --slip, --away, --add-task, --depend or --undepend")
    inputs = load_inputs(session, prod, today)
    parent = require_plan(session, prod, PlanKind.CURRENT)
    base = engine_plan(session, parent, inputs.problem)
    out: list[Incident] = []
    words: list[str] = []
    resolved = Incidents()
    new_keys = {nt.key.upper() for nt in inc.added}

    def key_of(ref: str) -> str:
        if ref.strip().upper() in new_keys:
            return ref.strip().upper()
        return get_task(session, prod, ref).key

    for ref, days in inc.slips:
        key = key_of(ref)
        out.append(TaskSlips(key, days))
        resolved.slips.append((key, days))
        words.append(f"{key} slips {days:+d} days")
    for who, d1, d2 in inc.away:
        person = _find_person(session, prod, who)
        for other in person.absences:
            if other.start <= d2 and d1 <= other.end:
                raise Conflict(f"{person.name} is already away from {other.start} to {other.end}")
        out.append(PersonAway(person_key(person.id), d1, d2))
        resolved.away.append((str(person.id), d1, d2))
        words.append(f"{person.name} away {d1} to {d2}")
    release = inputs.today if inputs.today > prod.start_date else None
    for nt in inc.added:
        if session.scalars(select(Task.id).where(Task.production_id == prod.id, Task.key == nt.key)).first():
            raise Conflict(f"task {nt.key} already exists in {prod.title!r}")
        dept = get_department(session, prod, nt.department)
        if nt.room_kind is not None and nt.room_kind not in {r.value for r in RoomKind}:
            allowed = ", ".join(r.value for r in RoomKind)
            raise InvalidInput(f"invalid room kind {nt.room_kind!r}: one of {allowed}", field="room")
        after = [key_of(k) for k in nt.after]
        before = [key_of(k) for k in nt.before]
        task = eng.Task(
            nt.key,
            max(0, math.ceil(float(nt.days) - 1e-9)),
            name=nt.name or nt.key,
            skills=frozenset(nt.skills),
            room_kind=nt.room_kind,
            release=release,
        )
        deps = tuple(eng.Dependency(a, nt.key) for a in after) + tuple(eng.Dependency(nt.key, b) for b in before)
        out.append(TaskAdded(task, deps))
        resolved.added.append(replace(nt, department=dept.code, after=after, before=before, name=nt.name or nt.key))
        words.append(f"{nt.key} added ({nt.days} days)")
    for before_ref, after_ref, lag in inc.depend:
        ka, kb = key_of(before_ref), key_of(after_ref)
        out.append(DependencyChanged(ka, kb, lag))
        resolved.depend.append((ka, kb, lag))
        words.append(f"{kb} after {ka}" + (f" (lag {lag})" if lag else ""))
    existing = {(d.before, d.after) for d in inputs.problem.dependencies}
    for before_ref, after_ref in inc.undepend:
        ka, kb = key_of(before_ref), key_of(after_ref)
        if (ka, kb) not in existing:
            raise InvalidInput(f"{kb} does not depend on {ka}", field="undepend")
        out.append(DependencyChanged(ka, kb, removed=True))
        resolved.undepend.append((ka, kb))
        words.append(f"{kb} no longer after {ka}")
    _pin(inputs, inc, resolved, words, key_of)
    return _Replan(inputs, parent.id, base, out, words, resolved)


def _pin(inputs: Inputs, inc: Incidents, resolved: Incidents, words: list[str], key_of: Callable[[str], str]) -> None:
    """Pinned starts go into the problem itself (the engine's fixed start), not through an engine incident."""
    index = {t.id: i for i, t in enumerate(inputs.problem.tasks)}
    tasks = list(inputs.problem.tasks)
    for ref, day in inc.pins:
        key = key_of(ref)
        if inputs.status.get(key, "todo") != "todo":
            raise InvalidInput(f"{key} has started: only work not started can be given a start date", field="start")
        if day is not None and day < inputs.problem.start:
            raise InvalidInput(f"{key} cannot start before the production, on {inputs.problem.start}", field="start")
        if key in index:
            i = index[key]
            release = inputs.today if inputs.today > inputs.problem.start else None
            tasks[i] = replace(tasks[i], fixed_start=day, release=None if day else release)
        resolved.pins.append((key, day))
        words.append(f"{key} starts on {day}" if day else f"{key} start unpinned")
    inputs.problem = replace(inputs.problem, tasks=tasks)


def _find_person(session: Session, prod: Production, ref: str) -> Person:
    """A person by name, case-insensitive beyond ASCII too (SQLite's lower() leaves 'É' alone), or by ID."""
    wanted = ref.strip().casefold()
    match = next((p for p in prod.people if p.name.casefold() == wanted), None)
    return match if match is not None else get_person(session, prod, ref)


def _compute_replan(r: _Replan, time_limit: float, progress: Progress | None) -> Any:
    from postprod.planning.replan import replan  # OR-Tools, as in _solve

    return replan(r.inputs.problem, r.base, r.incidents, today=r.inputs.today, time_limit=time_limit, progress=progress)


def _apply_incidents(session: Session, prod: Production, inc: Incidents, status: dict[str, str]) -> dict[str, int]:
    """Write the incident into the production: absences, new tasks and links, longer started tasks, pins."""
    for pid, d1, d2 in inc.away:
        person = session.get(Person, int(pid))
        if person is None:
            raise NotFound("a person named in the incident was deleted meanwhile")
        people_svc.add_absence(session, prod, person=person, start=d1, end=d2, reason="incident (replan)")
    new_ids: dict[str, int] = {}
    for nt in inc.added:
        task = tasks_svc.create_task(
            session,
            prod,
            key=nt.key,
            name=nt.name,
            department=nt.department,
            estimate_days=str(nt.days),
            skills=nt.skills,
            room_kind=nt.room_kind,
        )
        new_ids[task.key] = task.id
    for nt in inc.added:
        me = get_task(session, prod, nt.key)
        for k in nt.after:
            tasks_svc.add_dependency(session, me, get_task(session, prod, k))
        for k in nt.before:
            tasks_svc.add_dependency(session, get_task(session, prod, k), me)
    for ka, kb, lag in inc.depend:
        pred, succ = get_task(session, prod, ka), get_task(session, prod, kb)
        link = next((d for d in succ.predecessors if d.predecessor_id == pred.id), None)
        if link is None:
            tasks_svc.add_dependency(session, succ, pred, lag)
        else:
            link.lag_days = lag
    for ka, kb in inc.undepend:
        tasks_svc.remove_dependency(session, get_task(session, prod, kb), get_task(session, prod, ka))
    for key, days in inc.slips:
        if status.get(key) == "started":
            task = get_task(session, prod, key)
            task.estimate_days = max(Decimal(0), task.estimate_days + days)
    for key, day in inc.pins:
        get_task(session, prod, key).pinned_start = day
    session.flush()
    return new_ids


def _commit_replan(
    session: Session, r: _Replan, result: Any, scenario: str | None, time_limit: float
) -> dict[str, Any]:
    prod = session.get(Production, r.inputs.production_id)
    if prod is None:
        raise NotFound(f"production {r.inputs.title!r} was deleted while it was being replanned")
    inputs = replace(r.inputs, problem=result.problem, task_ids=dict(r.inputs.task_ids))
    names = dict(inputs.task_names)
    for inc in r.incidents:
        if isinstance(inc, TaskAdded):
            names[inc.task.id] = inc.task.name
    inputs.task_names = names
    if scenario is None:
        inputs.task_ids.update(_apply_incidents(session, prod, r.incoming, r.inputs.status))
    moves = [
        m.to_dict()
        | {
            "name": names.get(m.task, m.task),
            "why": why_moved(m.chain, inputs),
            # people and rooms by name: the engine's resource ids mean nothing outside this replan
            "chain": [
                link.to_dict() | {"resource": inputs.name_of(link.resource) if link.resource else None}
                for link in m.chain
            ],
        }
        for m in result.moves
    ]
    row = store_plan(
        session,
        inputs,
        result.plan,
        kind=PlanKind.SCENARIO if scenario else PlanKind.CURRENT,
        name=scenario or "current",
        time_limit=time_limit,
        incident="; ".join(r.describe),
        parent_id=r.parent_id,
        moves=moves,
        write_dates=scenario is None,
    )
    if scenario is not None:
        row.incidents = incidents_dict(r.incoming)
    out = _run_summary(inputs, row, result.plan)
    out.update(
        {
            "scenario": scenario,
            "incident": row.incident,
            "previous_end_date": r.base.end_date.isoformat(),
            "moved": len(moves),
            "moves": moves,
            "reassigned": _reassigned(r, result.plan, inputs),
            "added": list(result.added),
        }
    )
    return out


def why_moved(chain: list[Any], inputs: Inputs) -> str:
    """A move's chain of causes in words, from the first cause to the task: 'A slips +5 > B waits for A > ...'."""
    words = []
    for link in chain:
        t, after = link.task, link.after
        who = inputs.name_of(link.resource) if link.resource else ""
        pushed = f", pushed off its date by {link.pushed_by}," if link.pushed_by else ""
        words.append(
            {
                "incident": f"{t} slips {link.days:+d} working days (the incident)",
                "dependency": f"{t} waits for {after}" + (f" + {link.days} days" if link.days else ""),
                "new dependency": f"{t} waits for {after} (new dependency)",
                "resource": f"{t}{pushed} waits for {who}, busy on {after}",
                "absence": f"{t}{pushed} waits for {who}, away (the incident)",
                "today": f"{t} cannot start before today",
                "earlier": f"{t} starts earlier: what held it moved",
                "solver": f"{t}{pushed or ':'} nothing holds it at its old date; moved by the solver for the shortest plan",
            }[link.via]
        )
    return " > ".join(words)


def _reassigned(r: _Replan, plan: eng.Plan, inputs: Inputs) -> list[dict[str, Any]]:
    """Tasks that kept their dates but changed hands (another person or room)."""
    old = r.base.by_id()
    out = []
    for t in plan.tasks:
        was = old.get(t.id)
        if was is None or was.start != t.start:
            continue
        if set(was.people) != set(t.people) or set(was.rooms) != set(t.rooms):
            out.append(
                {
                    "task": t.id,
                    "name": inputs.task_names.get(t.id, t.id),
                    "from": [inputs.name_of(x) for x in (*was.people, *was.rooms)],
                    "to": [inputs.name_of(x) for x in (*t.people, *t.rooms)],
                }
            )
    return out


def replan_production(
    session: Session,
    prod: Production,
    incidents: Incidents,
    *,
    scenario: str | None = None,
    time_limit: float = REPLAN_TIME_LIMIT,
    today: date | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Replan from the current plan after the incidents, in this session.

    Without `scenario`, the incident is recorded (absence, new task, links) and the new plan
    becomes the current one; with it, the plan is saved as that what-if scenario and nothing
    else changes.
    """
    scenario = _scenario_name(scenario)
    r = _prepare_replan(session, prod, incidents, today)
    result = _compute_replan(r, time_limit, progress)
    return _commit_replan(session, r, result, scenario, time_limit)


def replan(
    production: str | int | None,
    incidents: Incidents,
    *,
    actor: str | None = None,
    scenario: str | None = None,
    time_limit: float = REPLAN_TIME_LIMIT,
    today: date | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Like replan_production, with the solver running outside any transaction."""
    scenario = _scenario_name(scenario)
    with session_scope(actor=actor) as s:
        r = _prepare_replan(s, get_production(s, production), incidents, today)
    result = _compute_replan(r, time_limit, progress)
    with session_scope(actor=actor) as s:
        return _commit_replan(s, r, result, scenario, time_limit)


def _scenario_name(name: str | None) -> str | None:
    if name is None:
        return None
    name = name.strip()
    if not name or len(name) > 120:
        raise InvalidInput("a scenario needs a name of 1 to 120 characters", field="scenario")
    if name.lower() in ("current", "baseline"):
        raise InvalidInput(f"{name!r} is reserved: give the scenario another name", field="scenario")
    return name


def incidents_dict(inc: Incidents) -> dict[str, Any]:
    """Incidents as JSON data (a job's parameters, a scenario's record); `incidents_from` reads it back."""
    return {
        "slips": [[k, d] for k, d in inc.slips],
        "away": [[who, d1.isoformat(), d2.isoformat()] for who, d1, d2 in inc.away],
        "added": [
            {
                "key": nt.key,
                "days": str(nt.days),
                "department": nt.department,
                "name": nt.name,
                "skills": nt.skills,
                "room_kind": nt.room_kind,
                "after": nt.after,
                "before": nt.before,
            }
            for nt in inc.added
        ],
        "depend": [[a, b, lag] for a, b, lag in inc.depend],
        "undepend": [[a, b] for a, b in inc.undepend],
        "pins": [[k, _iso(d)] for k, d in inc.pins],
    }


def incidents_from(data: dict[str, Any]) -> Incidents:
    return Incidents(
        slips=[(str(k), int(d)) for k, d in data.get("slips", [])],
        away=[(str(w), date.fromisoformat(a), date.fromisoformat(b)) for w, a, b in data.get("away", [])],
        added=[NewTask(**{**nt, "days": Decimal(nt["days"])}) for nt in data.get("added", [])],
        depend=[(str(a), str(b), int(lag)) for a, b, lag in data.get("depend", [])],
        undepend=[(str(a), str(b)) for a, b in data.get("undepend", [])],
        pins=[(str(k), date.fromisoformat(d) if d else None) for k, d in data.get("pins", [])],
    )


def adopt_scenario(session: Session, prod: Production, name: str) -> PlanRowView:
    """Make a what-if scenario the current plan: its incidents are recorded and its dates become the tasks' dates.

    Only a scenario made from the plan still in force: after another replan its dates no longer follow.
    """
    row = require_plan(session, prod, PlanKind.SCENARIO, name)
    cur = require_plan(session, prod, PlanKind.CURRENT)
    if row.parent_id != cur.id:
        raise Conflict(f"the plan changed since scenario {name!r} was made: make the scenario again")
    inputs = load_inputs(session, prod)
    inputs.task_ids.update(_apply_incidents(session, prod, incidents_from(row.incidents or {}), inputs.status))
    inputs.task_names.update({m["task"]: m.get("name", m["task"]) for m in row.moves})
    new = store_plan(
        session,
        inputs,
        engine_plan(session, row, inputs.problem),
        kind=PlanKind.CURRENT,
        name="current",
        time_limit=row.time_limit,
        incident=f"{row.incident} (scenario {row.name} adopted)",
        parent_id=cur.id,
        moves=list(row.moves),
        write_dates=True,
    )
    session.delete(row)
    session.flush()
    return plan_row_dict(new)


def check_incidents(
    session: Session, prod: Production, incidents: Incidents, *, scenario: str | None = None
) -> list[str]:
    """What a replan would be made for, in words; raises the replan's own error at once (a form shows it)."""
    _scenario_name(scenario)
    return _prepare_replan(session, prod, incidents, None).describe


def delete_scenario(session: Session, prod: Production, name: str) -> None:
    """Forget a what-if scenario."""
    session.delete(require_plan(session, prod, PlanKind.SCENARIO, name))
    session.flush()


# --- baseline, comparison, slippage ------------------------------------------------------------


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
        raise InvalidInput(f"both sides of the comparison are plan {ref.id}: name a scenario", field="scenario")
    a, b = stored_plan(session, ref, inputs.problem), stored_plan(session, other, inputs.problem)
    cmp = compare(a, b, inputs.problem.calendar)
    data = cmp.to_dict()
    # Booked working days per person and room on each side, for the load table.
    data["load"] = {
        inputs.name_of(k): [sum(a.load.get(k, {}).values()), sum(b.load.get(k, {}).values())]
        for k in sorted(set(a.load) | set(b.load), key=lambda k: normalize("NFKD", inputs.name_of(k)).casefold())
    }
    names = inputs.task_names | {m["task"]: m.get("name", m["task"]) for m in other.moves}
    for m in data["moves"]:
        m["name"] = names.get(m["task"], m["task"])
    data["load_change"] = {inputs.name_of(k): v for k, v in data["load_change"].items()}
    data["peak_load"] = {inputs.name_of(k): v for k, v in data["peak_load"].items()}
    data["baseline"] = {"id": ref.id, "name": ref.name, "kind": ref.kind.value}
    data["scenario"] = {"id": other.id, "name": other.name, "kind": other.kind.value, "incident": other.incident}
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
