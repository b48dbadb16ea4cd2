"""Replanning after incidents: what moved and why, scenarios beside the plan in force, adopting one."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from postprod.db import session_scope
from postprod.errors import N_, Conflict, InvalidInput, NotFound, said_from
from postprod.model import Person, PlanKind, Production, RoomKind, Task
from postprod.planning import problem as eng
from postprod.planning.replan import DependencyChanged, Incident, PersonAway, TaskAdded, TaskSlips
from postprod.services import people as people_svc
from postprod.services import tasks as tasks_svc
from postprod.services.common import get_department, get_person, get_production, get_task
from postprod.services.planning.incidents import Incidents, incidents_dict, incidents_from
from postprod.services.planning.solving import REPLAN_TIME_LIMIT, Progress, _run_summary
from postprod.services.planning.store import (
    Inputs,
    PlanRowView,
    engine_plan,
    load_inputs,
    person_key,
    plan_row_dict,
    require_plan,
    store_plan,
)


@dataclass
class _Replan:
    """Inputs of a replan read from the database, the engine's incidents and what to write back."""

    inputs: Inputs
    parent_id: int
    base: eng.Plan
    incidents: list[Incident]
    describe: list[dict[str, Any]]  # what the replan is for, as messages kept as data (words_of says them)
    incoming: Incidents


def _prepare_replan(session: Session, prod: Production, inc: Incidents, today: date | None) -> _Replan:
    if not inc:
        raise InvalidInput("no incident given: use --slip, --away, --add-task, --depend or --undepend")
    inputs = load_inputs(session, prod, today)
    parent = require_plan(session, prod, PlanKind.CURRENT)
    base = engine_plan(session, parent, inputs.problem)
    out: list[Incident] = []
    words: list[dict[str, Any]] = []
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
        words.append(_kept(N_("%(task)s slips %(days)s days"), task=key, days=f"{days:+d}"))
    for who, d1, d2 in inc.away:
        person = _find_person(session, prod, who)
        for other in person.absences:
            if other.start <= d2 and d1 <= other.end:
                raise Conflict(
                    N_("%(name)s is already away from %(start)s to %(end)s"),
                    params={"name": person.name, "start": other.start, "end": other.end},
                )
        out.append(PersonAway(person_key(person.id), d1, d2))
        resolved.away.append((str(person.id), d1, d2))
        words.append(_kept(N_("%(person)s away %(start)s to %(end)s"), person=person.name, start=d1, end=d2))
    release = inputs.today if inputs.today > prod.start_date else None
    for nt in inc.added:
        if session.scalars(select(Task.id).where(Task.production_id == prod.id, Task.key == nt.key)).first():
            raise Conflict(N_("task %(key)s already exists in %(title)r"), params={"key": nt.key, "title": prod.title})
        dept = get_department(session, prod, nt.department)
        if nt.room_kind is not None and nt.room_kind not in {r.value for r in RoomKind}:
            allowed = ", ".join(r.value for r in RoomKind)
            raise InvalidInput(
                N_("invalid room kind %(room_kind)r: one of %(allowed)s"),
                field="room",
                params={"room_kind": nt.room_kind, "allowed": allowed},
            )
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
        words.append(_kept(N_("%(task)s added (%(days)s days)"), task=nt.key, days=str(nt.days)))
    for before_ref, after_ref, lag in inc.depend:
        ka, kb = key_of(before_ref), key_of(after_ref)
        out.append(DependencyChanged(ka, kb, lag))
        resolved.depend.append((ka, kb, lag))
        if lag:
            words.append(_kept(N_("%(task)s after %(before)s (lag %(lag)s)"), task=kb, before=ka, lag=lag))
        else:
            words.append(_kept(N_("%(task)s after %(before)s"), task=kb, before=ka))
    existing = {(d.before, d.after) for d in inputs.problem.dependencies}
    for before_ref, after_ref in inc.undepend:
        ka, kb = key_of(before_ref), key_of(after_ref)
        if (ka, kb) not in existing:
            raise InvalidInput(N_("%(kb)s does not depend on %(ka)s"), field="undepend", params={"kb": kb, "ka": ka})
        out.append(DependencyChanged(ka, kb, removed=True))
        resolved.undepend.append((ka, kb))
        words.append(_kept(N_("%(task)s no longer after %(before)s"), task=kb, before=ka))
    _pin(inputs, inc, resolved, words, key_of)
    return _Replan(inputs, parent.id, base, out, words, resolved)


