"""Dependencies of the API's routes alone: the version a write is made against, loaded items, the job runner.

The request's session and who is asking are shared with the pages: `postprod.http_deps`."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from postprod.api.errors import PreconditionRequired
from postprod.errors import InvalidInput
from postprod.jobs import JobRunner
from postprod.limits import MAX_ID
from postprod.model import Production, Task
from postprod.services.common import get_production
from postprod.services.task_pages import get_task_loaded

_ETAG_RE = re.compile(r'^(?:W/)?"?(\d{1,10})"?$')


def expected_version(if_match: str | None, version: int | None, what: str = "item") -> int:
    """The version a conditional write is made against: the If-Match ETag, else the body's version field."""
    if if_match is not None:
        m = _ETAG_RE.match(if_match.strip())
        if m is None or int(m.group(1)) > MAX_ID:
            raise InvalidInput(f"invalid If-Match {if_match!r}: the ETag of the {what} read", field="If-Match")
        return int(m.group(1))
    if version is None:
        raise PreconditionRequired(f"send If-Match with the {what}'s ETag (or a version field)", field="version")
    return version


def load_production(session: Session, production_id: int) -> Production:
    """A production by its ID in the path."""
    return get_production(session, int(production_id))


def load_task(session: Session, prod: Production | int, ref: str) -> Task:
    """A task of the production (or production ID) by key or ID, its view's relations loaded eagerly."""
    return get_task_loaded(session, prod if isinstance(prod, int) else prod.id, ref)


def get_jobs(request: Request) -> JobRunner:
    """The app's job runner."""
    runner: JobRunner = request.app.state.jobs
    return runner


JobsDep = Annotated[JobRunner, Depends(get_jobs)]
