"""The pages' router (one module per page group) and `setup(app)`: static files and HTML error pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from postprod.errors import PostprodError
from postprod.http_deps import field_of
from postprod.services import notifications
from postprod.services.users import Unauthorized
from postprod.web import (
    pages_auth,
    pages_budget,
    pages_budget_settings,
    pages_costs,
    pages_delivery,
    pages_editorial,
    pages_item_forms,
    pages_jobs,
    pages_notifications,
    pages_people,
    pages_people_forms,
    pages_planning,
    pages_production,
    pages_production_forms,
    pages_purchases,
    pages_register_forms,
    pages_reports,
    pages_task_forms,
    pages_tasks,
    pages_time,
    pages_webhooks,
    pages_work,
)
from postprod.web.auth import LoginRequired, login_url
from postprod.web.render import gettext_for, language_of, render, said

STATIC = Path(__file__).resolve().parent / "static"

router = APIRouter(include_in_schema=False)
for _module in (
    pages_auth,
    pages_production,
    pages_production_forms,
    pages_tasks,
    pages_task_forms,
    pages_people,
    pages_people_forms,
    pages_editorial,
    pages_delivery,
    pages_item_forms,
    pages_webhooks,
    pages_planning,
    pages_jobs,
    pages_register_forms,
    pages_notifications,
    pages_work,
    pages_budget,
    pages_budget_settings,
    pages_costs,
    pages_purchases,
    pages_time,
    pages_reports,
):
    router.include_router(_module.router)


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get("accept", "")


def _error_page(request: Request, status: int, message: str) -> Response:
    lang = language_of(request)
    user = getattr(request.state, "user_language", None)
    if user:
        lang = user
    _ = gettext_for(lang)
    titles = {403: _("Not allowed"), 404: _("Not found"), 409: _("Changed meanwhile")}
    title = titles.get(status, _("Something is wrong"))
    return render(
        request, "error.html", {"title": title, "message": message, "status": status}, lang=lang, status_code=status
    )


def setup(app: FastAPI) -> None:
    """Serve the static files and answer page errors with HTML (the API keeps its JSON errors)."""
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    notifications.mail_formatter = pages_notifications.mail_words  # e-mails in each user's language
    api_postprod = app.exception_handlers.get(PostprodError)
    api_http = app.exception_handlers.get(StarletteHTTPException)
    api_validation = app.exception_handlers.get(RequestValidationError)

    async def on_postprod(request: Request, exc: Exception) -> Any:
        assert isinstance(exc, PostprodError)
        if _wants_json(request) and api_postprod is not None:
            return await api_postprod(request, exc)  # type: ignore[misc]
        if isinstance(exc, Unauthorized):
            return RedirectResponse(login_url(request.url.path), status_code=303)
        return _error_page(request, exc.http_status, said(request, exc))

    async def on_login(request: Request, exc: Exception) -> Any:
        assert isinstance(exc, LoginRequired)
        if _wants_json(request):
            return JSONResponse({"error": "not signed in", "field": None}, status_code=401)
        return RedirectResponse(login_url(exc.next_url), status_code=303)

    async def on_http(request: Request, exc: Exception) -> Any:
        assert isinstance(exc, StarletteHTTPException)
        if _wants_json(request) and api_http is not None:
            return await api_http(request, exc)  # type: ignore[misc]
        return _error_page(request, exc.status_code, str(exc.detail))

    async def on_validation(request: Request, exc: Exception) -> Any:
        assert isinstance(exc, RequestValidationError)
        if _wants_json(request) and api_validation is not None:
            return await api_validation(request, exc)  # type: ignore[misc]
        first = exc.errors()[0] if exc.errors() else {}
        loc = field_of(first.get("loc", ())) or ""
        msg = str(first.get("msg", "invalid request")).removeprefix("Value error, ")
        lang = language_of(request, getattr(request.state, "user_language", None))
        if lang != "en":  # the validator's words are English: the page says which field, in the reader's language
            msg = gettext_for(lang)("not a value this page accepts")
        return _error_page(request, 422, f"{loc}: {msg}")

    app.add_exception_handler(PostprodError, on_postprod)
    app.add_exception_handler(LoginRequired, on_login)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(RequestValidationError, on_validation)
