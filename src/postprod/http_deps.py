"""What the REST API (`api/`) and the pages (`web/`) share of HTTP: the request's session (one
transaction), who is asking (`services.principal` behind FastAPI dependencies), the session and
CSRF cookies, IDs in paths, and the field a validation error names. Neither client imports the other."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, Path, Request, Response
from sqlalchemy.orm import Session

from postprod import db
from postprod.errors import N_, InvalidInput
from postprod.jobs import JobRunner
from postprod.limits import MAX_ID, has_nul
from postprod.model import WebSession
from postprod.services import users as users_svc
from postprod.services.principal import CSRF_HEADER, Principal, authenticate

SESSION_COOKIE = "postprod_session"
CSRF_COOKIE = "postprod_csrf"

# An ID in a path: what either database can hold (a larger one is a 422 naming it, not a database error).
Id = Annotated[int, Path(ge=1, le=MAX_ID)]


def storable_params(request: Request) -> None:
    """Every route's first check: no NUL character in a path or query parameter (PostgreSQL refuses it in text)."""
    for name, value in [*request.path_params.items(), *request.query_params.multi_items()]:
        if has_nul(name) or has_nul(value):
            field = name.replace("\x00", "")
            raise InvalidInput(
                N_("invalid %(field)s: text may not contain a NUL character"), field=field, params={"field": field}
            )


def field_of(loc: Any) -> str | None:
    """The field a validation error names: its location without where it was sent (a field may be called body)."""
    parts = [str(x) for x in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        parts = parts[1:]
    return ".".join(parts) or None


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request: committed when the route returns, rolled back on any error.

    A GET or HEAD reads without a transaction until it writes (`db.reading`): no BEGIN and COMMIT."""
    state = request.app.state
    reads = request.method in ("GET", "HEAD") and hasattr(state, "read_session_factory")
    with db.session_scope(
        actor="anonymous", factory=state.read_session_factory if reads else state.session_factory
    ) as session:
        yield session


# scope="function": the commit runs before the response is sent, so a failed commit is never a 200.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def authenticate_request(request: Request, session: Session, *, csrf_token: str | None = None) -> Principal:
    """Who is asking: a Bearer token, or the session cookie (with its CSRF token, the form's or the header's)."""
    return authenticate(
        session,
        authorization=request.headers.get("authorization", ""),
        session_cookie=request.cookies.get(SESSION_COOKIE),
        method=request.method,
        csrf_token=csrf_token or request.headers.get(CSRF_HEADER),
    )


def current_principal(request: Request, session: SessionDep) -> Principal:
    principal = authenticate_request(request, session)
    request.state.principal = principal  # for the error handlers: a stale write's current state passes its gate
    return principal


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def client_address(request: Request) -> str | None:
    """The client's address as the server sees it (behind a proxy: as Uvicorn's --forwarded-allow-ips allows)."""
    return request.client.host if request.client else None


def set_session_cookies(response: Response, request: Request, ws: WebSession, cookie: str) -> None:
    """A new session's cookies: the session (HTTP only) and its CSRF token (readable by the page's script)."""
    secure = request.url.scheme == "https"
    max_age = users_svc.SESSION_DAYS * 86400
    response.set_cookie(SESSION_COOKIE, cookie, max_age=max_age, httponly=True, samesite="lax", secure=secure)
    response.set_cookie(CSRF_COOKIE, ws.csrf_token, max_age=max_age, httponly=False, samesite="lax", secure=secure)


def clear_session_cookies(response: Response) -> None:
    """Signed out: both cookies go."""
    response.delete_cookie(SESSION_COOKIE)
    response.delete_cookie(CSRF_COOKIE)


def get_jobs(request: Request) -> JobRunner:
    """The app's job runner (the API's job routes and the planning pages queue work on it)."""
    runner: JobRunner = request.app.state.jobs
    return runner


JobsDep = Annotated[JobRunner, Depends(get_jobs)]
