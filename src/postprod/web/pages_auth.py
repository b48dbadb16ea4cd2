"""Signing in and out, the language switch, and the list of one's productions."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from postprod.errors import N_, InvalidInput
from postprod.http_deps import Id, SessionDep, clear_session_cookies, client_address, set_session_cookies
from postprod.model import Production
from postprod.services import calendar_feeds, sign_in
from postprod.services import users as users_svc
from postprod.services.passwords import SignInBusy
from postprod.services.principal import Principal
from postprod.services.sign_in import TooManyAttempts
from postprod.services.users import Unauthorized
from postprod.web.auth import FormDep, FormPrincipal, PagePrincipal, page_context
from postprod.web.forms import errors_of, text, whole
from postprod.web.render import gettext_for, language_of, render

router = APIRouter()

LOGIN_COOKIE = "postprod_login"


def safe_next(value: object, default: str = "/") -> str:
    """A local path to go back to (never another site)."""
    text = str(value or "")
    return text if text.startswith("/") and not text.startswith("//") and "\\" not in text else default


def _login_page(
    request: Request, *, error: str = "", next_url: str = "/", status: int = 200, retry_after: int | None = None
) -> HTMLResponse:
    token = secrets.token_urlsafe(24)
    resp = render(
        request,
        "login.html",
        {"error": error, "next": next_url, "login_csrf": token, "lang": language_of(request)},
        status_code=status,
    )
    resp.set_cookie(LOGIN_COOKIE, token, max_age=3600, httponly=True, samesite="strict")
    if retry_after is not None:
        resp.headers["Retry-After"] = str(retry_after)
    return resp


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> HTMLResponse:
    return _login_page(request, next_url=safe_next(next))


@router.post("/login")
def login(request: Request, session: SessionDep, form: FormDep) -> Response:
    """Check the password; on success, the session and CSRF cookies, then back where the user was going."""
    _ = gettext_for(language_of(request))
    next_url = safe_next(form.get("next"))
    sent = str(form.get("login_csrf") or "")
    cookie = request.cookies.get(LOGIN_COOKIE, "")
    if not sent or not cookie or not secrets.compare_digest(sent, cookie):
        return _login_page(request, error=_("The sign-in form expired: try again."), next_url=next_url, status=403)
    username, password = str(form.get("username") or "")[:200], str(form.get("password") or "")
    try:
        user = sign_in.sign_in(session, username, password, address=client_address(request))
    except Unauthorized:
        return _login_page(request, error=_("Wrong username or password."), next_url=next_url, status=401)
    except TooManyAttempts as exc:
        message = _("Too many failed sign-ins: try again in %(seconds)s s.") % {"seconds": exc.retry_after}
        return _login_page(request, error=message, next_url=next_url, status=429, retry_after=exc.retry_after)
    except SignInBusy as exc:
        message = _("The server is busy checking other sign-ins: try again in a moment.")
        return _login_page(request, error=message, next_url=next_url, status=503, retry_after=exc.retry_after)
    session.info["actor"] = user.username
    ws, value = users_svc.start_session(session, user)
    resp = RedirectResponse(next_url, status_code=303)
    set_session_cookies(resp, request, ws, value)
    resp.delete_cookie(LOGIN_COOKIE)
    return resp


@router.post("/logout")
def logout(principal: FormPrincipal, session: SessionDep) -> Response:
    if principal.web_session is not None:
        users_svc.end_session(session, principal.web_session)
    resp = RedirectResponse("/login", status_code=303)
    clear_session_cookies(resp)
    return resp


def _account_context(request: Request, principal: Principal, session: Session) -> dict[str, Any]:
    """The account page's context: the user, their calendar feeds and the productions they may subscribe to."""
    ctx = page_context(request, principal, active="account")
    ids = users_svc.visible_production_ids(session, principal.user)
    query = select(Production.id, Production.title).order_by(Production.title)
    if ids is not None:
        query = query.where(Production.id.in_(ids))
    ctx["feed_productions"] = [
        {"id": pid, "title": title}
        for pid, title in session.execute(query)
        if principal.can(calendar_feeds.READ_RIGHT, users_svc.Resource(pid))
    ]
    ctx["feeds"] = calendar_feeds.feeds(session, principal.user)
    ctx.setdefault("errors", {})
    ctx.setdefault("values", {})
    return ctx


