"""What the pages read at a glance: the production dashboard, the stored plan for the Gantt, people and room load.

Every figure is counted by the database (GROUP BY, SUM), so a production of thousands of
tasks reads in a few queries, never one per task.
"""

from __future__ import annotations

import threading
import unicodedata
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, selectinload

from postprod.errors import N_, NotFound
from postprod.model import (
    ApprovalRequest,
    ApprovalStatus,
    Deliverable,
    Department,
    Dependency,
    Person,
    Plan,
    PlanKind,
    PlanTask,
    Production,
    QcFinding,
    QcRun,
    Room,
    Task,
    TaskAssignment,
    TaskStatus,
)
from postprod.planning.gantt import Bar, Chart, Lane

# Statuses in which a task's work is behind it (a late one in these is not late any more).
FINISHED = (TaskStatus.DONE, TaskStatus.APPROVED)


def current_plan(session: Session, prod: Production) -> Plan | None:
    """The plan in force: the newest stored plan of kind "current" (None before the first planning)."""
    return session.scalars(
        select(Plan)
        .where(Plan.production_id == prod.id, Plan.kind == PlanKind.CURRENT)
        .order_by(Plan.created_at.desc(), Plan.id.desc())
        .limit(1)
    ).first()


def _plan_status(session: Session, plan: Plan, delivery: date | None, today: date) -> dict[str, Any]:
    """Where the critical path stands: its end against the delivery, its tasks done, its late ones."""
    keys = list(plan.critical_path or [])
    done = 0
    late_keys: list[str] = []
    if keys:
        rows = session.execute(
            select(Task.key, Task.status, PlanTask.finish)
            .join(PlanTask, PlanTask.task_id == Task.id)
            .where(PlanTask.plan_id == plan.id, PlanTask.critical.is_(True))
        ).all()
        for key, status, finish in rows:
            if status in FINISHED:
                done += 1
            elif finish < today:
                late_keys.append(key)
    target = delivery or plan.delivery_date
    margin = (target - plan.end_date).days if target else None
    if margin is None:
        state = "no-delivery-date"
    elif margin < 0 or late_keys:
        state = "late"
    elif margin <= 5:
        state = "tight"
    else:
        state = "on-track"
    return {
        "name": plan.name,
        "created_at": plan.created_at,
        "end_date": plan.end_date,
        "margin_days": margin,
        "state": state,
        "critical_tasks": len(keys),
        "critical_done": done,
        "critical_late": sorted(late_keys),
        "late_in_plan": list(plan.late or []),
    }


