"""The audit trail read as a change feed: entries after an ID, for the event stream and pollers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from postprod.model import AuditEntry
from postprod.services.notes import audit_dict


def last_id(session: Session) -> int:
    """The newest audit entry's ID (0 when there is none)."""
    return int(session.scalar(select(func.max(AuditEntry.id))) or 0)


def changes_after(session: Session, production_ids: list[int] | None, after: int, limit: int) -> list[dict[str, Any]]:
    """Entries with an ID above `after`, oldest first, in these productions (None: all)."""
    q = select(AuditEntry).where(AuditEntry.id > after)
    if production_ids is not None:
        q = q.where(AuditEntry.production_id.in_(production_ids))
    rows = session.scalars(q.order_by(AuditEntry.id).limit(limit))
    return [audit_dict(e) | {"production_id": e.production_id} for e in rows]
