"""The audit trail read as a change feed: entries after an ID, for the event stream and pollers."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from postprod.model import AuditEntry
from postprod.model.base import utcnow
from postprod.services.common import described
from postprod.services.money import ShowsMoney, show_all
from postprod.services.notes import AuditView, audit_dict


def last_id(session: Session) -> int:
    """The newest audit entry's ID (0 when there is none)."""
    return int(session.scalar(select(func.max(AuditEntry.id))) or 0)


@described(production_id="The production the change belongs to (None once it is deleted).")
class ChangeView(AuditView):
    production_id: int | None


def changes_after(
    session: Session, production_ids: list[int] | None, after: int, limit: int, *, money: ShowsMoney = show_all
) -> list[ChangeView]:
    """Entries with an ID above `after`, oldest first, in these productions (None: all); money where `money` allows."""
    q = select(AuditEntry).where(AuditEntry.id > after)
    if production_ids is not None:
        q = q.where(AuditEntry.production_id.in_(production_ids))
    rows = session.scalars(q.order_by(AuditEntry.id).limit(limit))
    return [{**audit_dict(e, money=money(e.production_id)), "production_id": e.production_id} for e in rows]


class FeedCursor:
    """Hands out audit entries in ID order without skipping one whose transaction commits late.

    On PostgreSQL, IDs are taken when rows are written, not when they commit: entry 11 can become
    visible before entry 10. The cursor only moves past a missing ID once it has waited `gap_wait`
    seconds for it (a rolled-back transaction leaves a gap for good).
    """

    def __init__(self, last: int, gap_wait: float = 3.0) -> None:
        self.last = last
        self.gap_wait = gap_wait
        self._gap: tuple[int, float] | None = None  # (missing ID, since when)

    def advance(self, ids: list[int], now: float, ages: list[float] | None = None) -> list[int]:
        """The IDs (ascending, all above `last`) that may be handed out now; moves `last` past them.

        `ages` (seconds since each entry was written) settles at once a gap before an entry older
        than the wait: history with holes (deleted productions) is not waited for.
        """
        out: list[int] = []
        expected = self.last + 1
        for n, i in enumerate(ids):
            if i != expected and not (ages is not None and ages[n] >= self.gap_wait):
                if self._gap is None or self._gap[0] != expected:
                    self._gap = (expected, now)
                if now - self._gap[1] < self.gap_wait:
                    break
            self._gap = None
            out.append(i)
            expected = i + 1
        if out:
            self.last = out[-1]
        return out


def feed_step(
    session: Session,
    cursor: FeedCursor,
    production_ids: list[int] | None,
    now: float,
    limit: int = 100,
    *,
    money: ShowsMoney = show_all,
) -> list[dict[str, Any]]:
    """The next entries of the feed the user may see, in order, moving the cursor; money where `money` allows."""
    rows = session.execute(
        select(AuditEntry.id, AuditEntry.at).where(AuditEntry.id > cursor.last).order_by(AuditEntry.id).limit(limit)
    ).all()
    wall = utcnow()
    ages = [(wall - (at if at.tzinfo else at.replace(tzinfo=UTC))).total_seconds() for _id, at in rows]
    ready = cursor.advance([i for i, _at in rows], now, ages)
    if not ready:
        return []
    q = select(AuditEntry).where(AuditEntry.id.in_(ready))
    if production_ids is not None:
        q = q.where(AuditEntry.production_id.in_(production_ids))
    return [
        audit_dict(e, money=money(e.production_id)) | {"production_id": e.production_id}
        for e in session.scalars(q.order_by(AuditEntry.id))
    ]
