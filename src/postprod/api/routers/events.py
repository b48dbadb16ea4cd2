"""The change feed: a server-sent event stream of the audit trail, for other tools and live pages."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any

import anyio
from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse

from postprod.errors import N_
from postprod.http_deps import PrincipalDep, SessionDep
from postprod.limits import MAX_ID
from postprod.services import events as svc
from postprod.services import money
from postprod.services.principal import Principal
from postprod.services.users import Forbidden, Resource

router = APIRouter(tags=["events"])

POLL_SECONDS = 0.5
HEARTBEAT_SECONDS = 15.0


def _scope(principal: Principal, session: Any, production: int | None) -> list[int] | None:
    """Productions whose changes the user may follow (None: every one, for an administrator)."""
    if production is not None:
        principal.require("events.read", Resource(production))
        return [production]
    if principal.user.is_admin:
        return None
    ids = sorted({g.production_id for g in principal.grants if g.production_id is not None})
    allowed = [pid for pid in ids if principal.can("events.read", Resource(pid))]
    if not allowed:
        raise Forbidden(
            N_("%(username)s may not follow changes in any production"), params={"username": principal.user.username}
        )
    return allowed


@router.get("/events/recent", response_model=list[svc.ChangeView])
def recent(
    principal: PrincipalDep,
    session: SessionDep,
    production: int | None = Query(None, ge=1, le=MAX_ID),
    after: int = Query(0, ge=0, le=MAX_ID, description="Only entries with a larger ID"),
    limit: int = Query(100, ge=1, le=1000),
) -> list[svc.ChangeView]:
    """Changes after an entry ID, oldest first (the stream's content, for pollers)."""
    scope = _scope(principal, session, production)
    return svc.changes_after(session, scope, after, limit, money=money.shows_money(principal.grants))


@router.get(
    "/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "One event per audit entry"}},
)
def stream(
    request: Request,
    principal: PrincipalDep,
    session: SessionDep,
    production: int | None = Query(None, ge=1, le=MAX_ID),
    after: int | None = Query(None, ge=0, le=MAX_ID, description="Start after this entry ID (default: from now on)"),
    limit: int | None = Query(None, ge=1, le=100000, description="Close the stream after this many events"),
    timeout: float | None = Query(None, gt=0, le=86400, description="Close the stream after this many seconds"),
    last_event_id: str | None = Header(None, max_length=20),
) -> StreamingResponse:
    """Server-sent events: `id` is the audit entry ID, `event` is e.g. `Task.update`, `data` the entry as JSON.

    Reconnecting with Last-Event-ID resumes where the stream stopped; a comment line is sent every 15 s.
    """
    scope = _scope(principal, session, production)
    start = after
    resume = (last_event_id or "").strip()
    if resume.isascii() and resume.isdigit() and int(resume) <= MAX_ID:
        start = int(resume)
    if start is None:
        start = svc.last_id(session)
    factory = request.app.state.session_factory
    cursor = svc.FeedCursor(start)
    shows_money = money.shows_money(principal.grants)

    def fetch() -> list[dict[str, Any]]:
        with factory() as s:
            return svc.feed_step(s, cursor, scope, time.monotonic(), money=shows_money)

    async def events() -> AsyncIterator[str]:
        sent = 0
        began = idle_since = time.monotonic()
        yield "retry: 2000\n\n"
        while True:
            if await request.is_disconnected():
                return
            rows = await anyio.to_thread.run_sync(fetch)
            for row in rows:
                sent += 1
                data = json.dumps(row, ensure_ascii=False, default=str)
                yield f"id: {row['id']}\nevent: {row['entity_type']}.{row['action']}\ndata: {data}\n\n"
                if limit is not None and sent >= limit:
                    return
            now = time.monotonic()
            if timeout is not None and now - began >= timeout:
                return
            if rows:
                idle_since = now
                continue
            if now - idle_since >= HEARTBEAT_SECONDS:
                idle_since = now
                yield ": keep-alive\n\n"
            await anyio.sleep(POLL_SECONDS)

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(events(), media_type="text/event-stream", headers=headers)
