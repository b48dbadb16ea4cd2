"""Tasks for remote clients: filtered, sorted pages, and conditional updates that never lose a write."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from postprod.errors import Conflict, InvalidInput
from postprod.limits import as_id
from postprod.model import Dependency, Production, Task, TaskAssignment
from postprod.model.base import utcnow
from postprod.services import tasks as tasks_svc
from postprod.services.common import get_department, get_person, get_production, get_task, task_dict

SORTS = {
    "position": (Task.position,),
    "key": (Task.key,),
    "name": (Task.name,),
    "status": (Task.status,),
    "priority": (Task.priority,),
    "progress": (Task.progress,),
    "due": (Task.due_date,),
    "estimate": (Task.estimate_days,),
    "updated": (Task.updated_at,),
}
MAX_LIMIT = 500


class StaleTask(Conflict):
    """A conditional write on a task that changed meanwhile; carries the task as it is now."""

    def __init__(self, message: str, current: dict[str, Any]) -> None:
        super().__init__(message, field="version")
        self.current = current


def page_tasks(
    session: Session,
    prod: Production,
    *,
    department: str | None = None,
    status: str | None = None,
    assignee: str | None = None,
    language: str | None = None,
    search: str | None = None,
    only_ids: set[int] | None = None,
    sort: str = "position",
    limit: int = 50,
    offset: int = 0,
) -> tuple[int, list[Task]]:
    """One page of the production's tasks and the total matching; sort by a name, '-' first for descending."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"invalid limit {limit}: 1 to {MAX_LIMIT}", field="limit")
    if offset < 0:
        raise InvalidInput(f"invalid offset {offset}: 0 or more", field="offset")
    desc = sort.startswith("-")
    cols = SORTS.get(sort.lstrip("-"))
    if cols is None:
        raise InvalidInput(f"invalid sort {sort!r}: one of {', '.join(SORTS)} (prefix - to reverse)", field="sort")
    where = [Task.production_id == prod.id]
    if department:
        where.append(Task.department_id == get_department(session, prod, department).id)
    if status:
        where.append(Task.status == tasks_svc.parse_status(status))
    if assignee:
        person = get_person(session, prod, assignee)
        where.append(Task.assignments.any(TaskAssignment.person_id == person.id))
    if language:
        where.append(Task.language == language.lower())
    if search:
        pattern = f"%{search.strip().lower()}%"
        where.append(func.lower(Task.key).like(pattern) | func.lower(Task.name).like(pattern))
    if only_ids is not None:
        where.append(Task.id.in_(only_ids or {-1}))
    total = int(session.scalar(select(func.count()).select_from(Task).where(*where)) or 0)
    order = [c.desc() if desc else c.asc() for c in cols] + [Task.id.desc() if desc else Task.id.asc()]
    q = (
        select(Task)
        .where(*where)
        .options(
            selectinload(Task.assignments).selectinload(TaskAssignment.person),
            selectinload(Task.predecessors).selectinload(Dependency.predecessor),
            selectinload(Task.department),
        )
        .order_by(*order)
        .limit(limit)
        .offset(offset)
    )
    return total, list(session.scalars(q))


def update_task_checked(session: Session, task: Task, expected_version: int, **changes: Any) -> Task:
    """Change a task only if it is still at the expected version; every accepted change bumps the version.

    The version check is made twice: against the row read, and by the UPDATE itself (the ORM's
    version column), so a writer that committed in between makes this one fail with the current state.
    """
    if expected_version != task.version:
        raise StaleTask(
            f"task {task.key} was changed by someone else (version {task.version}, not {expected_version})",
            task_dict(task),
        )
    try:
        # Touch the row first, so the version moves once, and with assignment changes too (another table).
        task.updated_at = utcnow()
        tasks_svc.update_task(session, task, **changes)
        session.flush()
    except StaleDataError:
        session.rollback()
        fresh = session.get(Task, task.id, populate_existing=True)
        current = task_dict(fresh) if fresh is not None else {}
        raise StaleTask(f"task {task.key} was changed by someone else meanwhile", current) from None
    return task


def get_task_loaded(session: Session, production_id: int, ref: str) -> Task:
    """A task by key or ID, with everything its view shows loaded in one query (the hot read path).

    The production is only loaded when the task is not found, to name it in the error.
    """
    opts = (
        joinedload(Task.department),
        joinedload(Task.assignments).joinedload(TaskAssignment.person),
        joinedload(Task.predecessors).joinedload(Dependency.predecessor),
        joinedload(Task.successors).joinedload(Dependency.successor),
    )
    text = str(ref).strip()
    in_prod = Task.production_id == production_id
    task = (
        session.scalars(select(Task).where(in_prod, func.upper(Task.key) == text.upper()).options(*opts))
        .unique()
        .first()
    )
    if task is None and (ident := as_id(text)) is not None:
        task = session.scalars(select(Task).where(in_prod, Task.id == ident).options(*opts)).unique().first()
    return task if task is not None else get_task(session, get_production(session, production_id), text)
