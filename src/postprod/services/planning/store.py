"""Planning a production: its tasks, people, rooms and calendars as an engine problem; plans stored and read back.

The solver never runs inside a transaction: the inputs are read in one short transaction
(`load_inputs`), solved with no connection held, then the plan is written in another
(`store_plan`). `services.planning` (the package) builds the use cases (run, replan, baseline, compare,
slippage) on these pieces.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session
from typing_extensions import TypedDict

from postprod.errors import N_, NotFound
from postprod.model import (
    Absence,
    Calendar,
    Dependency,
    Holiday,
    Person,
    PlanKind,
    PlanTask,
    Production,
    Room,
    Task,
    TaskAssignment,
    TaskStatus,
)
from postprod.model import Plan as PlanRow
from postprod.planning import calendar as cal_engine
from postprod.planning import problem as eng
from postprod.services import notifications
from postprod.services.common import described

STARTED = frozenset({TaskStatus.IN_PROGRESS, TaskStatus.IN_REVIEW, TaskStatus.APPROVED, TaskStatus.RETAKE})


def person_key(person_id: int) -> str:
    """The engine's id of a person (people and rooms share the engine's resource namespace)."""
    return f"p{person_id}"


def room_key(room_id: int) -> str:
    return f"r{room_id}"


def _resource_id(key: str) -> int:
    return int(key[1:])


@dataclass
class Inputs:
    """Everything the engine needs, read from the database, plus the names to translate its ids back."""

    production_id: int
    title: str
    today: date
    problem: eng.Problem
    task_ids: dict[str, int]
    task_names: dict[str, str]
    people: dict[str, str]
    rooms: dict[str, str]
    delivery: date | None
    status: dict[str, str] = field(default_factory=dict)

    def name_of(self, resource: str) -> str:
        return self.people.get(resource) or self.rooms.get(resource) or resource


def _ceil_days(value: Decimal | float) -> int:
    return max(0, math.ceil(float(value) - 1e-9))


def _calendar(cal: Calendar | None, holidays: dict[int, set[date]]) -> cal_engine.Calendar:
    if cal is None:
        return cal_engine.Calendar()
    weekdays = frozenset(int(d) - 1 for d in cal.work_days if 1 <= int(d) <= 7)
    return cal_engine.Calendar(weekdays or cal_engine.WEEKDAYS, frozenset(holidays.get(cal.id, set())))


def production_calendar(session: Session, prod: Production) -> tuple[cal_engine.Calendar, float]:
    """The production's default working calendar (with its holidays) and its hours in a working day."""
    default = next((c for c in prod.calendars if c.is_default), None)
    if default is None:
        return cal_engine.Calendar(), 8.0
    days = set(session.scalars(select(Holiday.day).where(Holiday.calendar_id == default.id)))
    hours = default.hours_per_day if default.hours_per_day > 0 else 8.0
    return _calendar(default, {default.id: days}), hours


