"""Errors as JSON: {"error": message, "field": name}, with the status the error carries; never a traceback."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from postprod.errors import DatabaseUnavailable, PostprodError, PreconditionRequired, StaleWrite
from postprod.http_deps import field_of
from postprod.services.money import strip

__all__ = ["PreconditionRequired", "StaleWrite", "error_body", "field_of", "install"]

log = logging.getLogger("postprod.api")


def error_body(message: str, field: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"error": message, "field": field, **extra}


def install(app: FastAPI) -> None:
    """Register the handlers that turn every failure into a one-line JSON error."""

    @app.exception_handler(PostprodError)
    async def _postprod(_request: Request, exc: PostprodError) -> JSONResponse:
        extra: dict[str, Any] = {}
        current = getattr(exc, "current", None)
        if current is not None:
            # The item as it is now leaves through the money gate like any answer (none without a principal).
            principal = getattr(_request.state, "principal", None)
            pid = getattr(exc, "production_id", None)
            current = principal.gate(pid, current) if principal is not None else strip(current)
            extra["current"] = current
        headers = {"ETag": f'"{current["version"]}"'} if current and "version" in current else None
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            headers = {**(headers or {}), "Retry-After": str(retry_after)}
        return JSONResponse(error_body(exc.message, exc.field, **extra), status_code=exc.http_status, headers=headers)

    @app.exception_handler(StaleDataError)
    async def _stale(_request: Request, _exc: StaleDataError) -> JSONResponse:
        return JSONResponse(error_body("changed by someone else meanwhile: reload and try again", "version"), 409)

    async def _database(request: Request, exc: Exception) -> Any:
        """The database went away (a restart, a network cut): 503 and try again, never a 500.

        The request's transaction was rolled back; the pool replaces dead connections (pre-ping).
        Answered like any PostprodError, by whichever handler the app has for those now (pages: HTML).
        """
        log.warning("database unavailable on %s %s: %s", request.method, request.url.path, type(exc).__name__)
        err = DatabaseUnavailable("the database is not reachable at the moment: try again shortly")
        response = await app.exception_handlers[PostprodError](request, err)  # type: ignore[misc]
        response.headers["Retry-After"] = "2"
        return response

    app.add_exception_handler(OperationalError, _database)
    app.add_exception_handler(InterfaceError, _database)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        first = errors[0] if errors else {}
        field = field_of(first.get("loc", ()))
        msg = str(first.get("msg", "invalid request")).removeprefix("Value error, ")
        return JSONResponse(error_body(f"{field}: {msg}" if field else msg, field), 422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(error_body(str(exc.detail)), exc.status_code, headers=getattr(exc, "headers", None))

    app.add_middleware(UnexpectedErrors)


class UnexpectedErrors:
    """Any other failure becomes a JSON 500 and is logged; the exception goes no further.

    An exception handler for `Exception` would answer too, but Starlette then raises the exception
    again to the server, and Uvicorn closes the connection: the client's next request on that
    keep-alive connection was reset. Only a failure after the response has started still reaches the
    server (nothing else can be sent then).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, send_tracked)
        except Exception as exc:
            log.exception("unexpected error on %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            response = JSONResponse(error_body(f"internal error ({type(exc).__name__})"), 500)
            await response(scope, receive, send)
