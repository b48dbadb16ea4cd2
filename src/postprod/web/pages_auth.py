"""Signing in and out, the language switch, and the list of one's productions."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from postprod.api.deps import CSRF_COOKIE, SESSION_COOKIE, SessionDep
from postprod.services import productions as productions_svc
from postprod.services import users as users_svc
from postprod.services.users import Resource, Unauthorized
from postprod.web.auth import FormDep, FormPrincipal, PagePrincipal, page_context
from postprod.web.render import gettext_for, language_of, render

router = APIRouter()

LOGIN_COOKIE = "postprod_login"


def safe_next(value: object, default: str = "/") -> str:
    """A local path to go back to (never another site)."""
    text = str(value or "")
    return text if text.startswith("/") and not text.startswith("//") and "\\" not in text else default


def _login_page(request: Request, *, error: str = "", next_url: str = "/", status: int = 200) -> HTMLResponse:
    token = secrets.token_urlsafe(24)
    resp = render(
        request,
        "login.html",
        {"error": error, "next": next_url, "login_csrf": token, "lang": language_of(request)},
        status_code=status,
    )
    resp.set_cookie(LOGIN_COOKIE, token, max_age=3600, httponly=True, samesite="strict")
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
    try:
        user = users_svc.authenticate(session, str(form.get("username") or ""), str(form.get("password") or ""))
    except Unauthorized:
        return _login_page(request, error=_("Wrong username or password."), next_url=next_url, status=401)
    session.info["actor"] = user.username
    ws, value = users_svc.start_session(session, user)
    resp = RedirectResponse(next_url, status_code=303)
    secure = request.url.scheme == "https"
    max_age = users_svc.SESSION_DAYS * 86400
    resp.set_cookie(SESSION_COOKIE, value, max_age=max_age, httponly=True, samesite="lax", secure=secure)
    resp.set_cookie(CSRF_COOKIE, ws.csrf_token, max_age=max_age, httponly=False, samesite="lax", secure=secure)
    resp.delete_cookie(LOGIN_COOKIE)
    return resp


@router.post("/logout")
def logout(principal: FormPrincipal, session: SessionDep) -> Response:
    if principal.web_session is not None:
        users_svc.end_session(session, principal.web_session)
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(SESSION_COOKIE)
    resp.delete_cookie(CSRF_COOKIE)
    return resp


@router.post("/language")
def set_language(principal: FormPrincipal, session: SessionDep, form: FormDep) -> Response:
    """Keep the user's language (en or fr) and show the same page again in it."""
    users_svc.update_user(session, principal.user, language=str(form.get("language") or ""))
    return RedirectResponse(safe_next(form.get("next")), status_code=303)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, principal: PagePrincipal, session: SessionDep) -> HTMLResponse:
    """The productions the user has a role in."""
    prods = [p for p in productions_svc.list_productions(session) if principal.can("production.read", Resource(p.id))]
    return render(request, "home.html", page_context(request, principal, productions=prods))