def load_inputs(session: Session, prod: Production, today: date | None = None) -> Inputs:
    """Read the production into an engine Problem: done work fixed at its dates, started work at its start.

    Durations are the estimate rounded up to whole work days (what is left of it, by progress, for
    work not yet started); the last tasks are due on the production's delivery date. Work not yet
    started with a pinned start (the supervisor's "start on" date) is fixed there.
    """
    today = today or date.today()
    pid = prod.id
    calendars = {c.id: c for c in prod.calendars}
    holidays: dict[int, set[date]] = defaultdict(set)
    for holiday_cal, day in session.execute(
        select(Holiday.calendar_id, Holiday.day).join(Calendar).where(Calendar.production_id == pid)
    ):
        holidays[holiday_cal].add(day)
    default = next((c for c in calendars.values() if c.is_default), None)
    base = _calendar(default, holidays)
    hours = default.hours_per_day if default is not None and default.hours_per_day > 0 else 8.0

    away: dict[str, list[tuple[date, date]]] = defaultdict(list)
    for owner_person, owner_room, start, end in session.execute(
        select(Absence.person_id, Absence.room_id, Absence.start, Absence.end).where(Absence.production_id == pid)
    ):
        if owner_person is not None:
            away[person_key(owner_person)].append((start, end))
        elif owner_room is not None:
            away[room_key(owner_room)].append((start, end))

    def own_calendar(key: str, cal_id: int | None) -> cal_engine.Calendar | None:
        cal = _calendar(calendars[cal_id], holidays) if cal_id is not None and cal_id in calendars else base
        if away.get(key):
            cal = cal_engine.Calendar(cal.weekdays, cal.holidays, tuple(sorted(away[key])))
        return None if cal == base else cal

    people: list[eng.Person] = []
    names: dict[str, str] = {}
    for person_id, name, skills, cal_id in session.execute(
        select(Person.id, Person.name, Person.skills, Person.calendar_id)
        .where(Person.production_id == pid)
        .order_by(Person.id)
    ):
        key = person_key(person_id)
        names[key] = name
        people.append(eng.Person(key, frozenset(skills or ()), own_calendar(key, cal_id), name))
    rooms: list[eng.Room] = []
    room_names: dict[str, str] = {}
    for room_id, name, kind, cal_id in session.execute(
        select(Room.id, Room.name, Room.kind, Room.calendar_id).where(Room.production_id == pid).order_by(Room.id)
    ):
        key = room_key(room_id)
        room_names[key] = name
        rooms.append(eng.Room(key, kind.value, own_calendar(key, cal_id), name))

    assignees: dict[int, list[str]] = defaultdict(list)
    for task_id, person_id in session.execute(
        select(TaskAssignment.task_id, TaskAssignment.person_id)
        .join(Task, Task.id == TaskAssignment.task_id)
        .where(Task.production_id == pid)
        .order_by(TaskAssignment.id)
    ):
        assignees[task_id].append(person_key(person_id))
    rows = session.execute(
        select(
            Task.id,
            Task.key,
            Task.name,
            Task.estimate_days,
            Task.status,
            Task.required_skills,
            Task.room_kind,
            Task.progress,
            Task.due_date,
            Task.actual_start,
            Task.actual_finish,
            Task.pinned_start,
        )
        .where(Task.production_id == pid)
        .order_by(Task.position, Task.id)
    ).all()
    key_of = {r.id: r.key for r in rows}
    deps: list[eng.Dependency] = []
    has_succ: set[int] = set()
    for before, after, lag in session.execute(
        select(Dependency.predecessor_id, Dependency.successor_id, Dependency.lag_days)
        .join(Task, Task.id == Dependency.successor_id)
        .where(Task.production_id == pid)
        .order_by(Dependency.id)
    ):
        if before in key_of and after in key_of:
            deps.append(eng.Dependency(key_of[before], key_of[after], int(lag)))
            has_succ.add(before)

    grid = cal_engine.WorkGrid(prod.start_date, base)
    today_slot = grid.slot_of(today)
    release = today if today > prod.start_date else None
    delivery = prod.delivery_date
    tasks: list[eng.Task] = []
    status: dict[str, str] = {}
    for r in rows:
        named = tuple(assignees.get(r.id, ()))
        due = r.due_date
        if due is not None and due < today and r.status != TaskStatus.DONE:
            # already past: no plan can meet it, and refusing to plan would not help; the task is
            # reported late by its date (overview, dashboard) and planned as soon as it can be
            due = None
        if delivery is not None and r.id not in has_succ:
            due = min(due, delivery) if due else delivery
        if r.status == TaskStatus.DONE:
            start = r.actual_start or r.actual_finish or prod.start_date
            finish = r.actual_finish or start
            days = max(1, grid.slot_of(finish + timedelta(days=1)) - grid.slot_of(start)) if r.actual_start else 0
            t = eng.Task(r.key, days, name=r.name, people=named, fixed_start=start, status="done")
        elif r.status in STARTED and r.actual_start is not None:
            left = _ceil_days(r.estimate_days * (100 - r.progress) / 100)
            elapsed = max(0, today_slot - grid.slot_of(r.actual_start))
            t = eng.Task(
                r.key,
                max(1, elapsed + left),
                name=r.name,
                skills=frozenset() if named else frozenset(r.required_skills or ()),
                people=named,
                room_kind=r.room_kind.value if r.room_kind else None,
                fixed_start=r.actual_start,
                status="started",
                due=due,
            )
        else:
            t = eng.Task(
                r.key,
                _ceil_days(r.estimate_days * (100 - r.progress) / 100),
                name=r.name,
                skills=frozenset(r.required_skills or ()),
                people=named,
                room_kind=r.room_kind.value if r.room_kind else None,
                release=None if r.pinned_start else release,
                fixed_start=r.pinned_start,
                due=due,
            )
        status[r.key] = t.status
        tasks.append(t)
    problem = eng.Problem(
        prod.start_date, tasks, deps, people, rooms, calendar=base, hours_per_day=hours, name=prod.title
    )
    return Inputs(
        production_id=pid,
        title=prod.title,
        today=today,
        problem=problem,
        task_ids={r.key: r.id for r in rows},
        task_names={r.key: r.name for r in rows},
        people=names,
        rooms=room_names,
        delivery=delivery,
        status=status,
    )


