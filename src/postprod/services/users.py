"""Users, passwords (argon2), API tokens, web sessions, memberships and the role x action table."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, joinedload
from typing_extensions import TypedDict

from postprod.db import acting_as
from postprod.errors import N_, Conflict, InvalidInput, NotFound, PostprodError
from postprod.limits import as_id
from postprod.model import ApiToken, CalendarFeed, Membership, Person, Production, Role, User, WebSession
from postprod.model.base import utcnow
from postprod.services.common import described, get_department, get_person
from postprod.services.passwords import hash_password, needs_rehash, verify_password


class Unauthorized(PostprodError):
    """No valid credentials (missing or wrong token, expired session, wrong password)."""

    http_status = 401


class Forbidden(PostprodError):
    """Signed in, but this role may not do this here."""

    http_status = 403


_USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
LANGUAGES = ("en", "fr")
SESSION_DAYS = 14
# A token's last use is written at most this often, so reads do not turn into writes.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _aware(value: datetime) -> datetime:
    """SQLite gives naive datetimes back; they were stored in UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


# --- users -----------------------------------------------------------------------------------


def _check_password(password: str) -> None:
    if len(password) < 8:
        raise InvalidInput("password too short: at least 8 characters", field="password")
    if len(password) > 1024:
        raise InvalidInput("password too long: at most 1024 characters", field="password")


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    display_name: str = "",
    language: str = "en",
    is_admin: bool = False,
) -> User:
    """Add a user; the username is lower-case letters, digits, dot, dash, underscore."""
    username = username.strip().lower()
    if not _USERNAME_RE.match(username):
        raise InvalidInput(
            N_("invalid username %(username)r: 2 to 64 of a-z, 0-9, '.', '-', '_', starting with a letter or digit"),
            field="username",
            params={"username": username},
        )
    if session.scalars(select(User).where(User.username == username)).first():
        raise Conflict(N_("a user named %(username)r already exists"), field="username", params={"username": username})
    _check_password(password)
    user = User(
        username=username,
        display_name=display_name.strip(),
        password_hash=hash_password(password),
        language=_language(language),
        is_admin=is_admin,
        active=True,
    )
    session.add(user)
    session.flush()
    return user


def _language(value: str) -> str:
    lang = value.strip().lower()
    if lang not in LANGUAGES:
        raise InvalidInput(
            N_("invalid language %(value)r: one of %(languages)s"),
            field="language",
            params={"value": value, "languages": ", ".join(LANGUAGES)},
        )
    return lang


def get_user(session: Session, ref: str | int) -> User:
    """A user by username or ID."""
    text = str(ref).strip().lower()
    user = session.scalars(select(User).where(User.username == text)).first()
    if user is None and (ident := as_id(text)) is not None:
        user = session.get(User, ident)
    if user is None:
        raise NotFound(N_("no user %(text)r"), params={"text": text})
    return user


def list_users(session: Session) -> list[User]:
    """Every user, by username."""
    return list(session.scalars(select(User).order_by(User.username)))


def update_user(
    session: Session,
    user: User,
    *,
    display_name: str | None = None,
    language: str | None = None,
    active: bool | None = None,
    password: str | None = None,
) -> User:
    """Change a user's name, language, password or whether they may sign in."""
    if display_name is not None:
        user.display_name = display_name.strip()
    if language is not None:
        user.language = _language(language)
    if active is not None:
        user.active = active
        if not active:
            for ws in session.scalars(select(WebSession).where(WebSession.user_id == user.id)):
                session.delete(ws)
    if password is not None:
        set_password(session, user, password)
    session.flush()
    return user


def set_password(session: Session, user: User, password: str) -> None:
    """Hash and store a new password (argon2id)."""
    _check_password(password)
    user.password_hash = hash_password(password)
    session.flush()