def dashboard(session: Session, prod: Production, today: date | None = None, late_limit: int = 15) -> dict[str, Any]:
    """The production director's view: delivery countdown, plan, late tasks, departments, deliverables."""
    today = today or date.today()
    pid = prod.id
    by_status = dict(
        session.execute(select(Task.status, func.count()).where(Task.production_id == pid).group_by(Task.status)).all()
    )
    done_weight = Task.estimate_days * Task.progress
    dept_rows = session.execute(
        select(
            Department.code,
            Department.name,
            func.count(Task.id),
            func.coalesce(func.sum(Task.estimate_days), 0),
            func.coalesce(func.sum(done_weight), 0),
            func.coalesce(func.sum(case((Task.status.in_(FINISHED), 1), else_=0)), 0),
            func.coalesce(func.sum(case((Task.status == TaskStatus.IN_PROGRESS, 1), else_=0)), 0),
        )
        .select_from(Department)
        .outerjoin(Task, Task.department_id == Department.id)
        .where(Department.production_id == pid)
        .group_by(Department.id, Department.code, Department.name, Department.position)
        .order_by(Department.position, Department.id)
    ).all()
    departments = []
    for code, name, count, est, weight, finished, active in dept_rows:
        est_d = Decimal(str(est))
        pct = float(Decimal(str(weight)) / est_d) if est_d else 0.0
        departments.append(
            {
                "code": code,
                "name": name,
                "tasks": int(count),
                "finished": int(finished),
                "in_progress": int(active),
                "estimate_days": float(est_d),
                "progress_percent": round(pct, 1),
            }
        )
    late_cond = (
        (Task.production_id == pid)
        & Task.status.not_in(FINISHED)
        & (func.coalesce(Task.due_date, Task.planned_finish) < today)
    )
    late_total = int(session.scalar(select(func.count()).select_from(Task).where(late_cond)) or 0)
    late_rows = list(
        session.scalars(
            select(Task)
            .where(late_cond)
            .options(selectinload(Task.department), selectinload(Task.assignments).selectinload(TaskAssignment.person))
            .order_by(func.coalesce(Task.due_date, Task.planned_finish), Task.position, Task.id)
            .limit(late_limit)
        )
    )
    late = [
        {
            "task": t,
            "due": t.due_date or t.planned_finish,
            "days_late": (today - (t.due_date or t.planned_finish or today)).days,
        }
        for t in late_rows
    ]
    delivery = prod.delivery_date
    plan = current_plan(session, prod)
    pending = int(
        session.scalar(
            select(func.count())
            .select_from(ApprovalRequest)
            .where(ApprovalRequest.production_id == pid, ApprovalRequest.status == ApprovalStatus.PENDING)
        )
        or 0
    )
    total = sum(by_status.values())
    finished_total = sum(n for s, n in by_status.items() if s in FINISHED)
    return {
        "today": today,
        "delivery_date": delivery,
        "days_to_delivery": (delivery - today).days if delivery else None,
        "deliveries": [{"label": d.label, "due": d.due, "days": (d.due - today).days} for d in prod.deliveries],
        "tasks": total,
        "tasks_finished": finished_total,
        "tasks_by_status": {s.value: int(by_status.get(s, 0)) for s in TaskStatus},
        "departments": departments,
        "late_total": late_total,
        "late": late,
        "plan": _plan_status(session, plan, delivery, today) if plan is not None else None,
        "deliverables": deliverables_with_qc(session, prod),
        "approvals_pending": pending,
    }


def deliverables_with_qc(session: Session, prod: Production) -> list[dict[str, Any]]:
    """Each deliverable with its latest QC run (result, when, how many findings), in three queries."""
    items = list(
        session.scalars(
            select(Deliverable)
            .where(Deliverable.production_id == prod.id)
            .order_by(Deliverable.due_date, Deliverable.name)
        )
    )
    last_ids = (
        select(func.max(QcRun.id)).where(QcRun.production_id == prod.id).group_by(QcRun.deliverable_id)
    ).scalar_subquery()
    runs = {r.deliverable_id: r for r in session.scalars(select(QcRun).where(QcRun.id.in_(last_ids)))}
    counts: dict[int, int] = {}
    if runs:
        counts = dict(
            session.execute(
                select(QcFinding.run_id, func.count())
                .where(QcFinding.run_id.in_([r.id for r in runs.values()]))
                .group_by(QcFinding.run_id)
            ).all()
        )
    approvals: dict[int, ApprovalRequest] = {}
    for req in session.scalars(
        select(ApprovalRequest)
        .where(ApprovalRequest.production_id == prod.id, ApprovalRequest.target_type == "deliverable")
        .order_by(ApprovalRequest.id)
    ):
        approvals[req.target_id] = req  # the newest request wins
    out = []
    for d in items:
        run = runs.get(d.id)
        out.append(
            {
                "deliverable": d,
                "last_run": run,
                "findings": counts.get(run.id, 0) if run else 0,
                "approval": approvals.get(d.id),
            }
        )
    return out


# --- the Gantt ---------------------------------------------------------------------------------


@dataclass
class GanttView(Chart):
    """The stored plan laid out in lanes (planning/gantt.py draws it), with the plan it comes from.

    `links` are the dependencies between the drawn tasks (before, after); `milestones` the
    deliverables' due dates (day, name).
    """

    plan: Any = None
    links: list[tuple[str, str]] = field(default_factory=list)
    milestones: list[tuple[date, str]] = field(default_factory=list)
    # What the view was made from (see _gantt_stamp): equal stamps, equal views; a page may key its drawing on it.
    stamp: tuple[Any, ...] = ()


