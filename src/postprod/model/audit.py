"""The audit trail: every insert, update and delete, with who, when, before and after.

Recorded by a flush listener so that no service can forget it: whatever changes a mapped
object with an `audit_production_id` writes an AuditEntry in the same transaction.
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, event, insert, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.orm.attributes import get_history

from postprod.model.base import Base, utcnow

# Columns that change on every write and say nothing to a reader of the history.
_SKIP = {"updated_at", "created_at", "version", "id"}


class AuditEntry(Base):
    """One change to one object."""

    __tablename__ = "audit_entry"
    __table_args__ = (
        Index("ix_audit_target", "entity_type", "entity_id"),
        Index("ix_audit_production_at", "production_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    production_id: Mapped[int | None] = mapped_column(ForeignKey("production.id", ondelete="CASCADE"), nullable=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(16))
    entity_type: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(200), default="")
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)


def jsonable(value: Any) -> Any:
    """A column value as JSON (dates ISO, decimals as strings, enums by value)."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC).isoformat()  # SQLite drops the zone of UTC timestamps
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    return value


def entity_label(obj: Any) -> str:
    """A human label for an audited object: its key, title or name, else its number (an order's, an invoice's)
    or its description (a budget line's)."""
    for attr in ("key", "title", "name", "label", "number", "description"):
        val = getattr(obj, attr, None)
        if isinstance(val, str) and val:
            return val[:200]
    if type(obj).__name__ == "Dependency":
        return f"{obj.predecessor.key} -> {obj.successor.key}"
    if type(obj).__name__ == "TaskAssignment":
        return f"{obj.task.key}: {obj.person.name}"
    return ""


def _changes(obj: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for attr in inspect(type(obj)).column_attrs:
        if attr.key in _SKIP:
            continue
        hist = get_history(obj, attr.key)
        if hist.has_changes():
            old = hist.deleted[0] if hist.deleted else None
            new = hist.added[0] if hist.added else None
            if jsonable(old) != jsonable(new):
                before[attr.key] = jsonable(old)
                after[attr.key] = jsonable(new)
    return before, after


def _snapshot(obj: Any) -> dict[str, Any]:
    return {a.key: jsonable(getattr(obj, a.key)) for a in inspect(type(obj)).column_attrs if a.key not in _SKIP}


def _production_of(obj: Any) -> int | None:
    try:
        pid = obj.audit_production_id
    except Exception:
        return None
    return pid if isinstance(pid, int) else None


@event.listens_for(Session, "before_flush")
def _collect(session: Session, _ctx: Any, _instances: Any) -> None:
    """Remember updates and deletes before the flush forgets their history."""
    if session.info.get("audit_disabled"):
        return
    pending = session.info.setdefault("audit_pending", [])
    for obj in session.dirty:
        if hasattr(obj, "audit_production_id") and session.is_modified(obj, include_collections=False):
            before, after = _changes(obj)
            if after:
                pending.append(("update", obj, before, after))
    for obj in session.deleted:
        if hasattr(obj, "audit_production_id"):
            pending.append(("delete", obj, _snapshot(obj), None))
    session.info["audit_new"] = [o for o in session.new if hasattr(o, "audit_production_id")]


@event.listens_for(Session, "after_flush")
def _write(session: Session, _ctx: Any) -> None:
    """Write the entries once new rows have their IDs, in the same transaction."""
    if session.info.get("audit_disabled"):
        return
    rows = []
    actor = str(session.info.get("actor") or "unknown")
    now = utcnow()
    for obj in session.info.pop("audit_new", []):
        rows.append(("create", obj, None, _snapshot(obj)))
    rows.extend(session.info.pop("audit_pending", []))
    if not rows:
        return
    # Entries about a production deleted in this flush keep no key to the vanished row.
    gone = {obj.id for action, obj, _b, _a in rows if action == "delete" and type(obj).__name__ == "Production"}
    values = []
    for action, obj, before, after in rows:
        pid = _production_of(obj)
        if pid in gone:
            pid = None
        values.append(
            {
                "production_id": pid,
                "at": now,
                "actor": actor,
                "action": action,
                "entity_type": type(obj).__name__,
                "entity_id": obj.id,
                "label": entity_label(obj),
                "before": before,
                "after": after,
            }
        )
    session.connection().execute(insert(AuditEntry), values)
