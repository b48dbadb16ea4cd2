"""Tasks read as columns, for the API's reads: one task, a page, the whole list in batches.

Each reads exactly the fields a task's view shows (`common.TaskView`, the same JSON as `task_dict`)
with a Core select, and the assignees and dependencies of all the tasks read in one more query, not
one per task: no ORM objects are built, which made most of a read's time.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, func, literal_column, select, union_all
from sqlalchemy.orm import Session, aliased

from postprod.limits import as_id
from postprod.model import Department, Dependency, Person, Production, Task, TaskAssignment
from postprod.model.audit import jsonable
from postprod.services.common import Page, TaskView, get_production, get_task
from postprod.services.tasks import TaskDetailView, check_page, task_filter

# The columns of a task's view, in the order `_view` reads them.
_FIELDS = (
    Task.id,
    Task.key,
    Task.name,
    Department.code,
    Task.status,
    Task.estimate_days,
    Task.required_skills,
    Task.room_kind,
    Task.language,
    Task.priority,
    Task.progress,
    Task.due_date,
    Task.planned_start,
    Task.planned_finish,
    Task.actual_start,
    Task.actual_finish,
    Task.description,
    Task.version,
)
# How many tasks a batch of the whole list holds (rows fetched from the cursor at a time, and the IDs
# their assignees and dependencies are read for).
BATCH = 1000


def _select() -> Any:
    return select(*_FIELDS).join(Department, Department.id == Task.department_id)


def _iso(day: Any) -> str | None:
    return day.isoformat() if day is not None else None


def _view(row: Sequence[Any]) -> TaskView:
    """A task's view from its columns; its assignees and dependencies are filled by `_links`."""
    (tid, key, name, dept, status, est, skills, room, lang, prio, prog, due, ps, pf, ast, af, desc, ver) = row
    return {
        "id": tid,
        "key": key,
        "name": name,
        "department": dept,
        "status": status.value,
        "estimate_days": jsonable(est),
        "required_skills": list(skills or ()),
        "room_kind": room.value if room is not None else None,
        "language": lang,
        "priority": prio,
        "progress": prog,
        "assignees": [],
        "depends_on": [],
        "due_date": _iso(due),
        "planned_start": _iso(ps),
        "planned_finish": _iso(pf),
        "actual_start": _iso(ast),
        "actual_finish": _iso(af),
        "description": desc,
        "version": ver,
    }


def _links_select(ids: Any, *, successors: bool = False) -> Any:
    """The assignees ("a": task, name, person ID), dependencies ("d": task, predecessor's key, lag) and,
    when asked, successors ("s": task, successor's key) of the tasks `ids`, in one query, each kind in the
    order the ORM's relations give (by the link's ID)."""
    other = aliased(Task)
    parts: list[Any] = [
        select(
            literal_column("'a'").label("kind"),
            TaskAssignment.task_id,
            Person.name,
            TaskAssignment.person_id,
            TaskAssignment.id,
        )
        .join(Person, Person.id == TaskAssignment.person_id)
        .where(TaskAssignment.task_id.in_(ids)),
        select(literal_column("'d'"), Dependency.successor_id, other.key, Dependency.lag_days, Dependency.id)
        .join(other, other.id == Dependency.predecessor_id)
        .where(Dependency.successor_id.in_(ids)),
    ]
    if successors:
        parts.append(
            select(literal_column("'s'"), Dependency.predecessor_id, other.key, literal_column("0"), Dependency.id)
            .join(other, other.id == Dependency.successor_id)
            .where(Dependency.predecessor_id.in_(ids))
        )
    return union_all(*parts).order_by(literal_column("kind"), literal_column("5"))


# One task's statements, built once (building a select costs more than running it from the cache).
_IDS: Any = bindparam("ids", expanding=True)
_LINKS_OF_PAGE = _links_select(_IDS)
_LINKS_OF_ONE = _links_select(_IDS, successors=True)
_IN_PROD = Task.production_id == bindparam("pid")
_BY_KEY = _select().where(_IN_PROD, Task.key == bindparam("key"))  # the unique index: keys are kept in capitals
_BY_ANY_CASE = _select().where(_IN_PROD, func.upper(Task.key) == bindparam("key"))
_BY_ID = _select().where(_IN_PROD, Task.id == bindparam("id"))


def _links(session: Session, ids: list[int], *, successors: bool = False) -> list[Any]:
    if not ids:
        return []
    return list(session.execute(_LINKS_OF_ONE if successors else _LINKS_OF_PAGE, {"ids": ids}))


def _with_links(session: Session, views: list[TaskView]) -> list[TaskView]:
    by_id = {v["id"]: v for v in views}
    for kind, tid, text, number, _ in _links(session, list(by_id)):
        if kind == "a":
            by_id[tid]["assignees"].append(text)
        else:
            by_id[tid]["depends_on"].append({"task": text, "lag_days": number})
    return views


def task_views(
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
) -> Page[TaskView]:
    """The page `tasks.list_tasks` gives (same filters, sort and total), as views read from columns:
    three queries whatever the page's size (the total, the tasks, their links)."""
    check_page(limit, offset)
    where, order = task_filter(session, prod, department, status, assignee, language, search, only_ids, sort)
    total = int(session.scalar(select(func.count()).select_from(Task).where(*where)) or 0)
    rows = session.execute(_select().where(*where).order_by(*order).limit(limit).offset(offset))
    return Page(total, _with_links(session, [_view(r) for r in rows]))


def iter_task_views(
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
) -> Iterator[list[TaskView]]:
    """Every task `task_views` would list, in its order, a batch of `BATCH` at a time: the rows come from a
    server-side cursor (PostgreSQL), so the whole list is never held at once. The filters are checked
    now, before the first batch is asked for."""
    where, order = task_filter(session, prod, department, status, assignee, language, search, only_ids, sort)

    def batches() -> Iterator[list[TaskView]]:
        result = session.execute(_select().where(*where).order_by(*order), execution_options={"yield_per": BATCH})
        for rows in result.partitions():
            yield _with_links(session, [_view(r) for r in rows])

    return batches()


@dataclass(frozen=True)
class TaskRead:
    """One task's detail view, and what its permission check needs (`principal.task_resource_of`)."""

    view: TaskDetailView
    production_id: int
    assignee_ids: frozenset[int]


def task_detail_view(session: Session, production_id: int, ref: str) -> TaskRead:
    """A task by key or ID, as `tasks.task_detail` shows it, read in two queries (the task, its links).

    The production is only loaded when the task is not found, to name it in the error.
    """
    text = str(ref).strip()
    key = {"pid": production_id, "key": text.upper()}
    row = session.execute(_BY_KEY, key).first() or session.execute(_BY_ANY_CASE, key).first()
    if row is None and (ident := as_id(text)) is not None:
        row = session.execute(_BY_ID, {"pid": production_id, "id": ident}).first()
    if row is None:  # NotFound naming the production; or the task, if it has just been added
        found = get_task(session, get_production(session, production_id), text)
        row = session.execute(_BY_ID, {"pid": production_id, "id": found.id}).one()
    view: TaskDetailView = {**_view(row), "successors": []}
    people: set[int] = set()
    for kind, _tid, key, number, _ in _links(session, [view["id"]], successors=True):
        if kind == "a":
            view["assignees"].append(key)
            people.add(number)
        elif kind == "d":
            view["depends_on"].append({"task": key, "lag_days": number})
        else:
            view["successors"].append(key)
    return TaskRead(view, production_id, frozenset(people))