@router.get("/account", response_class=HTMLResponse)
def account(request: Request, principal: PagePrincipal, session: SessionDep, changed: bool = False) -> HTMLResponse:
    """One's account: the password change form (and, after a change, its confirmation), calendar feeds."""
    ctx = _account_context(request, principal, session)
    _ = ctx["_t"]
    if changed:
        ctx["flash"] = _("Password changed: your other sessions and API tokens are signed out.")
    return render(request, "account.html", ctx)


@router.post("/account/password", response_model=None)
def change_password(request: Request, principal: FormPrincipal, session: SessionDep, form: FormDep) -> Response:
    """A new password, given the current one; every other session and API token of the user ends.

    Success redirects to the account page, so reloading it does not post the old passwords again. A
    refusal shows the form again with the message beside its field (the passwords typed are not sent back)."""
    ctx = _account_context(request, principal, session)
    _ = ctx["_t"]
    new, again = str(form.get("new_password") or ""), str(form.get("new_password_again") or "")
    if new != again:
        ctx["errors"] = {"new_password_again": _("The two new passwords differ.")}
        return render(request, "account.html", ctx, status_code=422)
    try:
        sign_in.change_password(
            session,
            principal.user,
            str(form.get("current_password") or ""),
            new,
            keep_session=principal.web_session,
            address=client_address(request),
        )
    except InvalidInput as exc:
        session.rollback()
        hints = {
            "current_password": _("Wrong current password."),
            "password": _("The new password needs 8 to 1024 characters."),
        }
        errors = errors_of(exc, _, hints)
        # The service names the new password "password"; the form, "new_password".
        ctx["errors"] = {"new_password" if k in ("password", "form") else k: v for k, v in errors.items()}
        return render(request, "account.html", ctx, status_code=422)
    except TooManyAttempts as exc:
        message = _("Too many failed sign-ins: try again in %(seconds)s s.") % {"seconds": exc.retry_after}
        ctx["errors"] = {"current_password": message}
        resp = render(request, "account.html", ctx, status_code=429)
        resp.headers["Retry-After"] = str(exc.retry_after)
        return resp
    return RedirectResponse("/account?changed=1", status_code=303)


@router.post("/account/calendar-feeds", response_model=None)
def create_calendar_feed(request: Request, principal: FormPrincipal, session: SessionDep, form: FormDep) -> Response:
    """A new private calendar address of the plan; shown on this answer only (only its hash is kept)."""
    ctx = _account_context(request, principal, session)
    _ = ctx["_t"]
    values = {k: text(form, k) for k in ("production", "scope", "target")}
    ctx["values"] = values
    try:
        prod = session.get(Production, whole(values["production"], "production")) if values["production"] else None
        if prod is None or not any(p["id"] == prod.id for p in ctx["feed_productions"]):
            raise InvalidInput(N_("choose one of your productions"), field="production")
        feed, token = calendar_feeds.create_feed(
            session, principal.user, prod, values["scope"], values["target"] or None
        )
    except InvalidInput as exc:
        session.rollback()
        hints = {
            "production": _("Choose one of your productions."),
            "scope": _("Choose what the calendar shows."),
        }
        ctx["errors"] = errors_of(exc, _, hints)
        return render(request, "account.html", ctx, status_code=422)
    ctx["feeds"] = calendar_feeds.feeds(session, principal.user)
    ctx["new_feed_url"] = str(request.url_for("calendar_feed", token=token))
    ctx["new_feed_id"] = feed.id
    ctx["values"] = {}
    return render(request, "account.html", ctx, status_code=201)


@router.post("/account/calendar-feeds/{feed_id}/revoke", response_model=None)
def revoke_calendar_feed(principal: FormPrincipal, session: SessionDep, feed_id: Id) -> Response:
    """Revoke one of one's calendar addresses: calendar apps get 404 from now on."""
    calendar_feeds.revoke_feed(session, principal.user, feed_id)
    return RedirectResponse("/account#calendar-feeds", status_code=303)


@router.post("/language")
def set_language(principal: FormPrincipal, session: SessionDep, form: FormDep) -> Response:
    """Keep the user's language (en or fr) and show the same page again in it."""
    users_svc.update_user(session, principal.user, language=str(form.get("language") or ""))
    return RedirectResponse(safe_next(form.get("next")), status_code=303)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, principal: PagePrincipal, session: SessionDep) -> HTMLResponse:
    """The productions the user has a role in (and the form of a new one)."""
    from postprod.web.pages_production_forms import home_page

    return home_page(request, principal, session)