def authenticate(session: Session, username: str, password: str) -> User:
    """The active user with this password; one vague error otherwise (no hint which part was wrong).

    Interfaces sign in through `services.sign_in.sign_in`, which throttles repeated failures first.
    """
    user = session.scalars(select(User).where(User.username == username.strip().lower())).first()
    bad = Unauthorized("wrong username or password")
    if user is None or not user.active or not user.password_hash:
        hash_password("x" * 8)  # spend the same time as a real check
        raise bad
    if not verify_password(user.password_hash, password):
        raise bad
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        session.flush()
    return user


# --- API tokens ------------------------------------------------------------------------------


def create_token(session: Session, user: User, name: str, *, days: int | None = None) -> tuple[ApiToken, str]:
    """A new bearer token: the row and the token text, which is shown this once only."""
    name = name.strip()
    if not name:
        raise InvalidInput("token name is empty", field="name")
    if days is not None and not 1 <= days <= 3650:
        raise InvalidInput(N_("invalid days %(days)s: 1 to 3650"), field="days", params={"days": days})
    text = "pp_" + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name[:120],
        token_hash=_sha256(text),
        prefix=text[:10],
        expires_at=utcnow() + timedelta(days=days) if days else None,
    )
    session.add(token)
    session.flush()
    return token, text


def list_tokens(session: Session, user: User) -> list[ApiToken]:
    """A user's tokens, oldest first."""
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)))


def revoke_token(session: Session, user: User, token_id: int) -> None:
    """Delete one of the user's tokens."""
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound(N_("no token %(token_id)s"), params={"token_id": token_id})
    session.delete(token)
    session.flush()


def token_for_text(session: Session, text: str) -> ApiToken:
    """The live token of this bearer text, its user active; notes its last use (at most once a minute)."""
    token = (
        session.scalars(
            select(ApiToken)
            .where(ApiToken.token_hash == _sha256(text))
            .options(joinedload(ApiToken.user).joinedload(User.memberships))
        )
        .unique()
        .first()
    )
    now = utcnow()
    if token is None or (token.expires_at is not None and _aware(token.expires_at) < now):
        raise Unauthorized("invalid or expired API token")
    if not token.user.active:
        raise Unauthorized("this account is disabled")
    if token.last_used_at is None or now - _aware(token.last_used_at) > LAST_USED_RESOLUTION:
        token.last_used_at = now
        session.flush()
    return token


def user_for_token(session: Session, text: str) -> User:
    """The active user owning this bearer token."""
    return token_for_text(session, text).user


# --- web sessions ----------------------------------------------------------------------------


def start_session(session: Session, user: User, *, days: int = SESSION_DAYS) -> tuple[WebSession, str]:
    """A new browser session: the row (with its CSRF token) and the cookie value, shown once."""
    cookie = secrets.token_urlsafe(32)
    ws = WebSession(
        user_id=user.id,
        session_hash=_sha256(cookie),
        csrf_token=secrets.token_urlsafe(24),
        expires_at=utcnow() + timedelta(days=days),
    )
    session.add(ws)
    session.flush()
    return ws, cookie


def end_session(session: Session, ws: WebSession) -> None:
    """Sign out: the cookie no longer works."""
    session.delete(ws)
    session.flush()


def revoke_credentials(
    session: Session, user: User, *, keep_session: WebSession | None = None, keep_token: ApiToken | None = None
) -> tuple[int, int]:
    """End every browser session and API token of the user but the ones kept, and their calendar feeds'
    private addresses; how many sessions and tokens ended."""
    ws_query = delete(WebSession).where(WebSession.user_id == user.id)
    if keep_session is not None:
        ws_query = ws_query.where(WebSession.id != keep_session.id)
    tok_query = delete(ApiToken).where(ApiToken.user_id == user.id)
    if keep_token is not None:
        tok_query = tok_query.where(ApiToken.id != keep_token.id)
    sessions_ended = session.execute(ws_query).rowcount  # type: ignore[attr-defined]
    tokens_ended = session.execute(tok_query).rowcount  # type: ignore[attr-defined]
    session.execute(delete(CalendarFeed).where(CalendarFeed.user_id == user.id))
    return int(sessions_ended or 0), int(tokens_ended or 0)


