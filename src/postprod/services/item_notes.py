"""Notes on any item of a production (task, deliverable, register entry, cut version), and the audit trail as pages."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from postprod.errors import InvalidInput
from postprod.model import AuditEntry, Note, Production

# Target types notes are filed under (the registers keep their own: vfx_shot, adr_cue, ...).
NOTE_TYPES = (
    "task",
    "deliverable",
    "cut_version",
    "vfx_shot",
    "adr_cue",
    "foley_cue",
    "music_cue",
    "dubbing_version",
)


def add_item_note(session: Session, prod: Production, target_type: str, target_id: int, body: str, author: str) -> Note:
    """Attach a note to an item the caller has loaded from this production."""
    if target_type not in NOTE_TYPES:
        raise InvalidInput(f"invalid item type {target_type!r}: one of {', '.join(NOTE_TYPES)}", field="target_type")
    body = body.strip()
    if not body:
        raise InvalidInput("the note is empty", field="body")
    if len(body) > 10_000:
        raise InvalidInput(f"the note is too long ({len(body)} characters, at most 10000)", field="body")
    note = Note(production_id=prod.id, target_type=target_type, target_id=target_id, author=author, body=body)
    session.add(note)
    session.flush()
    return note


def item_notes(session: Session, prod: Production, target_type: str, target_id: int) -> list[Note]:
    """An item's notes, oldest first."""
    return list(
        session.scalars(
            select(Note)
            .where(Note.production_id == prod.id, Note.target_type == target_type, Note.target_id == target_id)
            .order_by(Note.created_at, Note.id)
        )
    )


def activity(
    session: Session, prod: Production, *, before_id: int | None = None, actor: str | None = None, limit: int = 50
) -> list[AuditEntry]:
    """A page of the audit trail, newest first; the next page starts before the last ID shown."""
    if not 1 <= limit <= 500:
        raise InvalidInput(f"invalid limit {limit}: 1 to 500", field="limit")
    q = select(AuditEntry).where(AuditEntry.production_id == prod.id)
    if before_id is not None:
        q = q.where(AuditEntry.id < before_id)
    if actor:
        q = q.where(AuditEntry.actor == actor.strip())
    return list(session.scalars(q.order_by(AuditEntry.id.desc()).limit(limit)))
