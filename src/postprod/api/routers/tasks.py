"""Tasks: pages with filters and sorting, read with an ETag (304 when unchanged), conditional updates, dependencies."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import StreamingResponse
from pydantic_core import to_json
from sqlalchemy.orm import Session

from postprod.api.deps import load_production, load_task
from postprod.api.schemas import DependencyIn, TaskIn, TaskPatch
from postprod.errors import N_
from postprod.http_deps import Id, PrincipalDep, SessionDep
from postprod.model import Production
from postprod.services import items, review, task_reads
from postprod.services import tasks as svc
from postprod.services.common import TaskView, get_department
from postprod.services.principal import task_resource, task_resource_of
from postprod.services.tasks import TaskDetailView, TaskListView, update_task_checked
from postprod.services.users import Forbidden, Resource

router = APIRouter(tags=["tasks"])


NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified: If-None-Match holds the current ETag (no body)"}
}
IfNoneMatch = Header(None, max_length=2000, description="ETags read before: 304 if the answer is still one of them")


def _etag(version: int) -> str:
    return f'"{version}"'


def _list_etag(pairs: list[tuple[int, int]], total: int, limit: int, offset: int) -> str:
    """A page's weak ETag: the tasks it holds, in order, each at its version (a task's version moves with
    anything its item shows, services/common.new_version), and the total matching."""
    digest = hashlib.blake2b(repr((total, limit, offset, pairs)).encode(), digest_size=12).hexdigest()
    return f'W/"{digest}"'


def _matches(if_none_match: str | None, etag: str) -> bool:
    """If-None-Match's weak comparison: one of the listed ETags (W/ or not), or *."""
    if not if_none_match:
        return False
    opaque = etag.removeprefix("W/")
    return any(t.strip() == "*" or t.strip().removeprefix("W/") == opaque for t in if_none_match.split(","))


def _not_modified(etag: str) -> Response:
    return Response(status_code=304, headers={"ETag": etag})


def _json(data: Any, etag: str) -> Response:
    """A view already shaped as its response model says, serialized as it is (no second validation)."""
    return Response(to_json(data), media_type="application/json", headers={"ETag": etag})


def _json_array(batches: Iterator[list[TaskView]], session: Session) -> Iterator[bytes]:
    """One JSON array written batch after batch; the session the rows come from is closed at the end."""
    try:
        yield b"["
        sep = b""
        for batch in batches:
            if batch:
                yield sep + to_json(batch)[1:-1]
                sep = b","
        yield b"]"
    finally:
        session.close()


@router.get("/productions/{production_id}/tasks", response_model=TaskListView, responses=NOT_MODIFIED)
def list_tasks(
    production_id: Id,
    principal: PrincipalDep,
    session: SessionDep,
    request: Request,
    department: str | None = Query(None, max_length=120),
    status: str | None = Query(None, max_length=32),
    assignee: str | None = Query(None, max_length=120),
    language: str | None = Query(None, max_length=16),
    q: str | None = Query(None, max_length=200, description="Text in the key or name"),
    sort: str = Query(
        "position",
        max_length=32,
        description="position, key, name, status, priority, progress, due, estimate, updated; '-' reverses",
    ),
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=10_000_000),
    all: bool = Query(
        False,
        description="Every matching task at once, as one JSON array of the pages' items, streamed "
        "(limit, offset and ETags do not apply)",
    ),
    if_none_match: str | None = IfNoneMatch,
) -> TaskListView | Response:
    """A page of the production's tasks, filtered and sorted; clients see only what is shared with them.

    Its weak ETag changes when a task of the page changes, or the page's tasks or total do: sent back in
    If-None-Match, it gives 304 without the tasks being read. With all=true, the whole list instead, read
    from the database in batches as it is sent."""
    prod = load_production(session, production_id)
    only: set[int] | None = None
    if not principal.can("task.read", Resource(prod.id)):
        if not principal.can("task.read", Resource(prod.id, shared=True)):
            raise Forbidden(N_("%(username)s may not read tasks here"), params={"username": principal.user.username})
        only = review.shared_ids(session, prod.id, "task")
    query: dict[str, Any] = {
        "department": department,
        "status": status,
        "assignee": assignee,
        "language": language,
        "search": q,
        "only_ids": only,
        "sort": sort,
    }
    if all:
        # The rows are read while the response is sent, after this request's session has ended: a session
        # of their own, the filters checked here (a refusal is still a 4xx, not a broken 200).
        stream = request.app.state.session_factory()
        try:
            batches = task_reads.iter_task_views(stream, stream.get(Production, prod.id), **query)
        except BaseException:
            stream.close()
            raise
        return StreamingResponse(_json_array(batches, stream), media_type="application/json")
    query |= {"limit": limit, "offset": offset}
    if if_none_match:
        versions = svc.list_task_versions(session, prod, **query)
        etag = _list_etag(versions.items, versions.total, limit, offset)
        if _matches(if_none_match, etag):
            return _not_modified(etag)
    page = task_reads.task_views(session, prod, **query)
    etag = _list_etag([(t["id"], t["version"]) for t in page.items], page.total, limit, offset)
    return _json({"total": page.total, "limit": limit, "offset": offset, "items": page.items}, etag)