# Gantt views kept while what they show is unchanged: laying out 5,000 bars reads and sorts every planned
# task, the Gantt is opened again and again, and a plan's tasks never change once stored.
_GANTTS: OrderedDict[tuple[Any, ...], GanttView] = OrderedDict()
_GANTTS_SIZE = 6
_gantts_lock = threading.Lock()


def _gantt_stamp(session: Session, prod: Production, plan: Any, lanes: str, department: str | None) -> tuple[Any, ...]:
    """Everything a Gantt view is made of, in a few aggregate queries: the plan (its tasks are never changed
    once stored), the tasks' versions (a name, status or department changed moves a version), the
    dependencies, the names of people, rooms and departments, the deliverables' dates and the delivery."""
    pid = prod.id
    tasks = session.execute(
        select(func.count(Task.id), func.coalesce(func.sum(Task.version), 0), func.max(Task.id)).where(
            Task.production_id == pid
        )
    ).one()
    deps = session.execute(
        select(
            func.count(Dependency.id),
            func.max(Dependency.id),
            func.coalesce(func.sum(Dependency.predecessor_id * 7919 + Dependency.successor_id), 0),
        )
        .join(Task, Task.id == Dependency.successor_id)
        .where(Task.production_id == pid)
    ).one()

    def rows(*cols: Any) -> tuple[Any, ...]:
        return tuple(tuple(r) for r in session.execute(select(*cols).where(cols[0].class_.production_id == pid)))

    return (
        str(session.get_bind().engine.url),
        pid,
        plan.id,
        plan.created_at,
        prod.delivery_date,
        lanes,
        department,
        tuple(tasks),
        tuple(deps),
        rows(Person.id, Person.name),
        rows(Room.id, Room.name),
        rows(Department.id, Department.code),
        rows(Deliverable.id, Deliverable.due_date, Deliverable.name),
    )


def gantt(session: Session, prod: Production, lanes: str = "person", department: str | None = None) -> GanttView | None:
    """The current plan's tasks in lanes per person or room (None when nothing is planned yet).

    Made once for what it shows (`_gantt_stamp`) and shared by the requests that follow: do not change it.
    """
    plan = current_plan(session, prod)
    if plan is None:
        return None
    stamp = _gantt_stamp(session, prod, plan, lanes, department)
    with _gantts_lock:
        kept = _GANTTS.get(stamp)
        if kept is not None:
            _GANTTS.move_to_end(stamp)
    if kept is not None:
        return replace(kept, plan=plan)  # the plan row of this session, the lanes and bars shared
    view = _gantt_view(session, prod, plan, lanes, department)
    view.stamp = stamp
    with _gantts_lock:
        _GANTTS[stamp] = view
        while len(_GANTTS) > _GANTTS_SIZE:
            _GANTTS.popitem(last=False)
    return view


_PLANNED: OrderedDict[tuple[Any, ...], list[tuple[Any, ...]]] = OrderedDict()


def _planned_rows(session: Session, plan: Any) -> list[tuple[Any, ...]]:
    """A stored plan's tasks (ID, key, dates, flags, people, room) by start: written once with the plan and never
    changed, so read once per plan (a few kept)."""
    key = (str(session.get_bind().engine.url), plan.id, plan.created_at)
    with _gantts_lock:
        rows = _PLANNED.get(key)
        if rows is not None:
            _PLANNED.move_to_end(key)
            return rows
    rows = [
        tuple(r)
        for r in session.execute(
            select(
                PlanTask.task_id,
                PlanTask.task_key,
                PlanTask.start,
                PlanTask.finish,
                PlanTask.critical,
                PlanTask.late_days,
                PlanTask.person_ids,
                PlanTask.room_id,
            )
            .where(PlanTask.plan_id == plan.id)
            .order_by(PlanTask.start, PlanTask.task_key)
        )
    ]
    with _gantts_lock:
        _PLANNED[key] = rows
        while len(_PLANNED) > 3:
            _PLANNED.popitem(last=False)
    return rows


