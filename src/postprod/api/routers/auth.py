"""Signing in and out, the current user, API tokens, and user administration."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from postprod.api.schemas import LoginIn, LoginOut, MeIn, TokenIn, UserIn
from postprod.errors import N_
from postprod.http_deps import (
    Id,
    PrincipalDep,
    SessionDep,
    clear_session_cookies,
    client_address,
    set_session_cookies,
)
from postprod.services import sign_in
from postprod.services import users as svc
from postprod.services.users import Forbidden, NewTokenView, TokenView, UserView

router = APIRouter(tags=["auth"])


@router.post(
    "/auth/login",
    response_model=LoginOut,
    responses={429: {"description": "Too many failed sign-ins lately: wait Retry-After seconds"}},
)
def login(body: LoginIn, request: Request, session: SessionDep) -> JSONResponse:
    """Sign in with a password: sets the session cookie; the CSRF token comes back in the body and a cookie.

    Repeated failures for one account or from one address are answered 429 with Retry-After.
    """
    user = sign_in.sign_in(session, body.username, body.password, address=client_address(request))
    session.info["actor"] = user.username
    ws, cookie = svc.start_session(session, user)
    resp = JSONResponse({"user": svc.user_dict(user), "csrf_token": ws.csrf_token})
    set_session_cookies(resp, request, ws, cookie)
    return resp


@router.post("/auth/logout", status_code=204)
def logout(principal: PrincipalDep, session: SessionDep) -> Response:
    """Sign out of this browser session (a Bearer token stays valid: revoke it instead)."""
    if principal.web_session is not None:
        svc.end_session(session, principal.web_session)
    resp = Response(status_code=204)
    clear_session_cookies(resp)
    return resp


@router.get("/auth/me", response_model=UserView)
def me(principal: PrincipalDep) -> UserView:
    """Who is signed in, with their roles."""
    return svc.user_dict(principal.user)


@router.patch("/auth/me", response_model=UserView)
def update_me(body: MeIn, request: Request, principal: PrincipalDep, session: SessionDep) -> UserView:
    """Change one's display name, language (en, fr) or password.

    A new password needs the current one; it ends every other browser session and API token of the
    user (the session or token of this request stays signed in).
    """
    if body.password is not None:
        sign_in.change_password(
            session,
            principal.user,
            body.current_password,
            body.password,
            keep_session=principal.web_session,
            keep_token=principal.api_token,
            address=client_address(request),
        )
    user = svc.update_user(session, principal.user, display_name=body.display_name, language=body.language)
    return svc.user_dict(user)


@router.get("/auth/tokens", response_model=list[TokenView])
def list_tokens(principal: PrincipalDep, session: SessionDep) -> list[TokenView]:
    """One's API tokens (never the token text)."""
    return [svc.token_dict(t) for t in svc.list_tokens(session, principal.user)]


@router.post("/auth/tokens", response_model=NewTokenView, status_code=201)
def create_token(body: TokenIn, principal: PrincipalDep, session: SessionDep) -> NewTokenView:
    """A new API token for scripts; its text is in this answer only."""
    token, text = svc.create_token(session, principal.user, body.name, days=body.days)
    return {**svc.token_dict(token), "token": text}


@router.delete("/auth/tokens/{token_id}", status_code=204)
def revoke_token(token_id: Id, principal: PrincipalDep, session: SessionDep) -> Response:
    """Revoke one of one's tokens."""
    svc.revoke_token(session, principal.user, token_id)
    return Response(status_code=204)


def _require_admin(principal: PrincipalDep) -> None:
    if not principal.user.is_admin:
        raise Forbidden(
            N_("%(username)s may not manage users (administrators only)"), params={"username": principal.user.username}
        )


@router.get("/users", response_model=list[UserView], tags=["users"])
def list_users(principal: PrincipalDep, session: SessionDep) -> list[UserView]:
    """Every user (administrators)."""
    _require_admin(principal)
    return [svc.user_dict(u) for u in svc.list_users(session)]


@router.post("/users", response_model=UserView, status_code=201, tags=["users"])
def create_user(body: UserIn, principal: PrincipalDep, session: SessionDep) -> UserView:
    """Add a user (administrators)."""
    _require_admin(principal)
    user = svc.create_user(
        session,
        username=body.username,
        password=body.password,
        display_name=body.display_name,
        language=body.language,
        is_admin=body.is_admin,
    )
    return svc.user_dict(user)
