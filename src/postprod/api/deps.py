"""Typed dependencies of every route: the request's session (one transaction) and who is asking."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Path, Request
from sqlalchemy.orm import Session

from postprod.errors import InvalidInput
from postprod.jobs import JobRunner
from postprod.limits import MAX_ID, has_nul
from postprod.model import ApiToken, Production, Task, User, WebSession
from postprod.services import money
from postprod.services import users as users_svc
from postprod.services.common import get_production
from postprod.services.tasks import get_task_loaded
from postprod.services.users import Forbidden, Grant, Resource, Unauthorized

SESSION_COOKIE = "postprod_session"
CSRF_COOKIE = "postprod_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


# An ID in a path: what either database can hold (a larger one is a 422 naming it, not a database error).
Id = Annotated[int, Path(ge=1, le=MAX_ID)]


def storable_params(request: Request) -> None:
    """Every route's first check: no NUL character in a path or query parameter (PostgreSQL refuses it in text)."""
    for name, value in [*request.path_params.items(), *request.query_params.multi_items()]:
        if has_nul(name) or has_nul(value):
            field = name.replace("\x00", "")
            raise InvalidInput(f"invalid {field}: text may not contain a NUL character", field=field)


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request: committed when the route returns, rolled back on any error."""
    session: Session = request.app.state.session_factory()
    session.info["actor"] = "anonymous"
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


# scope="function": the commit runs before the response is sent, so a failed commit is never a 200.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


@dataclass
class Principal:
    """The signed-in user, their grants, and the web session or API token they came with."""

    user: User
    grants: list[Grant]
    web_session: WebSession | None = None
    api_token: ApiToken | None = None

    def can(self, action: str, resource: Resource) -> bool:
        return users_svc.can(self.grants, action, resource)

    def require(self, action: str, resource: Resource) -> None:
        """Refuse with 403 unless the action is allowed on the resource."""
        if not self.can(action, resource):
            raise Forbidden(f"{self.user.username} may not do {action} here (role)")

    def require_production(self, action: str, prod: Production) -> None:
        self.require(action, Resource(prod.id))

    def sees_money(self, production_id: int | None) -> bool:
        """Whether money of the production may reach this user (the budget right)."""
        return money.visible(self.grants, production_id)

    def gate(self, production_id: int | None, value: Any) -> Any:
        """What may leave for this user: the value without money unless they hold the budget right."""
        return money.gate(self.grants, production_id, value)

    @property
    def is_client_only(self) -> bool:
        return any(g.role == "client" for g in self.grants)


def authenticate_request(request: Request, session: Session, *, csrf_token: str | None = None) -> Principal:
    """Who is asking: a Bearer token, or a session cookie (with its CSRF token on unsafe methods)."""
    auth = request.headers.get("authorization", "")
    ws: WebSession | None = None
    token: ApiToken | None = None
    if auth:
        scheme, _, value = auth.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise Unauthorized("use an Authorization: Bearer <token> header")
        token = users_svc.token_for_text(session, value.strip())
        user = token.user
    else:
        cookie = request.cookies.get(SESSION_COOKIE)
        if not cookie:
            raise Unauthorized("not signed in: log in or send an API token")
        ws = users_svc.session_for_cookie(session, cookie)
        if request.method not in SAFE_METHODS:
            sent = csrf_token or request.headers.get(CSRF_HEADER)
            if not users_svc.csrf_matches(ws, sent):
                raise Forbidden(f"missing or wrong CSRF token (send the {CSRF_HEADER} header)", field="csrf")
        user = ws.user
    session.info["actor"] = user.username
    return Principal(user=user, grants=users_svc.grants_of(user), web_session=ws, api_token=token)


def current_principal(request: Request, session: SessionDep) -> Principal:
    principal = authenticate_request(request, session)
    request.state.principal = principal  # for the error handlers: a stale write's current state passes its gate
    return principal


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def client_address(request: Request) -> str | None:
    """The client's address as the server sees it (behind a proxy: as Uvicorn's --forwarded-allow-ips allows)."""
    return request.client.host if request.client else None


def load_production(session: Session, production_id: int) -> Production:
    """A production by its ID in the path."""
    return get_production(session, int(production_id))


def task_resource(session: Session, task: Task, principal: Principal) -> Resource:
    """The permission view of a task: its production, department, assignees, and shared flag for clients."""
    from postprod.services import review

    shared = principal.is_client_only and review.is_shared(session, task.production_id, "task", task.id)
    return Resource(
        task.production_id,
        department=task.department.code,
        assignee_ids=frozenset(a.person_id for a in task.assignments),
        shared=shared,
    )


def load_task(session: Session, prod: Production | int, ref: str) -> Task:
    """A task of the production (or production ID) by key or ID, its view's relations loaded eagerly."""
    return get_task_loaded(session, prod if isinstance(prod, int) else prod.id, ref)


def get_jobs(request: Request) -> JobRunner:
    """The app's job runner."""
    runner: JobRunner = request.app.state.jobs
    return runner


JobsDep = Annotated[JobRunner, Depends(get_jobs)]