def _gantt_view(session: Session, prod: Production, plan: Any, lanes: str, department: str | None) -> GanttView:
    # Plain columns, not PlanTask entities: building 5,000 ORM objects was most of the page's time. The plan's
    # part is read once per stored plan (_planned_rows); the tasks' names, statuses and departments each time.
    codes = dict(
        session.execute(select(Department.id, Department.code).where(Department.production_id == prod.id)).all()
    )
    key_of: dict[int, str] = {}
    info: dict[int, tuple[str, TaskStatus, str]] = {}
    for tid, tkey, name, status, dept_id in session.execute(
        select(Task.id, Task.key, Task.name, Task.status, Task.department_id).where(Task.production_id == prod.id)
    ):
        key_of[tid] = tkey
        info[tid] = (name, status, codes.get(dept_id, ""))
    rows = [
        (key, start_d, finish, critical, late, person_ids, room_id, *info[tid])
        for tid, key, start_d, finish, critical, late, person_ids, room_id in _planned_rows(session, plan)
        if tid in info and (not department or info[tid][2] == department)
    ]
    people = dict(session.execute(select(Person.id, Person.name).where(Person.production_id == prod.id)).all())
    names: dict[int, str]
    if lanes == "room":
        names = dict(session.execute(select(Room.id, Room.name).where(Room.production_id == prod.id)).all())
    else:
        names = people
    by_lane: dict[str, Lane] = {}
    loose = Lane("")
    for key, start_d, finish, critical, late, person_ids, room_id, name, status, dept in rows:
        who = tuple(people[i] for i in person_ids or [] if i in people)
        bar = Bar(key, name, start_d, finish, critical, late, status.value, dept, who)
        ids = [room_id] if lanes == "room" and room_id is not None else (person_ids or []) if lanes != "room" else []
        placed = False
        for i in ids:
            label = names.get(i)
            if label is None:
                continue
            by_lane.setdefault(label, Lane(label)).bars.append(bar)
            placed = True
        if not placed:
            loose.bars.append(bar)
    # People in alphabetical order as people read it ("Élodie" among the E's, not after the Z's)
    out = [by_lane[k] for k in sorted(by_lane, key=lambda k: unicodedata.normalize("NFKD", k).casefold())]
    if loose.bars:
        out.append(loose)
    starts = [b.start for lane in out for b in lane.bars]
    ends = [b.finish for lane in out for b in lane.bars]
    start = min(starts, default=plan.start_date)
    end = max(ends + ([prod.delivery_date] if prod.delivery_date else []), default=plan.end_date)
    drawn = {r[0] for r in rows}
    # the dependencies by their tasks' IDs, named from the tasks read above (a join on the keys cost three times more)
    links = [
        (key_of[a], key_of[b])
        for a, b in session.execute(
            select(Dependency.predecessor_id, Dependency.successor_id)
            .join(Task, Task.id == Dependency.successor_id)
            .where(Task.production_id == prod.id)
            .order_by(Dependency.id)
        )
        if a in key_of and b in key_of and key_of[a] in drawn and key_of[b] in drawn
    ]
    due: dict[date, list[str]] = {}
    for day, name in session.execute(
        select(Deliverable.due_date, Deliverable.name)
        .where(Deliverable.production_id == prod.id, Deliverable.due_date.is_not(None))
        .order_by(Deliverable.due_date, Deliverable.name)
    ):
        if day is not None:
            due.setdefault(day, []).append(name)
    milestones = [(day, ", ".join(names)) for day, names in due.items()]  # one mark a day, naming them all
    span_end = max(end, start + timedelta(days=1))
    return GanttView(out, start, span_end, prod.delivery_date, plan=plan, links=links, milestones=milestones)


