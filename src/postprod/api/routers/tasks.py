"""Tasks: pages with filters and sorting, read with an ETag, conditional updates, dependencies."""

from __future__ import annotations

from fastapi import APIRouter, Header, Query, Response

from postprod.api.deps import load_production, load_task
from postprod.api.schemas import DependencyIn, TaskIn, TaskPatch
from postprod.errors import N_
from postprod.http_deps import Id, PrincipalDep, SessionDep
from postprod.services import items, review
from postprod.services import tasks as svc
from postprod.services.common import get_department, task_dict
from postprod.services.principal import task_resource
from postprod.services.tasks import TaskDetailView, TaskListView, update_task_checked
from postprod.services.users import Forbidden, Resource

router = APIRouter(tags=["tasks"])


def _etag(version: int) -> str:
    return f'"{version}"'


@router.get("/productions/{production_id}/tasks", response_model=TaskListView)
def list_tasks(
    production_id: Id,
    principal: PrincipalDep,
    session: SessionDep,
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
) -> TaskListView:
    """A page of the production's tasks, filtered and sorted; clients see only what is shared with them."""
    prod = load_production(session, production_id)
    only: set[int] | None = None
    if not principal.can("task.read", Resource(prod.id)):
        if not principal.can("task.read", Resource(prod.id, shared=True)):
            raise Forbidden(N_("%(username)s may not read tasks here"), params={"username": principal.user.username})
        only = review.shared_ids(session, prod.id, "task")
    page = svc.list_tasks(
        session,
        prod,
        department=department,
        status=status,
        assignee=assignee,
        language=language,
        search=q,
        only_ids=only,
        sort=sort,
        limit=limit,
        offset=offset,
    )
    return {"total": page.total, "limit": limit, "offset": offset, "items": [task_dict(t) for t in page.items]}


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


@router.get("/productions/{production_id}/tasks/{task_ref}", response_model=TaskDetailView)
def get_task(
    production_id: Id, task_ref: str, principal: PrincipalDep, session: SessionDep, response: Response
) -> TaskDetailView:
    """One task; its ETag is its version, to send back as If-Match when changing it."""
    task = load_task(session, production_id, task_ref)
    principal.require("task.read", task_resource(session, task, principal))
    response.headers["ETag"] = _etag(task.version)
    return svc.task_detail(task)


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