def _pin(
    inputs: Inputs, inc: Incidents, resolved: Incidents, words: list[dict[str, Any]], key_of: Callable[[str], str]
) -> None:
    """Pinned starts go into the problem itself (the engine's fixed start), not through an engine incident."""
    index = {t.id: i for i, t in enumerate(inputs.problem.tasks)}
    tasks = list(inputs.problem.tasks)
    for ref, day in inc.pins:
        key = key_of(ref)
        if inputs.status.get(key, "todo") != "todo":
            raise InvalidInput(
                N_("%(key)s has started: only work not started can be given a start date"),
                field="start",
                params={"key": key},
            )
        if day is not None and day < inputs.problem.start:
            raise InvalidInput(
                N_("%(key)s cannot start before the production, on %(start)s"),
                field="start",
                params={"key": key, "start": inputs.problem.start},
            )
        if key in index:
            i = index[key]
            release = inputs.today if inputs.today > inputs.problem.start else None
            tasks[i] = replace(tasks[i], fixed_start=day, release=None if day else release)
        resolved.pins.append((key, day))
        if day:
            words.append(_kept(N_("%(task)s starts on %(day)s"), task=key, day=day))
        else:
            words.append(_kept(N_("%(task)s start unpinned"), task=key))
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
        raise NotFound(
            N_("production %(title)r was deleted while it was being replanned"), params={"title": r.inputs.title}
        )
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
        incident=words_of(r.describe),
        parent_id=r.parent_id,
        moves=moves,
        write_dates=scenario is None,
    )
    # what it was made for, kept as data for the pages to say in their language; a scenario's incidents too
    row.incidents = {**(incidents_dict(r.incoming) if scenario is not None else {}), "said": r.describe}
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
        raise InvalidInput(
            N_("%(name)r is reserved: give the scenario another name"), field="scenario", params={"name": name}
        )
    return name


def adopt_scenario(session: Session, prod: Production, name: str) -> PlanRowView:
    """Make a what-if scenario the current plan: its incidents are recorded and its dates become the tasks' dates.

    Only a scenario made from the plan still in force: after another replan its dates no longer follow.
    """
    row = require_plan(session, prod, PlanKind.SCENARIO, name)
    cur = require_plan(session, prod, PlanKind.CURRENT)
    if row.parent_id != cur.id:
        raise Conflict(
            N_("the plan changed since scenario %(name)r was made: make the scenario again"), params={"name": name}
        )
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
    new.incidents = {"said": (row.incidents or {}).get("said", []), "adopted": row.name}
    session.delete(row)
    session.flush()
    return plan_row_dict(new)


def check_incidents(session: Session, prod: Production, incidents: Incidents, *, scenario: str | None = None) -> str:
    """What a replan would be made for, in words; raises the replan's own error at once (a form shows it)."""
    _scenario_name(scenario)
    return words_of(_prepare_replan(session, prod, incidents, None).describe)


def _kept(template: str, **params: Any) -> dict[str, Any]:
    """One thing a replan is made for, as a message kept as data (errors.said_from reads it); dates as ISO."""
    return {"template": template, "params": {k: v.isoformat() if isinstance(v, date) else v for k, v in params.items()}}


def words_of(kept: list[dict[str, Any]]) -> str:
    """What a replan is made for, in English (the plan's `incident`, the command line's and the API's words)."""
    return "; ".join(said_from(k, str) for k in kept)


def delete_scenario(session: Session, prod: Production, name: str) -> None:
    """Forget a what-if scenario."""
    session.delete(require_plan(session, prod, PlanKind.SCENARIO, name))
    session.flush()
