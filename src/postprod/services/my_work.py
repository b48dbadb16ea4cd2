"""A user's own work in a production: what is theirs today and this week.

A technician's work is the tasks of their person (their membership names it): those assigned to
them by name and those the plan in force gives them (the Gantt's lanes and the board's names,
services/dashboard.planned_task_ids), at the plan's dates; a department lead's, the tasks of their
department too. A user with neither has no work of their own here (the board shows everyone's).
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload
from typing_extensions import TypedDict

from postprod.model import Department, Production, Role, Task, TaskAssignment, TaskStatus, User
from postprod.services import dashboard as dash
from postprod.services.users import grants_of

# Work that is finished as far as its owner is concerned.
CLOSED = (TaskStatus.DONE, TaskStatus.APPROVED)
# Statuses that mean someone is on it now.
UNDER_WAY = (TaskStatus.IN_PROGRESS, TaskStatus.IN_REVIEW, TaskStatus.RETAKE)
LATER_LIMIT = 20


class MyWork(TypedDict):
    person_ids: list[int]  # the user's persons in the production (technician)
    departments: list[str]  # the departments they lead
    today: list[Task]  # under way, planned over today, or due by today (late ones first)
    week: list[Task]  # planned to start or due later this week
    later: list[Task]  # the rest of their open work, soonest first, at most LATER_LIMIT
    late: set[int]  # IDs of tasks past their due date or planned finish
    planned: dict[int, list[str]]  # the people the plan gives each listed task (by ID), named as the board does
    week_end: date


def _soon(t: Task) -> tuple[date, int]:
    return (t.planned_start or t.due_date or date.max, t.position)


def my_work(session: Session, prod: Production, user: User, today: date) -> MyWork:
    """The user's open tasks in the production, split into today, this week (to Sunday) and later."""
    grants = [g for g in grants_of(user) if g.production_id == prod.id]
    person_ids = sorted({g.person_id for g in grants if g.person_id is not None})
    departments = sorted({g.department for g in grants if g.role == Role.DEPARTMENT_LEAD.value and g.department})
    week_end = today + timedelta(days=6 - today.weekday())
    out: MyWork = {
        "person_ids": person_ids,
        "departments": departments,
        "today": [],
        "week": [],
        "later": [],
        "late": set(),
        "planned": {},
        "week_end": week_end,
    }
    mine = []
    if person_ids:
        mine.append(Task.assignments.any(TaskAssignment.person_id.in_(person_ids)))
        if planned := dash.planned_task_ids(session, prod, person_ids):
            mine.append(Task.id.in_(sorted(planned)))
    if departments:
        mine.append(Task.department.has(Department.code.in_(departments)))
    if not mine:
        return out
    rows = session.scalars(
        select(Task)
        .where(Task.production_id == prod.id, Task.status.not_in(CLOSED), or_(*mine))
        .options(selectinload(Task.assignments).selectinload(TaskAssignment.person), selectinload(Task.department))
        .order_by(Task.position, Task.id)
    )
    for t in rows:
        ends = [d for d in (t.due_date, t.planned_finish) if d is not None]
        if ends and min(ends) < today:
            out["late"].add(t.id)
        planned_now = t.planned_start is not None and t.planned_start <= today
        if t.status in UNDER_WAY or planned_now or t.id in out["late"] or t.due_date == today:
            out["today"].append(t)
        elif any(d is not None and today < d <= week_end for d in (t.planned_start, t.due_date)):
            out["week"].append(t)
        else:
            out["later"].append(t)
    out["today"].sort(key=lambda t: (t.id not in out["late"], _soon(t)))
    out["week"].sort(key=_soon)
    out["later"] = sorted(out["later"], key=_soon)[:LATER_LIMIT]
    out["planned"] = dash.planned_people(session, prod, [t.id for t in (*out["today"], *out["week"], *out["later"])])
    return out
