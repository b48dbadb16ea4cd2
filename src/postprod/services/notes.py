"""Notes on tasks (and, as they come, on any other item) and the audit trail that records changes."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from typing_extensions import TypedDict

from postprod.errors import N_, InvalidInput
from postprod.model import AuditEntry, Note, Production, Task
from postprod.services import items
from postprod.services.common import described


def add_note(session: Session, task: Task, body: str, author: str) -> Note:
    """Attach a note to a task."""
    return items.add_note(session, task.production_id, "task", task.id, body, author)


def list_notes(session: Session, prod: Production, task: Task | None = None) -> list[Note]:
    """Notes of a production, or of one task, oldest first."""
    q = select(Note).where(Note.production_id == prod.id).order_by(Note.created_at, Note.id)
    if task is not None:
        q = q.where(Note.target_type == "task", Note.target_id == task.id)
    return list(session.scalars(q))


@described(target="A task's key, or the item's ID.")
class NoteView(TypedDict):
    id: int
    target_type: str
    target: str | int
    author: str
    at: str
    body: str


@described(before="The item's values before (money only for roles with the budget right).")
class AuditView(TypedDict):
    id: int
    at: str
    actor: str
    action: str
    entity_type: str
    entity_id: int
    label: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def note_dict(note: Note, task_keys: dict[int, str] | None = None) -> NoteView:
    target: str | int = note.target_id
    if task_keys and note.target_type == "task":
        target = task_keys.get(note.target_id, note.target_id)
    return {
        "id": note.id,
        "target_type": note.target_type,
        "target": target,
        "author": note.author,
        "at": note.created_at.isoformat(),
        "body": note.body,
    }


def history(
    session: Session,
    prod: Production,
    *,
    task: Task | None = None,
    entity_type: str | None = None,
    limit: int = 50,
) -> list[AuditEntry]:
    """The audit trail of a production (or one task), newest first."""
    if limit <= 0:
        raise InvalidInput("limit must be positive", field="limit")
    q = select(AuditEntry).where(AuditEntry.production_id == prod.id)
    if task is not None:
        q = q.where(AuditEntry.entity_type == "Task", AuditEntry.entity_id == task.id)
    if entity_type:
        q = q.where(AuditEntry.entity_type == entity_type)
    return list(session.scalars(q.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)))


def audit_dict(e: AuditEntry, *, money: bool = True) -> AuditView:
    """An entry as plain data; its money fields only with `money` (the budget right, see services/money.py)."""
    if money:
        before, after = e.before, e.after
    else:
        # Only to strip money: its gate loads services.users (argon2, users area), ~0.03 s the CLI never needs.
        from postprod.services.money import audit_values

        before, after = audit_values(e.entity_type, e.before), audit_values(e.entity_type, e.after)
    return {
        "id": e.id,
        "at": (e.at if e.at.tzinfo else e.at.replace(tzinfo=UTC)).isoformat(),  # SQLite keeps UTC without zone
        "actor": e.actor,
        "action": e.action,
        "entity_type": e.entity_type,
        "entity_id": e.entity_id,
        "label": e.label,
        "before": before,
        "after": after,
    }


def activity(
    session: Session, prod: Production, *, before_id: int | None = None, actor: str | None = None, limit: int = 50
) -> list[AuditEntry]:
    """A page of the audit trail, newest first; the next page starts before the last ID shown."""
    if not 1 <= limit <= 500:
        raise InvalidInput(N_("invalid limit %(limit)s: 1 to 500"), field="limit", params={"limit": limit})
    q = select(AuditEntry).where(AuditEntry.production_id == prod.id)
    if before_id is not None:
        q = q.where(AuditEntry.id < before_id)
    if actor:
        q = q.where(AuditEntry.actor == actor.strip())
    return list(session.scalars(q.order_by(AuditEntry.id.desc()).limit(limit)))
