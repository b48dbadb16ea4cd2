"""Who is asking, whatever the client: the signed-in user with their grants, found from a bearer token
or a session cookie (with its CSRF token on writes). HTTP frameworks hand in the header and cookie
values (`postprod.http_deps` for FastAPI); nothing here knows a request object.

A credential is read in one query (the token or session, its user and their memberships, as columns) and
kept in this process for `CACHE_SECONDS`: a request then needs no query at all to know who asks. Any
change to a token, a session, a user or a membership written through this process forgets every kept
credential at once (sign-out, revoking, a role given or taken, an account disabled). Another server
process only learns of it when its copy runs out: there a revoked token or a removed role still works
for at most CACHE_SECONDS.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import delete, event, select, update
from sqlalchemy.orm import ORMExecuteState, Session

from postprod.errors import N_
from postprod.model import ApiToken, Membership, Production, Task, User, WebSession
from postprod.model.base import utcnow
from postprod.services import money, review
from postprod.services import users as users_svc
from postprod.services.users import Forbidden, Grant, Resource, Unauthorized

# HTTP methods that change nothing: they need no CSRF token.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Where the CSRF token of a session travels when it is not a form field.
CSRF_HEADER = "X-CSRF-Token"
# How long a credential read is kept in a process, and how many are kept at most.
CACHE_SECONDS = 3.0
CACHE_SIZE = 2048


T = TypeVar("T")


@dataclass(frozen=True)
class Credential:
    """What a bearer token or a session cookie stands for, as plain data (kept between requests)."""

    user_id: int
    username: str
    grants: tuple[Grant, ...]
    token_id: int | None = None
    session_id: int | None = None
    csrf_token: str = ""
    expires_at: datetime | None = None


@dataclass
class Principal:
    """The signed-in user, their grants, and the web session or API token they came with.

    The ORM objects (`user`, `web_session`, `api_token`) are read from the request's session when first
    asked for; the permission checks need none of them."""

    session: Session
    credential: Credential
    _loaded: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def grants(self) -> list[Grant]:
        return list(self.credential.grants)

    def _load(self, kind: type[Any], ident: int | None) -> Any:
        if ident is None:
            return None
        name = kind.__name__
        if name not in self._loaded:
            self._loaded[name] = self.session.get(kind, ident)
        return self._loaded[name]

    @property
    def user(self) -> User:
        user: User | None = self._load(User, self.credential.user_id)
        if user is None:
            raise Unauthorized("this account no longer exists")
        return user

    @property
    def web_session(self) -> WebSession | None:
        ws: WebSession | None = self._load(WebSession, self.credential.session_id)
        return ws

    @property
    def api_token(self) -> ApiToken | None:
        token: ApiToken | None = self._load(ApiToken, self.credential.token_id)
        return token

    def can(self, action: str, resource: Resource) -> bool:
        return users_svc.can(self.credential.grants, action, resource)

    def require(self, action: str, resource: Resource) -> None:
        """Refuse with 403 unless the action is allowed on the resource."""
        if not self.can(action, resource):
            raise Forbidden(
                N_("%(username)s may not do %(action)s here (role)"),
                params={"username": self.credential.username, "action": action},
            )

    def require_production(self, action: str, prod: Production) -> None:
        self.require(action, Resource(prod.id))

    def sees_money(self, production_id: int | None) -> bool:
        """Whether money of the production may reach this user (the budget right)."""
        return money.visible(self.credential.grants, production_id)

    def gate(self, production_id: int | None, value: T) -> T:
        """What may leave for this user: the value without money unless they hold the budget right."""
        return money.gate(self.credential.grants, production_id, value)

    @property
    def is_client_only(self) -> bool:
        return any(g.role == "client" for g in self.credential.grants)


# --- reading a credential: one query ---------------------------------------------------------------

_USER_COLUMNS = (
    User.id.label("user_id"),
    User.username,
    User.is_admin,
    User.active,
    Membership.role,
    Membership.production_id,
    Membership.department_code,
    Membership.person_id,
)
_TOKEN = (
    select(ApiToken.id, ApiToken.expires_at, ApiToken.last_used_at, *_USER_COLUMNS)
    .join(User, User.id == ApiToken.user_id)
    .outerjoin(Membership, Membership.user_id == User.id)
    .order_by(Membership.id)
)
_SESSION = (
    select(WebSession.id, WebSession.expires_at, WebSession.last_seen_at, WebSession.csrf_token, *_USER_COLUMNS)
    .join(User, User.id == WebSession.user_id)
    .outerjoin(Membership, Membership.user_id == User.id)
    .order_by(Membership.id)
)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _aware(value: datetime) -> datetime:
    """SQLite gives naive datetimes back; they were stored in UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _grants(rows: list[Any]) -> tuple[Grant, ...]:
    """The grants of a user from their rows (`users.grants_of` from columns)."""
    first = rows[0]
    out = [Grant("admin", None)] if first.is_admin else []
    out.extend(Grant(r.role.value, r.production_id, r.department_code or "", r.person_id) for r in rows if r.role)
    return tuple(out)


