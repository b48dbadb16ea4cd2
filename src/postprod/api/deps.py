"""Dependencies of the API's routes alone: loaded items (the version a write is made against: services/items).

The request's session, who is asking and the job runner are shared with the pages: `postprod.http_deps`."""

from __future__ import annotations

from sqlalchemy.orm import Session

from postprod.http_deps import JobsDep, get_jobs
from postprod.model import Production, Task
from postprod.services.common import get_production
from postprod.services.tasks import get_task_loaded


def load_production(session: Session, production_id: int) -> Production:
    """A production by its ID in the path."""
    return get_production(session, int(production_id))


def load_task(session: Session, prod: Production | int, ref: str) -> Task:
    """A task of the production (or production ID) by key or ID, its view's relations loaded eagerly."""
    return get_task_loaded(session, prod if isinstance(prod, int) else prod.id, ref)


__all__ = ["JobsDep", "get_jobs", "load_production", "load_task"]