@router.post("/productions/{production_id}/tasks", response_model=TaskDetailView, status_code=201)
def create_task(
    production_id: Id, body: TaskIn, principal: PrincipalDep, session: SessionDep, response: Response
) -> TaskDetailView:
    """Add a task (and the tasks it waits for)."""
    prod = load_production(session, production_id)
    dept = get_department(session, prod, body.department)
    principal.require("task.create", Resource(prod.id, department=dept.code))
    task = svc.create_task(
        session,
        prod,
        key=body.key,
        name=body.name,
        department=dept.code,
        estimate_days=body.estimate_days,
        skills=body.skills,
        room_kind=body.room_kind,
        priority=body.priority,
        description=body.description,
        language=body.language,
        due=body.due,
    )
    for pred in body.after:
        svc.add_dependency(session, task, load_task(session, prod, pred))
    response.headers["ETag"] = _etag(task.version)
    return svc.task_detail(task)


@router.get("/productions/{production_id}/tasks/{task_ref}", response_model=TaskDetailView, responses=NOT_MODIFIED)
def get_task(
    production_id: Id,
    task_ref: str,
    principal: PrincipalDep,
    session: SessionDep,
    if_none_match: str | None = IfNoneMatch,
) -> TaskDetailView | Response:
    """One task; its ETag is its version, to send back as If-Match when changing it, or as If-None-Match
    to get 304 while it has not changed."""
    read = task_reads.task_detail_view(session, production_id, task_ref)
    view = read.view
    resource = task_resource_of(session, principal, production_id, view["id"], view["department"], read.assignee_ids)
    principal.require("task.read", resource)
    etag = _etag(view["version"])
    if _matches(if_none_match, etag):
        return _not_modified(etag)
    return _json(view, etag)


@router.patch(
    "/productions/{production_id}/tasks/{task_ref}",
    response_model=TaskDetailView,
    responses={409: {"description": "Stale version: the body's `current` is the task as it is now"}},
)
def update_task(
    production_id: Id,
    task_ref: str,
    body: TaskPatch,
    principal: PrincipalDep,
    session: SessionDep,
    response: Response,
    if_match: str | None = Header(None, max_length=40),
) -> TaskDetailView:
    """Change a task if it is still at the version read (If-Match or `version`); else 409 with its current state."""
    prod = load_production(session, production_id)
    task = load_task(session, prod, task_ref)
    expected = items.expected_version(if_match, body.version, "task")
    changes = body.model_dump(exclude={"version"}, exclude_defaults=True)
    action = "task.progress" if set(changes) <= {"status", "progress"} else "task.update"
    principal.require(action, task_resource(session, task, principal))
    task = update_task_checked(session, task, expected, **changes)
    response.headers["ETag"] = _etag(task.version)
    return svc.task_detail(task)


@router.delete("/productions/{production_id}/tasks/{task_ref}", status_code=204)
def delete_task(production_id: Id, task_ref: str, principal: PrincipalDep, session: SessionDep) -> Response:
    """Delete a task with its dependencies, assignments and notes."""
    prod = load_production(session, production_id)
    task = load_task(session, prod, task_ref)
    principal.require("task.delete", task_resource(session, task, principal))
    svc.delete_task(session, task)
    return Response(status_code=204)


@router.post(
    "/productions/{production_id}/tasks/{task_ref}/dependencies", response_model=TaskDetailView, status_code=201
)
def add_dependency(
    production_id: Id, task_ref: str, body: DependencyIn, principal: PrincipalDep, session: SessionDep
) -> TaskDetailView:
    """Make the task wait for another (finish-to-start, lag in work days); a cycle is refused and named."""
    prod = load_production(session, production_id)
    task = load_task(session, prod, task_ref)
    principal.require("dependency.edit", task_resource(session, task, principal))
    svc.add_dependency(session, task, load_task(session, prod, body.on), body.lag_days)
    return svc.task_detail(task)


@router.delete("/productions/{production_id}/tasks/{task_ref}/dependencies/{on}", status_code=204)
def remove_dependency(
    production_id: Id, task_ref: str, on: str, principal: PrincipalDep, session: SessionDep
) -> Response:
    """The task no longer waits for `on`."""
    prod = load_production(session, production_id)
    task = load_task(session, prod, task_ref)
    principal.require("dependency.edit", task_resource(session, task, principal))
    svc.remove_dependency(session, task, load_task(session, prod, on))
    return Response(status_code=204)