def _token_credential(session: Session, text: str) -> Credential:
    """The live token of this bearer text, its user active, as a credential; notes its last use (at most
    once a minute)."""
    rows = list(session.execute(_TOKEN.where(ApiToken.token_hash == _sha256(text))))
    now = utcnow()
    if not rows or (rows[0].expires_at is not None and _aware(rows[0].expires_at) < now):
        raise Unauthorized("invalid or expired API token")
    row = rows[0]
    if not row.active:
        raise Unauthorized("this account is disabled")
    if row.last_used_at is None or now - _aware(row.last_used_at) > users_svc.LAST_USED_RESOLUTION:
        touch = update(ApiToken).where(ApiToken.id == row[0]).values(last_used_at=now)
        session.execute(touch, execution_options={"credential_touch": True})
    expires = _aware(row.expires_at) if row.expires_at is not None else None
    return Credential(row.user_id, row.username, _grants(rows), token_id=row[0], expires_at=expires)


def _session_credential(session: Session, cookie: str) -> Credential:
    """The live web session of this cookie value as a credential (an expired one is deleted)."""
    rows = list(session.execute(_SESSION.where(WebSession.session_hash == _sha256(cookie))))
    now = utcnow()
    if not rows:
        raise Unauthorized("not signed in")
    row = rows[0]
    if _aware(row.expires_at) < now or not row.active:
        session.execute(delete(WebSession).where(WebSession.id == row[0]))
        raise Unauthorized("session expired: sign in again")
    if now - _aware(row.last_seen_at) > users_svc.LAST_USED_RESOLUTION:
        touch = update(WebSession).where(WebSession.id == row[0]).values(last_seen_at=now)
        session.execute(touch, execution_options={"credential_touch": True})
    expires = _aware(row.expires_at)
    return Credential(
        row.user_id, row.username, _grants(rows), session_id=row[0], csrf_token=row.csrf_token, expires_at=expires
    )


# --- the credentials kept in this process ----------------------------------------------------------

_kept: dict[tuple[Any, str], tuple[float, Credential]] = {}
_kept_lock = threading.Lock()


def forget_credentials() -> None:
    """Forget every credential kept in this process: the next request of each reads its own again."""
    with _kept_lock:
        _kept.clear()


def _credential(session: Session, kind: str, secret: str) -> Credential:
    """The credential of a token ("bearer") or session cookie ("cookie"), kept for CACHE_SECONDS."""
    key = (session.get_bind().engine.url, kind + ":" + _sha256(secret))  # per database: tests switch between them
    now = time.monotonic()
    with _kept_lock:
        hit = _kept.get(key)
    if hit is not None and hit[0] > now and (hit[1].expires_at is None or hit[1].expires_at > utcnow()):
        return hit[1]
    cred = _token_credential(session, secret) if kind == "bearer" else _session_credential(session, secret)
    with _kept_lock:
        if len(_kept) >= CACHE_SIZE:
            for old in [k for k, (until, _) in _kept.items() if until <= now] or list(_kept)[: CACHE_SIZE // 4]:
                del _kept[old]
        _kept[key] = (now + CACHE_SECONDS, cred)
    return cred


_CREDENTIAL_TYPES = (ApiToken, WebSession, User, Membership)
_CREDENTIAL_TABLES = frozenset(t.__tablename__ for t in _CREDENTIAL_TYPES)


@event.listens_for(Session, "after_flush")
def _credentials_written(session: Session, _context: Any) -> None:
    """A token, session, user or membership written: every kept credential is forgotten now, and again
    when the transaction commits (a request reading in between kept what was then still committed)."""
    if any(isinstance(obj, _CREDENTIAL_TYPES) for obj in (*session.new, *session.dirty, *session.deleted)):
        session.info["credentials_changed"] = True
        forget_credentials()


@event.listens_for(Session, "do_orm_execute")
def _credentials_bulk_written(state: ORMExecuteState) -> None:
    """The same for an UPDATE or DELETE statement on those tables (revoking every credential of a user)."""
    if (state.is_update or state.is_delete) and not state.execution_options.get("credential_touch"):
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in _CREDENTIAL_TABLES:
            state.session.info["credentials_changed"] = True
            forget_credentials()


@event.listens_for(Session, "after_commit")
def _credentials_committed(session: Session) -> None:
    if session.info.pop("credentials_changed", False):
        forget_credentials()


@event.listens_for(Session, "after_rollback")
def _credentials_rolled_back(session: Session) -> None:
    session.info.pop("credentials_changed", None)


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
    if authorization:
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise Unauthorized("use an Authorization: Bearer <token> header")
        cred = _credential(session, "bearer", value.strip())
    else:
        if not session_cookie:
            raise Unauthorized("not signed in: log in or send an API token")
        cred = _credential(session, "cookie", session_cookie)
        if method not in SAFE_METHODS and not (csrf_token and hmac.compare_digest(cred.csrf_token, str(csrf_token))):
            raise Forbidden(
                N_("missing or wrong CSRF token (send the %(csrf_header)s header)"),
                field="csrf",
                params={"csrf_header": CSRF_HEADER},
            )
    session.info["actor"] = cred.username
    return Principal(session, cred)


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
