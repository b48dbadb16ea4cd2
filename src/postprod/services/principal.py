"""Who is asking, whatever the client: the signed-in user with their grants, found from a bearer token
or a session cookie (with its CSRF token on writes). HTTP frameworks hand in the header and cookie
values (`postprod.http_deps` for FastAPI); nothing here knows a request object."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy.orm import Session

from postprod.errors import N_
from postprod.model import ApiToken, Production, Task, User, WebSession
from postprod.services import money, review
from postprod.services import users as users_svc
from postprod.services.users import Forbidden, Grant, Resource, Unauthorized

# HTTP methods that change nothing: they need no CSRF token.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Where the CSRF token of a session travels when it is not a form field.
CSRF_HEADER = "X-CSRF-Token"


T = TypeVar("T")


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
            raise Forbidden(
                N_("%(username)s may not do %(action)s here (role)"),
                params={"username": self.user.username, "action": action},
            )

    def require_production(self, action: str, prod: Production) -> None:
        self.require(action, Resource(prod.id))

    def sees_money(self, production_id: int | None) -> bool:
        """Whether money of the production may reach this user (the budget right)."""
        return money.visible(self.grants, production_id)

    def gate(self, production_id: int | None, value: T) -> T:
        """What may leave for this user: the value without money unless they hold the budget right."""
        return money.gate(self.grants, production_id, value)

    @property
    def is_client_only(self) -> bool:
        return any(g.role == "client" for g in self.grants)


def authenticate(
    session: Session,
    *,
    authorization: str,
    session_cookie: str | None,
    method: str,
    csrf_token: str | None,
) -> Principal:
    """Who is asking: a Bearer token (the Authorization header's value), else a session cookie whose
    CSRF token must match on an unsafe method. Marks the session's actor for the audit trail."""
    ws: WebSession | None = None
    token: ApiToken | None = None
    if authorization:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise Unauthorized("use an Authorization: Bearer <token> header")
        token = users_svc.token_for_text(session, value.strip())
        user = token.user
    else:
        if not session_cookie:
            raise Unauthorized("not signed in: log in or send an API token")
        ws = users_svc.session_for_cookie(session, session_cookie)
        if method not in SAFE_METHODS and not users_svc.csrf_matches(ws, csrf_token):
            raise Forbidden(
                N_("missing or wrong CSRF token (send the %(csrf_header)s header)"),
                field="csrf",
                params={"csrf_header": CSRF_HEADER},
            )
        user = ws.user
    session.info["actor"] = user.username
    return Principal(user=user, grants=users_svc.grants_of(user), web_session=ws, api_token=token)


def task_resource(session: Session, task: Task, principal: Principal) -> Resource:
    """The permission view of a task: its production, department, assignees, and shared flag for clients."""
    assignees = frozenset(a.person_id for a in task.assignments)
    return task_resource_of(session, principal, task.production_id, task.id, task.department.code, assignees)


def task_resource_of(
    session: Session, principal: Principal, production_id: int, task_id: int, department: str, assignees: frozenset[int]
) -> Resource:
    """`task_resource` from a task's columns (a task read without its ORM object: services/task_reads)."""
    shared = principal.is_client_only and review.is_shared(session, production_id, "task", task_id)
    return Resource(production_id, department=department, assignee_ids=assignees, shared=shared)