# --- stored plans ------------------------------------------------------------------------------


def latest_plan(session: Session, prod: Production, kind: PlanKind, name: str | None = None) -> PlanRow | None:
    """The newest stored plan of a kind (and name), or None."""
    q = select(PlanRow).where(PlanRow.production_id == prod.id, PlanRow.kind == kind)
    if name is not None:
        q = q.where(PlanRow.name == name)
    return session.scalars(q.order_by(PlanRow.id.desc()).limit(1)).first()


def require_plan(session: Session, prod: Production, kind: PlanKind, name: str | None = None) -> PlanRow:
    """Like latest_plan, but a missing plan is a one-line error saying what to run first."""
    row = latest_plan(session, prod, kind, name)
    if row is not None:
        return row
    if kind == PlanKind.CURRENT:
        raise NotFound(N_("%(title)r has no plan yet: run `postprod plan run` first"), params={"title": prod.title})
    if kind == PlanKind.BASELINE:
        raise NotFound(
            N_("%(title)r has no baseline: run `postprod plan baseline` first"), params={"title": prod.title}
        )
    raise NotFound(N_("no scenario %(name)r in %(title)r"), params={"name": name, "title": prod.title})


def store_plan(
    session: Session,
    inputs: Inputs,
    plan: eng.Plan,
    *,
    kind: PlanKind,
    name: str,
    time_limit: float,
    incident: str = "",
    parent_id: int | None = None,
    moves: list[dict[str, Any]] | None = None,
    write_dates: bool = False,
) -> PlanRow:
    """Write a plan and one row per task in bulk; with `write_dates`, set the tasks' planned dates too."""
    if kind == PlanKind.SCENARIO:
        for old in session.scalars(
            select(PlanRow).where(
                PlanRow.production_id == inputs.production_id, PlanRow.kind == kind, PlanRow.name == name
            )
        ):
            session.delete(old)
    row = PlanRow(
        production_id=inputs.production_id,
        name=name,
        kind=kind,
        created_by=str(session.info.get("actor") or ""),
        solver=plan.solver,
        time_limit=float(time_limit),
        start_date=plan.start,
        today=inputs.today,
        makespan=plan.makespan,
        end_date=plan.end_date,
        delivery_date=inputs.delivery,
        lower_bound=plan.lower_bound,
        optimal=plan.optimal,
        seconds=round(plan.seconds, 3),
        incident=incident,
        parent_id=parent_id,
        critical_path=list(plan.critical_path),
        late=list(plan.late),
        warnings=list(plan.warnings),
        moves=list(moves or []),
    )
    session.add(row)
    session.flush()
    fixed = {t.id for t in inputs.problem.tasks if t.status in ("started", "done")}
    values = [
        {
            "plan_id": row.id,
            "task_id": inputs.task_ids.get(t.id),
            "task_key": t.id,
            "start": t.start,
            "finish": t.finish,
            "work_days": t.end_slot - t.start_slot,
            "person_ids": [_resource_id(p) for p in t.people],
            "room_id": _resource_id(t.rooms[0]) if t.rooms else None,
            "slack": t.slack,
            "critical": t.critical,
            "late_days": t.late_days,
            "fixed": t.id in fixed,
        }
        for t in plan.tasks
    ]
    if values:  # Core executemany: one statement, no per-row ORM work (and no audit entry per row)
        session.connection().execute(insert(_table(PlanTask)), values)
    if write_dates and (moved := write_planned_dates(session, inputs, plan)):
        # the people of the moved tasks are told, once each (not the one who replanned)
        people = {inputs.task_ids.get(t.id): [_resource_id(p) for p in t.people] for t in plan.tasks}
        notifications.plan_moved(session, inputs.production_id, {tid: people.get(tid, []) for tid in moved})
    if kind == PlanKind.CURRENT:
        prune_plans(session, inputs.production_id)
    return row