def planned_task_ids(session: Session, prod: Production, person_ids: list[int]) -> set[int]:
    """The tasks the plan in force gives any of these people: their bars in the Gantt's person lanes, read
    from the same stored rows (`planned_people` names them on the pages that list tasks)."""
    plan = current_plan(session, prod)
    if plan is None or not person_ids:
        return set()
    wanted = set(person_ids)
    return {row[0] for row in _planned_rows(session, plan) if row[0] is not None and wanted.intersection(row[6] or ())}


def planned_people(session: Session, prod: Production, task_ids: list[int]) -> dict[int, list[str]]:
    """Who the plan in force gives each task (by task ID): the Gantt's lanes, for pages that list tasks."""
    plan = current_plan(session, prod)
    if plan is None or not task_ids:
        return {}
    people = dict(session.execute(select(Person.id, Person.name).where(Person.production_id == prod.id)).all())
    return {
        task_id: [people[i] for i in ids or [] if i in people]
        for task_id, ids in session.execute(
            select(PlanTask.task_id, PlanTask.person_ids).where(
                PlanTask.plan_id == plan.id, PlanTask.task_id.in_(task_ids)
            )
        )
        if task_id is not None
    }


# --- people and room load -----------------------------------------------------------------------


def people_load(session: Session, prod: Production, today: date | None = None, weeks: int = 8) -> dict[str, Any]:
    """Booked work days per person and room, week by week, from the stored plan (else assignments)."""
    today = today or date.today()
    monday = today - timedelta(days=today.weekday())
    week_starts = [monday + timedelta(weeks=i) for i in range(weeks)]
    people = list(session.scalars(select(Person).where(Person.production_id == prod.id).order_by(Person.name)))
    rooms = list(session.scalars(select(Room).where(Room.production_id == prod.id).order_by(Room.name)))
    open_counts = dict(
        session.execute(
            select(TaskAssignment.person_id, func.count())
            .join(Task, Task.id == TaskAssignment.task_id)
            .where(Task.production_id == prod.id, Task.status.not_in(FINISHED))
            .group_by(TaskAssignment.person_id)
        ).all()
    )
    plan = current_plan(session, prod)
    horizon = monday + timedelta(weeks=weeks)
    booked: dict[str, list[float]] = {}
    if plan is not None:
        rows = session.execute(
            select(PlanTask.start, PlanTask.finish, PlanTask.person_ids, PlanTask.room_id).where(
                PlanTask.plan_id == plan.id, PlanTask.finish >= monday, PlanTask.start < horizon
            )
        ).all()
        for start, finish, person_ids, room_id in rows:
            keys = [f"p{i}" for i in person_ids or []] + ([f"r{room_id}"] if room_id is not None else [])
            if not keys:
                continue
            day = max(start, monday)
            last = min(finish, horizon - timedelta(days=1))
            while day <= last:
                if day.weekday() < 5:
                    i = (day - monday).days // 7
                    for k in keys:
                        booked.setdefault(k, [0.0] * weeks)[i] += 1.0
                day += timedelta(days=1)

    def weekly(key: str) -> list[float]:
        return booked.get(key) or [0.0] * weeks

    return {
        "planned": plan is not None,
        "weeks": week_starts,
        "people": [
            {"person": p, "open_tasks": int(open_counts.get(p.id, 0)), "weeks": weekly(f"p{p.id}")} for p in people
        ],
        "rooms": [{"room": r, "weeks": weekly(f"r{r.id}")} for r in rooms],
    }


def get_qc_run(session: Session, prod: Production, run_id: int) -> QcRun:
    """A stored QC run of one of the production's deliverables, with its findings."""
    run = session.scalars(
        select(QcRun).where(QcRun.id == run_id).options(selectinload(QcRun.findings), selectinload(QcRun.deliverable))
    ).first()
    if run is None or run.production_id != prod.id:
        raise NotFound(N_("no QC run %(run_id)s in %(title)r"), params={"run_id": run_id, "title": prod.title})
    return run
