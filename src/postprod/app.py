"""The HTTP face of postprod: `create_app()` builds the FastAPI app (REST API, and pages when present)."""

from __future__ import annotations

import gc
import importlib
import importlib.util
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from sqlalchemy import Engine
from starlette.types import ASGIApp

from postprod import __version__, config, db
from postprod.api import errors
from postprod.api.middleware import BodyLimit, HoldRefusedSignIns, SecurityHeaders
from postprod.http_deps import storable_params
from postprod.jobs import make_runner
from postprod.services.webhooks import WebhookDispatcher

API_PREFIX = "/api/v1"

# The API's routers, by module under postprod.api.routers; a module that is absent is skipped.
ROUTERS = (
    "auth",
    "productions",
    "tasks",
    "people",
    "notes",
    "review",
    "jobs",
    "events",
    "registers",
    "planning",
    "cuts",
    "webhooks",
    "budget",
    "calendars",
    "reports",
)


def api_router() -> APIRouter:
    """Every area's router under one APIRouter (mounted at /api/v1)."""
    api = APIRouter()
    for name in ROUTERS:
        modname = f"postprod.api.routers.{name}"
        if importlib.util.find_spec(modname) is None:
            continue
        api.include_router(importlib.import_module(modname).router)
    return api


class PostprodApp(FastAPI):
    """FastAPI whose every answer, even Starlette's last-resort 500, carries the security headers,
    and whose request bodies are capped before any route reads them (api/middleware.py)."""

    def build_middleware_stack(self) -> ASGIApp:
        return SecurityHeaders(HoldRefusedSignIns(BodyLimit(super().build_middleware_stack())))  # type: ignore[arg-type]


def keep_start_up_out_of_the_collector() -> None:
    """Once per process, when the server starts: the objects made so far (modules, routes, the models'
    metadata, about 180,000 of them) go to the collector's permanent generation, so that its full
    collections no longer walk them on every request that triggers one (they took 130-200 ms each).
    """
    if gc.get_freeze_count():
        return  # frozen already: the first app of the process did it (tests build many apps)
    gc.collect()
    gc.freeze()
    # Young collections as by default (a larger first generation made each of them cost 10-90 ms); a full
    # collection after 100 middle ones rather than 10: with the start-up frozen, the rule "pending objects >
    # 1/4 of the long-lived ones" alone let one run every ~100 requests (27 in 3,000 task reads, against 3).
    gc.set_threshold(700, 10, 100)


def create_app(
    database_url: str | None = None, *, engine: Engine | None = None, web: bool = True, webhooks: bool = True
) -> FastAPI:
    """The app on the given database (default: POSTPROD_DATABASE_URL, else ./postprod.db), schema migrated.

    Pages come from `postprod.web.routes.router` when that module exists (and `web` is true; its
    optional `setup(app)` is called too); the API is always at /api/v1, OpenAPI at /api/v1/openapi.json.
    No interactive docs page: Swagger UI and ReDoc would load their scripts from a CDN, which the
    Content-Security-Policy forbids; any OpenAPI viewer reads the JSON document instead.
    """
    if engine is None:
        engine = db.make_engine(database_url or config.database_url())
        db.migrate(engine)
    runner = make_runner(engine)  # Celery workers when POSTPROD_BROKER_URL is set, else threads here

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        keep_start_up_out_of_the_collector()
        dispatcher = WebhookDispatcher(engine).start() if webhooks else None  # while the server runs
        runner.resume_queued()  # jobs queued before a restart run now
        runner.start_sweeping()  # and those of a process that dies meanwhile (this one's or another's)
        yield
        if dispatcher is not None:
            dispatcher.stop()
        runner.shutdown()

    app = PostprodApp(
        lifespan=lifespan,
        title="postprod",
        version=__version__,
        description="The post-production supervisor's system: productions, tasks, people, registers, review.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(storable_params)],
    )
    app.state.engine = engine
    app.state.session_factory = db.session_factory(engine)
    app.state.read_session_factory = db.session_factory(db.reading(engine))
    app.state.jobs = runner
    errors.install(app)
    app.include_router(api_router(), prefix=API_PREFIX)

    @app.get(f"{API_PREFIX}/health", tags=["meta"])
    def health() -> dict[str, Any]:
        """Liveness: the version and the database dialect (no sign-in needed)."""
        return {"status": "ok", "version": __version__, "database": engine.dialect.name}

    if web and importlib.util.find_spec("postprod.web") and importlib.util.find_spec("postprod.web.routes"):
        pages = importlib.import_module("postprod.web.routes")
        app.include_router(pages.router)
        setup = getattr(pages, "setup", None)
        if callable(setup):
            setup(app)

    return app