KEEP_CURRENT = 20  # plan runs kept (the newest); baselines and scenarios are kept until replaced


def prune_plans(session: Session, production_id: int, keep: int | None = None) -> int:
    """Forget the production's older plan runs (each holds a row per task): the newest `keep` stay.

    Baselines and named scenarios are never pruned; a run is pruned with its rows (by the database's
    cascade), and plans made from it keep their own data (their parent link becomes empty).
    """
    ids = list(
        session.scalars(
            select(PlanRow.id)
            .where(PlanRow.production_id == production_id, PlanRow.kind == PlanKind.CURRENT)
            .order_by(PlanRow.id.desc())
            .offset(KEEP_CURRENT if keep is None else keep)
        )
    )
    if not ids:
        return 0
    session.flush()
    conn = session.connection()
    conn.execute(delete(_table(PlanTask)).where(PlanTask.plan_id.in_(ids)))
    conn.execute(update(_table(PlanRow)).where(PlanRow.parent_id.in_(ids)).values(parent_id=None))
    conn.execute(delete(_table(PlanRow)).where(PlanRow.id.in_(ids)))
    for obj in [o for o in session.identity_map.values() if isinstance(o, PlanRow) and o.id in ids]:
        session.expunge(obj)
    return len(ids)


def _table(cls: type) -> Table:
    table = cls.__table__  # type: ignore[attr-defined]
    assert isinstance(table, Table)
    return table


def write_planned_dates(session: Session, inputs: Inputs, plan: eng.Plan) -> set[int]:
    """Copy the plan's dates onto the tasks whose planned dates differ (one executemany; their version moves on).

    Returns the IDs of the tasks whose dates moved (not those given dates for the first time).
    """
    current = {
        tid: (ps, pf)
        for tid, ps, pf in session.execute(
            select(Task.id, Task.planned_start, Task.planned_finish).where(Task.production_id == inputs.production_id)
        )
    }
    changes = []
    moved: set[int] = set()
    for t in plan.tasks:
        tid = inputs.task_ids.get(t.id)
        if tid is None or tid not in current:
            continue
        finish = t.finish if t.end_slot > t.start_slot else t.start
        if current[tid] != (t.start, finish):
            changes.append({"tid": tid, "ps": t.start, "pf": finish})
            if current[tid] != (None, None):
                moved.add(tid)
    if changes:
        table = _table(Task)
        stmt = (
            update(table)
            .where(table.c.id == bindparam("tid"))
            # a new version too: the task's representation (and its ETag) changed, so a client holding the
            # old one gets 409 rather than writing over dates it has not seen
            .values(planned_start=bindparam("ps"), planned_finish=bindparam("pf"), version=table.c.version + 1)
        )
        session.connection().execute(stmt, changes)
        for obj in list(session.identity_map.values()):
            if isinstance(obj, Task):
                session.expire(obj, ["planned_start", "planned_finish", "version"])
    return moved


