"""Who is asking, for pages: the session cookie (and the CSRF token of a form), or off to the sign-in page."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request
from sqlalchemy.orm import object_session
from starlette.datastructures import FormData

from postprod.errors import N_, InvalidInput
from postprod.http_deps import SessionDep, authenticate_request
from postprod.limits import has_nul
from postprod.model import Production
from postprod.services import notifications
from postprod.services.common import get_production
from postprod.services.principal import Principal
from postprod.services.users import Resource, Unauthorized
from postprod.web.render import gettext_for, language_of


class LoginRequired(Exception):
    """Not signed in (or the session expired): the page redirects to /login and back."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


def _here(request: Request) -> str:
    url = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return url if request.method == "GET" else request.headers.get("referer", "/") or "/"


def login_url(next_url: str) -> str:
    return "/login?next=" + quote(next_url, safe="/")


def page_principal(request: Request, session: SessionDep) -> Principal:
    """The signed-in user of a page read."""
    try:
        principal = authenticate_request(request, session)
    except Unauthorized:
        raise LoginRequired(_here(request)) from None
    request.state.user_language = principal.user.language  # the error pages speak it too
    return principal


async def form_data(request: Request) -> FormData:
    """The posted form (read once; Starlette keeps it on the request); no field may hold a NUL character."""
    form = await request.form()
    for name, value in form.multi_items():
        if isinstance(value, str) and (has_nul(name) or has_nul(value)):
            field = name.replace("\x00", "")
            raise InvalidInput(
                N_("invalid %(field)s: text may not contain a NUL character"), field=field, params={"field": field}
            )
    return form


FormDep = Annotated[FormData, Depends(form_data)]


def form_principal(request: Request, session: SessionDep, form: FormDep) -> Principal:
    """The signed-in user of a form post, whose CSRF token (field or X-CSRF-Token header) must match."""
    token = form.get("csrf_token")
    try:
        principal = authenticate_request(request, session, csrf_token=str(token) if token else None)
    except Unauthorized:
        raise LoginRequired(_here(request)) from None
    request.state.user_language = principal.user.language
    return principal


PagePrincipal = Annotated[Principal, Depends(page_principal)]
FormPrincipal = Annotated[Principal, Depends(form_principal)]


def production_for(
    session: Any, principal: Principal, production_id: int, action: str = "production.read"
) -> Production:
    """A production by the ID in the path, refused unless the user may do the action in it."""
    prod = get_production(session, int(production_id))
    principal.require(action, Resource(prod.id))
    return prod


def page_context(
    request: Request, principal: Principal, prod: Production | None = None, **extra: Any
) -> dict[str, Any]:
    """What every page's layout needs: the user, their language, the CSRF token, the production and nav rights."""
    lang = language_of(request, principal.user.language)
    pid = prod.id if prod is not None else None

    def can(action: str, **kw: Any) -> bool:
        return principal.can(action, Resource(pid, **kw))

    session = object_session(principal.user)
    return {
        "user": principal.user,
        "unread": notifications.unread_count(session, principal.user) if session is not None else 0,
        "lang": lang,
        "_t": gettext_for(lang),
        "csrf_token": principal.credential.csrf_token,  # the session's ("" with a bearer token)
        "prod": prod,
        "can": can,
        "active": extra.pop("active", ""),
        **extra,
    }