def csrf_matches(ws: WebSession, token: str | None) -> bool:
    """True when the token sent with an unsafe request is the session's (constant-time)."""
    return bool(token) and secrets.compare_digest(ws.csrf_token, str(token))


# --- memberships -----------------------------------------------------------------------------


def parse_role(value: str) -> Role:
    """A role by name ("department lead", "department_lead" and "department-lead" all work)."""
    text = value.strip().lower().replace("_", "-").replace(" ", "-")
    try:
        return Role(text)
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise InvalidInput(
            N_("invalid role %(value)r: one of %(allowed)s"), field="role", params={"value": value, "allowed": allowed}
        ) from None


def grant(
    session: Session,
    user: User,
    prod: Production,
    role: str | Role,
    *,
    department: str | None = None,
    person: str | int | None = None,
) -> Membership:
    """Give a user a role in a production; a department lead needs a department, a technician a person."""
    r = role if isinstance(role, Role) else parse_role(role)
    dept_code = ""
    if r == Role.DEPARTMENT_LEAD:
        if not department:
            raise InvalidInput("a department lead needs a department", field="department")
        dept_code = get_department(session, prod, department).code
    elif department:
        raise InvalidInput(
            N_("only a department lead has a department, not a %(role)s"), field="department", params={"role": r.value}
        )
    person_row: Person | None = None
    if person is not None and str(person).strip():
        person_row = get_person(session, prod, person)
    elif r == Role.TECHNICIAN:
        raise InvalidInput("a technician is linked to a person of the crew", field="person")
    exists = session.scalars(
        select(Membership).where(
            Membership.user_id == user.id,
            Membership.production_id == prod.id,
            Membership.role == r,
            Membership.department_code == dept_code,
        )
    ).first()
    if exists:
        raise Conflict(
            N_("%(username)s already is %(role)s on %(title)r"),
            params={"username": user.username, "role": r.value, "title": prod.title},
        )
    m = Membership(
        user=user,
        production_id=prod.id,
        role=r,
        department_code=dept_code,
        person_id=person_row.id if person_row else None,
    )
    session.add(m)
    session.flush()
    return m


def list_members(session: Session, prod: Production) -> list[Membership]:
    """Who has which role in a production."""
    return list(session.scalars(select(Membership).where(Membership.production_id == prod.id).order_by(Membership.id)))


def revoke(session: Session, prod: Production, membership_id: int) -> None:
    """Take a role away."""
    m = session.get(Membership, membership_id)
    if m is None or m.production_id != prod.id:
        raise NotFound(
            N_("no membership %(membership_id)s in %(title)r"),
            params={"membership_id": membership_id, "title": prod.title},
        )
    session.delete(m)
    session.flush()


# --- permissions -----------------------------------------------------------------------------

# Scopes: "all" = anything in the member's production; "department" = items of the lead's
# department; "own" = tasks the technician is assigned to; "shared" = items shared with clients.
ALL, DEPARTMENT, OWN, SHARED = "all", "department", "own", "shared"

ACTIONS = (
    "production.create",  # global: make a new production (or import one)
    "production.read",  # the production's overview
    "production.update",
    "production.delete",
    "production.export",
    "budget.read",  # rates and costs
    "budget.edit",  # budget versions and lines, vendors, orders, invoices, snapshots
    "budget.department",  # a department's budget lines, without people's and rooms' rates (money.department_budget)
    "time.read",  # time entries (days, not money)
    "time.log",
    "member.manage",
    "share.manage",
    "webhook.manage",  # other tools fed the production's changes
    "task.read",
    "task.create",
    "task.update",  # any field of a task
    "task.progress",  # status and progress only
    "task.delete",
    "dependency.edit",
    "people.read",
    "people.edit",  # people, rooms, absences
    "note.read",
    "note.add",
    "history.read",
    "events.read",
    "approval.read",
    "approval.request",
    "register.read",  # editorial registers, deliverables, QC
    "register.edit",
    "report.read",  # the weekly report pack (its money sections only through the money gate)
    "report.issue",
)