@dataclass
class PlanNames:
    """What reading a stored plan back needs, without the whole problem: the working-day grid (a problem
    with no tasks: the production's start and default calendar) and the names of tasks, people and rooms."""

    problem: eng.Problem
    task_names: dict[str, str]
    people: dict[str, str]
    rooms: dict[str, str]

    def name_of(self, resource: str) -> str:
        return self.people.get(resource) or self.rooms.get(resource) or resource


def plan_names(session: Session, prod: Production) -> PlanNames:
    """The grid and names of a production (a few small queries, where `load_inputs` reads every task's inputs)."""
    calendar, hours = production_calendar(session, prod)
    pid = prod.id
    people = {
        person_key(i): n for i, n in session.execute(select(Person.id, Person.name).where(Person.production_id == pid))
    }
    rooms = {room_key(i): n for i, n in session.execute(select(Room.id, Room.name).where(Room.production_id == pid))}
    tasks = dict(session.execute(select(Task.key, Task.name).where(Task.production_id == pid)).tuples().all())
    problem = eng.Problem(prod.start_date, [], [], [], [], calendar=calendar, hours_per_day=hours, name=prod.title)
    return PlanNames(problem, tasks, people, rooms)


# Stored plans read back, kept: a plan's tasks are written once with the plan and never changed (a replan
# stores a new plan), so the plan's identity and the grid it is read on say all of what `engine_plan` gives.
_READ_BACK: OrderedDict[tuple[Any, ...], eng.Plan] = OrderedDict()
_READ_BACK_SIZE = 8
_read_back_lock = threading.Lock()


def stored_plan(session: Session, row: PlanRow, problem: eng.Problem) -> eng.Plan:
    """`engine_plan`, computed once per stored plan and grid (the Gantt and the comparisons read the same plans
    again and again); the result is shared: do not change it."""
    bind = session.get_bind()
    key = (str(bind.engine.url), row.production_id, row.id, row.created_at, problem.start, problem.calendar)
    with _read_back_lock:
        plan = _READ_BACK.get(key)
        if plan is not None:
            _READ_BACK.move_to_end(key)
            return plan
    plan = engine_plan(session, row, problem)
    with _read_back_lock:
        _READ_BACK[key] = plan
        while len(_READ_BACK) > _READ_BACK_SIZE:
            _READ_BACK.popitem(last=False)
    return plan


def engine_plan(session: Session, row: PlanRow, problem: eng.Problem) -> eng.Plan:
    """A stored plan as the engine's Plan on the problem's working-day grid (slots and load recomputed)."""
    grid = cal_engine.WorkGrid(problem.start, problem.calendar)
    tasks: list[eng.ScheduledTask] = []
    # load by slot first (one list per resource), turned into dates once at the end: the days' ISO text
    # is made once per slot, not once per task, person and day
    by_slot: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for key, start, finish, days, person_ids, room_id, slack, critical, late_days in session.execute(
        select(
            PlanTask.task_key,
            PlanTask.start,
            PlanTask.finish,
            PlanTask.work_days,
            PlanTask.person_ids,
            PlanTask.room_id,
            PlanTask.slack,
            PlanTask.critical,
            PlanTask.late_days,
        )
        .where(PlanTask.plan_id == row.id)
        .order_by(PlanTask.id)
    ):
        s = grid.slot_of(start)
        people = tuple(person_key(p) for p in person_ids or ())
        rooms = (room_key(room_id),) if room_id is not None else ()
        tasks.append(eng.ScheduledTask(key, start, finish, s, s + days, people, rooms, slack, critical, late_days))
        if days > 0:
            for res in (*people, *rooms):
                slots = by_slot[res]
                for slot in range(s, s + days):
                    slots[slot] += 1
    last = max((slot for slots in by_slot.values() for slot in slots), default=-1)
    iso = [day.isoformat() for day in grid.days(last + 1)]
    load = {res: {iso[slot]: n for slot, n in sorted(slots.items())} for res, slots in by_slot.items()}
    return eng.Plan(
        start=row.start_date,
        tasks=tasks,
        makespan=max((t.end_slot for t in tasks), default=0),
        end_date=row.end_date,
        critical_path=list(row.critical_path),
        late=list(row.late),
        load=load,
        solver=row.solver,
        lower_bound=row.lower_bound,
        optimal=row.optimal,
        seconds=row.seconds,
        warnings=list(row.warnings),
    )


