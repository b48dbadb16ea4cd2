"""Tasks: one paged, filtered, sorted list; create, change (conditionally, never losing a write), assign, depend."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, NotRequired

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError
from typing_extensions import TypedDict

from postprod.errors import N_, Conflict, CycleError, IllegalTransition, InvalidInput, StaleWrite
from postprod.limits import as_id
from postprod.model import (
    TRANSITIONS,
    Dependency,
    Production,
    RoomKind,
    Task,
    TaskAssignment,
    TaskStatus,
)
from postprod.model.base import utcnow
from postprod.services import items
from postprod.services.common import (
    Page,
    TaskView,
    described,
    get_department,
    get_person,
    get_production,
    get_task,
    new_version,
    parse_date,
    task_dict,
)
from postprod.services.notes import NoteView, list_notes, note_dict


def parse_status(value: str) -> TaskStatus:
    """A status by its name ("in-progress", "in progress" and "in_progress" all work)."""
    text = value.strip().lower().replace("_", "-").replace(" ", "-")
    try:
        return TaskStatus(text)
    except ValueError:
        allowed = ", ".join(s.value for s in TaskStatus)
        raise InvalidInput(
            N_("invalid status %(value)r: one of %(allowed)s"),
            field="status",
            params={"value": value, "allowed": allowed},
        ) from None


def _parse_estimate(value: str | float | Decimal) -> Decimal:
    try:
        est = Decimal(str(value))
    except InvalidOperation:
        raise InvalidInput(
            N_("invalid estimate %(value)r: a number of work days"), field="estimate", params={"value": value}
        ) from None
    if not est.is_finite() or est < 0 or est > 10000:
        raise InvalidInput(
            N_("invalid estimate %(value)r: between 0 and 10000 work days"), field="estimate", params={"value": value}
        )
    return est


def create_task(
    session: Session,
    prod: Production,
    *,
    key: str,
    name: str,
    department: str,
    estimate_days: str | float = 1,
    skills: list[str] | None = None,
    room_kind: str | None = None,
    priority: int = 3,
    description: str = "",
    language: str | None = None,
    due: str | None = None,
) -> Task:
    """Add a task to the production; its key must be new."""
    key = key.strip().upper()
    if not key or len(key) > 64 or any(c.isspace() for c in key):
        raise InvalidInput(
            N_("invalid task key %(key)r: up to 64 characters, no spaces"), field="key", params={"key": key}
        )
    if session.scalars(select(Task).where(Task.production_id == prod.id, Task.key == key)).first():
        raise Conflict(
            N_("task %(key)s already exists in %(production)r"),
            field="key",
            params={"key": key, "production": prod.title},
        )
    dept = get_department(session, prod, department)
    rk = _room_kind(room_kind) if room_kind else None
    _check_priority(priority)
    pos = max((t.position for t in prod.tasks), default=0) + 1
    task = Task(
        production_id=prod.id,
        department=dept,
        key=key,
        name=name.strip() or key,
        estimate_days=_parse_estimate(estimate_days),
        required_skills=sorted({s.strip() for s in skills or [] if s.strip()}),
        room_kind=rk,
        priority=priority,
        description=description,
        language=language.lower() if language else None,
        due_date=parse_date(due, "due") if due else None,
        position=pos,
    )
    session.add(task)
    session.flush()
    return task


def _check_priority(priority: int) -> None:
    if not 1 <= priority <= 5:
        raise InvalidInput(
            N_("invalid priority %(priority)s: 1 (low) to 5 (urgent)"), field="priority", params={"priority": priority}
        )


def update_task(
    session: Session,
    task: Task,
    *,
    status: str | None = None,
    progress: int | None = None,
    assign: list[str] | None = None,
    unassign: list[str] | None = None,
    priority: int | None = None,
    estimate_days: str | float | None = None,
    due: str | None = None,
    name: str | None = None,
    description: str | None = None,
    department: str | None = None,
    skills: list[str] | None = None,
    room_kind: str | None = None,
    assignees: list[str] | None = None,
    expected_version: int | None = None,
    today: date | None = None,
) -> Task:
    """Change a task; an illegal status transition or a stale version is refused whole.

    `assignees` is the whole new list (the edit form's), `assign`/`unassign` change it by names;
    an empty `room_kind` clears the room.
    """
    items.check_version(task, expected_version, task_dict, what=f"task {task.key}")
    if assign or unassign or assignees is not None:
        # The assignees are another table: the row is touched now, so the version moves once, with the
        # first look-up's flush, and not again with the flushes that follow.
        new_version(session, [task])
    today = today or date.today()
    prod = task.production
    if status is not None:
        new = parse_status(status)
        if new != task.status:
            if new not in TRANSITIONS[task.status]:
                allowed = ", ".join(s.value for s in sorted(TRANSITIONS[task.status], key=lambda s: s.value))
                raise IllegalTransition(
                    N_("task %(key)s: cannot go from %(value)s to %(value2)s (allowed: %(allowed)s)"),
                    field="status",
                    params={"key": task.key, "value": task.status.value, "value2": new.value, "allowed": allowed},
                )
            task.status = new
            if new == TaskStatus.IN_PROGRESS and task.actual_start is None:
                task.actual_start = today
            if new == TaskStatus.DONE:
                task.actual_finish = today
                task.progress = 100
            if new == TaskStatus.RETAKE:
                task.actual_finish = None
    if progress is not None:
        if not 0 <= progress <= 100:
            raise InvalidInput(
                N_("invalid progress %(progress)s: 0 to 100"), field="progress", params={"progress": progress}
            )
        if task.status == TaskStatus.DONE and progress < 100:
            raise InvalidInput(
                N_("task %(key)s is done: its progress stays 100 (set it to retake first)"),
                field="progress",
                params={"key": task.key},
            )
        task.progress = progress
    for who in assign or []:
        person = get_person(session, prod, who)
        if any(a.person_id == person.id for a in task.assignments):
            raise Conflict(N_("%(name)s is already assigned to %(key)s"), params={"name": person.name, "key": task.key})
        task.assignments.append(TaskAssignment(person=person))
    for who in unassign or []:
        person = get_person(session, prod, who)
        match = [a for a in task.assignments if a.person_id == person.id]
        if not match:
            raise InvalidInput(
                N_("%(name)s is not assigned to %(key)s"),
                field="unassign",
                params={"name": person.name, "key": task.key},
            )
        task.assignments.remove(match[0])
    if priority is not None:
        _check_priority(priority)
        task.priority = priority
    if estimate_days is not None:
        task.estimate_days = _parse_estimate(estimate_days)
    if due is not None:
        task.due_date = parse_date(due, "due") if due else None
    if name is not None:
        if not name.strip():
            raise InvalidInput(N_("name is empty"), field="name")
        task.name = name.strip()
    if description is not None:
        task.description = description
    if department is not None:
        task.department = get_department(session, prod, department)
    if skills is not None:
        task.required_skills = sorted({s.strip().lower() for s in skills if s.strip()})
    if room_kind is not None:
        task.room_kind = _room_kind(room_kind) if room_kind else None
    if assignees is not None:
        wanted = {get_person(session, prod, who).id: who for who in assignees if who.strip()}
        for a in [a for a in task.assignments if a.person_id not in wanted]:
            task.assignments.remove(a)
        have = {a.person_id for a in task.assignments}
        for pid, who in wanted.items():
            if pid not in have:
                task.assignments.append(TaskAssignment(person=get_person(session, prod, who)))
    session.flush()
    return task


def _room_kind(value: str) -> RoomKind:
    try:
        return RoomKind(value)
    except ValueError:
        allowed = ", ".join(r.value for r in RoomKind)
        raise InvalidInput(
            N_("invalid room kind %(value)r: one of %(allowed)s"),
            field="room_kind",
            params={"value": value, "allowed": allowed},
        ) from None


def _successor_map(session: Session, prod: Production) -> dict[int, list[int]]:
    rows = session.execute(
        select(Dependency.predecessor_id, Dependency.successor_id)
        .join(Task, Task.id == Dependency.successor_id)
        .where(Task.production_id == prod.id)
    ).all()
    succ: dict[int, list[int]] = defaultdict(list)
    for p, s in rows:
        succ[p].append(s)
    return succ


def find_path(succ: dict[int, list[int]], start: int, goal: int) -> list[int] | None:
    """A path start -> ... -> goal along successor edges, or None (iterative DFS)."""
    parent: dict[int, int | None] = {start: None}
    stack = [start]
    while stack:
        node = stack.pop()
        if node == goal:
            path = [node]
            while parent[path[-1]] is not None:
                path.append(parent[path[-1]])  # type: ignore[arg-type]
            return path[::-1]
        for nxt in succ.get(node, ()):
            if nxt not in parent:
                parent[nxt] = node
                stack.append(nxt)
    return None


def add_dependency(session: Session, successor: Task, predecessor: Task, lag_days: int = 0) -> Dependency:
    """successor waits for predecessor (finish-to-start, lag in work days); a cycle is refused and named."""
    if successor.production_id != predecessor.production_id:
        raise InvalidInput(N_("a dependency links two tasks of the same production"))
    if successor.id == predecessor.id:
        raise CycleError([successor.key, successor.key])
    if not -365 <= lag_days <= 365:
        raise InvalidInput(
            N_("invalid lag %(lag_days)s: between -365 and 365 work days"), field="lag", params={"lag_days": lag_days}
        )
    if any(d.predecessor_id == predecessor.id for d in successor.predecessors):
        raise Conflict(
            N_("%(key)s already depends on %(key2)s"), params={"key": successor.key, "key2": predecessor.key}
        )
    path = find_path(_successor_map(session, successor.production), successor.id, predecessor.id)
    if path is not None:
        keys = {t.id: t.key for t in successor.production.tasks}
        raise CycleError([keys[i] for i in path] + [successor.key])
    dep = Dependency(predecessor=predecessor, successor=successor, lag_days=lag_days)
    new_version(session, [successor, predecessor])  # one waits for the other: both read differently
    session.add(dep)
    session.flush()
    return dep


def remove_dependency(session: Session, successor: Task, predecessor: Task) -> None:
    """Drop the link successor <- predecessor."""
    match = [d for d in successor.predecessors if d.predecessor_id == predecessor.id]
    if not match:
        raise InvalidInput(
            N_("%(key)s does not depend on %(key2)s"), params={"key": successor.key, "key2": predecessor.key}
        )
    successor.predecessors.remove(match[0])
    new_version(session, [successor, predecessor])
    session.flush()


def set_dependencies(session: Session, task: Task, wanted: list[tuple[Task, int]]) -> None:
    """Make the task wait for exactly these tasks, each with its lag (the edit form's list of links).

    Links kept change their lag in place; a new link is checked for cycles like `add_dependency`.
    """
    seen: set[int] = set()
    for pred, _lag in wanted:
        if pred.id in seen:
            raise InvalidInput(
                N_("%(key)s waits for %(key2)s twice"), field="after", params={"key": task.key, "key2": pred.key}
            )
        seen.add(pred.id)
    for dep in [d for d in task.predecessors if d.predecessor_id not in seen]:
        new_version(session, [task, dep.predecessor])
        task.predecessors.remove(dep)
    session.flush()
    current = {d.predecessor_id: d for d in task.predecessors}
    for pred, lag in wanted:
        link = current.get(pred.id)
        if link is None:
            add_dependency(session, task, pred, lag)
        else:
            if not -365 <= lag <= 365:
                raise InvalidInput(
                    N_("invalid lag %(lag)s: between -365 and 365 work days"), field="lag", params={"lag": lag}
                )
            if link.lag_days != lag:
                new_version(session, [task])
            link.lag_days = lag
    session.flush()


def delete_task(session: Session, task: Task) -> None:
    """Remove a task with its links and assignments; its notes, shares and approvals go with it (items)."""
    new_version(session, [*(d.predecessor for d in task.predecessors), *(d.successor for d in task.successors)])
    session.delete(task)
    session.flush()


# --- pages and conditional writes, for the API and the pages ------------------------------------

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


def list_tasks(
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
    limit: int | None = 50,
    offset: int = 0,
    links: bool = True,
) -> Page[Task]:
    """The production's tasks, filtered and sorted by the database, a page at a time (`limit` None: all).

    Sort by a name, '-' first for descending; the total is of all the tasks matching. Without `links`
    the tasks' dependencies are not loaded with them (a board's cards do not show them).
    """
    check_page(limit, offset)
    where, order = task_filter(session, prod, department, status, assignee, language, search, only_ids, sort)
    total = int(session.scalar(select(func.count()).select_from(Task).where(*where)) or 0)
    q = (
        select(Task)
        .where(*where)
        .options(
            selectinload(Task.assignments).selectinload(TaskAssignment.person),
            *([selectinload(Task.predecessors).selectinload(Dependency.predecessor)] if links else []),
            selectinload(Task.department),
        )
        .order_by(*order)
        .limit(limit)
        .offset(offset)
    )
    return Page(total, list(session.scalars(q)))


def list_task_versions(
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
    limit: int | None = 50,
    offset: int = 0,
) -> Page[tuple[int, int]]:
    """The page `list_tasks` would give, as (id, version) pairs only: what a list's ETag is made of, read
    without loading the tasks, their people and their links."""
    check_page(limit, offset)
    where, order = task_filter(session, prod, department, status, assignee, language, search, only_ids, sort)
    total = int(session.scalar(select(func.count()).select_from(Task).where(*where)) or 0)
    q = select(Task.id, Task.version).where(*where).order_by(*order).limit(limit).offset(offset)
    return Page(total, [(int(i), int(v)) for i, v in session.execute(q)])


def check_page(limit: int | None, offset: int) -> None:
    if limit is not None and not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(
            N_("invalid limit %(limit)s: 1 to %(max_limit)s"),
            field="limit",
            params={"limit": limit, "max_limit": MAX_LIMIT},
        )
    if offset < 0:
        raise InvalidInput(N_("invalid offset %(offset)s: 0 or more"), field="offset", params={"offset": offset})


def task_filter(
    session: Session,
    prod: Production,
    department: str | None,
    status: str | None,
    assignee: str | None,
    language: str | None,
    search: str | None,
    only_ids: set[int] | None,
    sort: str,
) -> tuple[list[Any], list[Any]]:
    """The WHERE clauses and the ORDER BY of a task list."""
    desc = sort.startswith("-")
    cols = SORTS.get(sort.lstrip("-"))
    if cols is None:
        raise InvalidInput(
            N_("invalid sort %(sort)r: one of %(choices)s (prefix - to reverse)"),
            field="sort",
            params={"sort": sort, "choices": ", ".join(SORTS)},
        )
    where = [Task.production_id == prod.id]
    if department:
        where.append(Task.department_id == get_department(session, prod, department).id)
    if status:
        where.append(Task.status == parse_status(status))
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
    order = [c.desc() if desc else c.asc() for c in cols] + [Task.id.desc() if desc else Task.id.asc()]
    return where, order


@described(successors="The keys of the tasks that wait for this one.")
class TaskDetailView(TaskView):
    successors: list[str]
    notes: NotRequired[list[NoteView]]


class TaskListView(TypedDict):
    """One page of a task list: the total matching, and the tasks from `offset`."""

    total: int
    limit: int
    offset: int
    items: list[TaskView]


def task_detail(task: Task) -> TaskDetailView:
    """A task with the tasks that wait for it."""
    return {**task_dict(task), "successors": [d.successor.key for d in task.successors]}


def task_detail_with_notes(session: Session, prod: Production, task: Task) -> TaskDetailView:
    """A task with its successors and its notes (the command line's `task show`)."""
    data = task_detail(task)
    data["notes"] = [note_dict(n, {task.id: task.key}) for n in list_notes(session, prod, task)]
    return data


def update_task_checked(session: Session, task: Task, expected_version: int, **changes: Any) -> Task:
    """Change a task only if it is still at the expected version; every accepted change bumps the version.

    The version check is made twice: against the row read, and by the UPDATE itself (the ORM's
    version column), so a writer that committed in between makes this one fail with the current state.
    """
    items.check_version(task, expected_version, task_dict, what=f"task {task.key}")
    status_before = task.status
    try:
        # Touch the row first, so the version moves once, and with assignment changes too (another table).
        task.updated_at = utcnow()
        update_task(session, task, **changes)
        session.flush()
    except StaleDataError:
        session.rollback()
        fresh = session.get(Task, task.id, populate_existing=True)
        current = task_dict(fresh) if fresh is not None else None
        raise StaleWrite(
            N_("task %(key)s was changed by someone else meanwhile"),
            current,
            production_id=task.production_id,
            params={"key": task.key},
        ) from None
    from postprod.services import notifications  # the users area, only for writes that notify

    notifications.task_changed(session, task, task.status.value if task.status != status_before else None)
    return task


def move_task(
    session: Session, task: Task, expected_version: int, status: str, *, note: str = "", author: str = ""
) -> Task:
    """Move a task (at the version the mover read); reopening finished work needs a note saying why, kept on the task."""
    new = parse_status(status) if status.strip() else None
    if task.status == TaskStatus.DONE and new not in (None, TaskStatus.DONE) and not note.strip():
        raise InvalidInput(N_("say why this finished work is reopened: the note is kept on the task"), field="note")
    task = update_task_checked(session, task, expected_version, status=status)
    if note.strip():
        items.add_note(session, task.production_id, "task", task.id, note, author)
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