_EVERYTHING = dict.fromkeys(ACTIONS, ALL)

PERMISSIONS: dict[Role, dict[str, str]] = {
    Role.SUPERVISOR: _EVERYTHING,
    Role.PRODUCTION_DIRECTOR: {
        "production.read": ALL,
        "production.export": ALL,
        "budget.read": ALL,
        "budget.department": ALL,
        "time.read": ALL,
        "task.read": ALL,
        "people.read": ALL,
        "note.read": ALL,
        "note.add": ALL,
        "history.read": ALL,
        "events.read": ALL,
        "approval.read": ALL,
        "approval.request": ALL,
        "register.read": ALL,
        "report.read": ALL,
    },
    Role.DEPARTMENT_LEAD: {
        "production.read": ALL,
        "budget.department": DEPARTMENT,
        "time.read": DEPARTMENT,
        "time.log": DEPARTMENT,
        "task.read": ALL,
        "task.create": DEPARTMENT,
        "task.update": DEPARTMENT,
        "task.progress": DEPARTMENT,
        "task.delete": DEPARTMENT,
        "dependency.edit": DEPARTMENT,
        "people.read": ALL,
        "note.read": ALL,
        "note.add": DEPARTMENT,
        "history.read": ALL,
        "events.read": ALL,
        "approval.read": ALL,
        "approval.request": DEPARTMENT,
        "register.read": ALL,
        "register.edit": DEPARTMENT,
    },
    Role.TECHNICIAN: {
        "production.read": ALL,
        "time.read": OWN,
        "time.log": OWN,
        "task.read": ALL,
        "task.progress": OWN,
        "people.read": ALL,
        "note.read": ALL,
        "note.add": OWN,
        "history.read": ALL,
        "events.read": ALL,
        "approval.read": ALL,
        "register.read": ALL,
    },
    Role.CLIENT: {
        "production.read": ALL,
        "task.read": SHARED,
        "note.read": SHARED,
        "approval.read": SHARED,
        "register.read": SHARED,
    },
}


@dataclass(frozen=True)
class Grant:
    """One membership as plain data, for the pure permission check."""

    role: str  # a Role value, or "admin" for a site administrator (production_id None)
    production_id: int | None
    department: str = ""
    person_id: int | None = None


@dataclass(frozen=True)
class Resource:
    """What an action is on: a production, maybe a department, the assignees, whether it is shared."""

    production_id: int | None
    department: str | None = None
    assignee_ids: frozenset[int] = field(default_factory=frozenset)
    shared: bool = False


def can(grants: Iterable[Grant], action: str, resource: Resource) -> bool:
    """Whether any of the grants allows the action on the resource (a pure function of its inputs)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    for g in grants:
        if g.role == "admin":
            return True
        scope = PERMISSIONS[Role(g.role)].get(action)
        if scope is None:
            continue
        if resource.production_id is None:
            # A global action: allowed to whoever holds it somewhere.
            if action == "production.create":
                return True
            continue
        if g.production_id != resource.production_id:
            continue
        if scope == ALL:
            return True
        if scope == DEPARTMENT and g.department and resource.department == g.department:
            return True
        if scope == OWN and g.person_id is not None and g.person_id in resource.assignee_ids:
            return True
        if scope == SHARED and resource.shared:
            return True
    return False


def grants_of(user: User) -> list[Grant]:
    """The user's memberships as grants (an administrator gets the wildcard)."""
    out = [Grant("admin", None)] if user.is_admin else []
    out.extend(Grant(m.role.value, m.production_id, m.department_code or "", m.person_id) for m in user.memberships)
    return out


def visible_production_ids(session: Session, user: User) -> list[int] | None:
    """IDs of productions the user may read, or None for all (an administrator)."""
    if user.is_admin:
        return None
    return sorted({m.production_id for m in user.memberships})