def named_plan(plan: eng.Plan, inputs: Inputs | PlanNames) -> eng.Plan:
    """A copy of the plan with people and rooms by name (for charts and tables)."""
    tasks = [
        eng.ScheduledTask(
            t.id,
            t.start,
            t.finish,
            t.start_slot,
            t.end_slot,
            tuple(inputs.name_of(p) for p in t.people),
            tuple(inputs.name_of(r) for r in t.rooms),
            t.slack,
            t.critical,
            t.late_days,
        )
        for t in plan.tasks
    ]
    load = {inputs.name_of(k): v for k, v in plan.load.items()}
    return eng.Plan(
        plan.start,
        tasks,
        plan.makespan,
        plan.end_date,
        plan.critical_path,
        plan.late,
        load,
        plan.solver,
        plan.lower_bound,
        plan.optimal,
        plan.seconds,
        plan.warnings,
    )


@described(
    kind="current, baseline or scenario",
    makespan="Working days from the start to the end",
    lower_bound="No plan can end sooner (working days)",
    incident="What a replan was made for",
    incident_said="The same as messages kept as data (template and values), for a reader's language",
)
class PlanHeaderView(TypedDict):
    id: int
    name: str
    kind: str
    created_at: str | None
    created_by: str
    solver: str
    time_limit: float
    start_date: str
    today: str
    makespan: int
    end_date: str
    delivery_date: str | None
    lower_bound: int
    optimal: bool
    seconds: float
    incident: str
    incident_said: list[dict[str, Any]]
    parent_id: int | None


class PlanRowView(PlanHeaderView):
    critical_path: list[str]
    late: list[str]
    warnings: list[str]
    moves: list[dict[str, Any]]


def plan_header(row: PlanRow) -> PlanHeaderView:
    """A stored plan's header, for lists."""
    return {
        "id": row.id,
        "name": row.name,
        "kind": row.kind.value,
        "created_at": row.created_at.isoformat() if row.created_at else None,
        "created_by": row.created_by,
        "solver": row.solver,
        "time_limit": row.time_limit,
        "start_date": row.start_date.isoformat(),
        "today": row.today.isoformat(),
        "makespan": row.makespan,
        "end_date": row.end_date.isoformat(),
        "delivery_date": row.delivery_date.isoformat() if row.delivery_date else None,
        "lower_bound": row.lower_bound,
        "optimal": row.optimal,
        "seconds": row.seconds,
        "incident": row.incident,
        "incident_said": said_of(row),
        "parent_id": row.parent_id,
    }


def said_of(row: PlanRow) -> list[dict[str, Any]]:
    """What a replan was made for as kept messages (an adopted scenario's, then a last one saying so)."""
    data = row.incidents or {}
    said = list(data.get("said", []))
    if data.get("adopted"):
        said.append({"template": N_("(scenario %(name)s adopted)"), "params": {"name": data["adopted"]}})
    return said


def plan_row_dict(row: PlanRow) -> PlanRowView:
    """The stored plan's header with its critical path, late tasks, warnings and moves."""
    return {
        **plan_header(row),
        "critical_path": list(row.critical_path),
        "late": list(row.late),
        "warnings": list(row.warnings),
        "moves": list(row.moves),
    }