class MembershipView(TypedDict):
    id: int
    user: str
    production_id: int
    role: str
    department: str | None
    person_id: int | None


class UserView(TypedDict):
    id: int
    username: str
    display_name: str
    language: str
    active: bool
    is_admin: bool
    memberships: list[MembershipView]


class TokenView(TypedDict):
    id: int
    name: str
    prefix: str
    created_at: str
    last_used_at: str | None
    expires_at: str | None


@described(token="The token's text: in this answer only.")
class NewTokenView(TokenView):
    token: str


def user_dict(u: User) -> UserView:
    return {
        "id": u.id,
        "username": u.username,
        "display_name": u.display_name,
        "language": u.language,
        "active": u.active,
        "is_admin": u.is_admin,
        "memberships": [membership_dict(m) for m in u.memberships],
    }


def membership_dict(m: Membership) -> MembershipView:
    return {
        "id": m.id,
        "user": m.user.username,
        "production_id": m.production_id,
        "role": m.role.value,
        "department": m.department_code or None,
        "person_id": m.person_id,
    }


def token_dict(t: ApiToken) -> TokenView:
    return {
        "id": t.id,
        "name": t.name,
        "prefix": t.prefix,
        "created_at": t.created_at.isoformat(),
        "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None,
        "expires_at": t.expires_at.isoformat() if t.expires_at else None,
    }


def count_users(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(User)) or 0)


# Demo accounts `postprod serve --demo` creates: username, password, role, department, the skill of their
# person in the crew (the account is that person and shows their name), and the name of those not in the crew.
DEMO_USERS = [
    ("supervisor", "supervisor", Role.SUPERVISOR, None, "post-supervisor", ""),
    ("director", "director", Role.PRODUCTION_DIRECTOR, None, None, "Philippe Arnaud"),
    ("picturelead", "picturelead", Role.DEPARTMENT_LEAD, "picture-editing", None, "Véronique Astier"),
    ("editor", "editor-demo", Role.TECHNICIAN, None, "editor", ""),
    ("client", "client-demo", Role.CLIENT, None, None, "Isabelle Caron"),
]


def create_demo_users(
    session: Session, prod: Production, passwords: dict[str, str] | None = None
) -> list[dict[str, str]]:
    """One user per role on the demo production; their sign-in details.

    Without `passwords`, new accounts get the documented passwords and existing ones are kept as
    they are. With them (username -> password), every demo account gets its password from there,
    and an existing account whose password changes loses its sessions and tokens. The roles are
    given by the supervisor (theirs by the production director).
    """
    out = []
    for username, known, role, dept, skill, own_name in DEMO_USERS:
        password = (passwords or {}).get(username, known)
        crew = sorted(prod.people, key=lambda p: p.id)
        person = next((p.name for p in crew if skill in p.skills), None) if skill else None
        name = person or own_name or username.title()
        user = session.scalars(select(User).where(User.username == username)).first()
        if user is None:
            user = create_user(session, username=username, password=password, display_name=name)
        else:
            if user.display_name in ("", username.title()):  # the name earlier versions gave it
                user.display_name = name
            if passwords is not None and not verify_password(user.password_hash, password):
                set_password(session, user, password)
                revoke_credentials(session, user)
        has = any(m.production_id == prod.id and m.role == role for m in user.memberships)
        if not has:
            with acting_as(session, "director" if role == Role.SUPERVISOR else "supervisor"):
                grant(session, user, prod, role, department=dept, person=person)
        out.append({"username": username, "password": password, "role": role.value + (f" ({dept})" if dept else "")})
    return out


def names_of(session: Session, usernames: Iterable[str]) -> dict[str, str]:
    """Usernames as people read them (the activity's authors, who made a plan): the display name, else the
    username; a name with no account (a job's or a script's) stays as it is."""
    wanted = {u for u in usernames if u}
    if not wanted:
        return {}
    rows = session.execute(select(User.username, User.display_name).where(User.username.in_(wanted)))
    return {username: shown or username for username, shown in rows}
