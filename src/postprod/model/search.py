"""The search index: one row per searchable thing of a production, its words normalised.

A flush listener keeps it in step with every write the ORM makes, in the same transaction, as the
audit trail is kept (model/audit.py): no service can forget it, and one list per kind says what is
indexed, the same on both databases (rather than triggers written twice, once per dialect). Money
is never indexed: no rate, bid or currency column is listed. services/search.py reads it.

The full-text structures over it
are the database's own and the ORM does not describe them: on SQLite an FTS5 table
(`search_fts`, with its shadow tables and triggers), on PostgreSQL a GIN index over
`to_tsvector('simple', text)`. `modelled` tells schema comparisons to leave them aside.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint, delete, event, insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from postprod.model.base import Base

# The SQLite FTS5 table and the shadow tables FTS5 makes for it.
FULL_TEXT_TABLES = frozenset(
    {"search_fts", "search_fts_data", "search_fts_idx", "search_fts_content", "search_fts_docsize", "search_fts_config"}
)


class SearchEntry(Base):
    """A searchable thing: a task, person, register entry, deliverable or note, by kind and ID."""

    __tablename__ = "search_entry"
    __table_args__ = (
        UniqueConstraint("kind", "item_id", name="uq_search_entry_item"),
        Index("ix_search_entry_production", "production_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    production_id: Mapped[int] = mapped_column(ForeignKey("production.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))  # an item kind's name, "person" or "note"
    item_id: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300), default="")  # as results show it
    text: Mapped[str] = mapped_column(Text, default="")  # lower case, no accents, words only


# PostgreSQL's GIN index over the words' tsvector (an expression index the ORM does not describe).
FULL_TEXT_INDEX = "ix_search_entry_fts"


def modelled(name: Any, type_: str, _parent: Any) -> bool:
    """For schema comparisons (alembic's include_name): leave the full-text tables and index aside."""
    return not ((type_ == "table" and name in FULL_TEXT_TABLES) or (type_ == "index" and name == FULL_TEXT_INDEX))


# What each kind indexes: model name -> (kind, the columns results are titled by, the columns searched).
INDEXED: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "Task": ("task", ("key", "name"), ("key", "name", "description", "language")),
    "Person": ("person", ("name", "role"), ("name", "role", "skills", "email")),
    "Deliverable": ("deliverable", ("name",), ("name", "description", "spec", "language")),
    "Note": ("note", ("body",), ("body", "author")),
    "VfxShot": ("vfx_shot", ("shot_id", "description"), ("shot_id", "description", "vendor", "reel", "review_reason")),
    "AdrCue": (
        "adr_cue",
        ("number", "character"),
        ("number", "character", "line", "actor", "reason", "vendor", "reel"),
    ),
    "FoleyCue": ("foley_cue", ("number", "description"), ("number", "character", "description", "category", "vendor")),
    "MusicCue": ("music_cue", ("number", "title"), ("number", "title", "composer", "publisher", "performer", "vendor")),
    "DubbingVersion": ("dubbing_version", ("language", "studio"), ("language", "studio", "vendor")),
}


def normalise(value: str) -> str:
    """Lower case, accents off, words only: what is indexed and what is searched for, on both databases."""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.findall(r"[^\W_]+", plain))


def _words(values: list[Any]) -> str:
    parts: list[str] = []
    for v in values:
        if isinstance(v, list | tuple):
            parts.extend(str(x) for x in v)
        elif v is not None and v != "":
            parts.append(str(getattr(v, "value", v)))
    return " ".join(parts)


def index_row(obj: Any) -> dict[str, Any]:
    """The index row of a searchable object."""
    kind, title, columns = INDEXED[type(obj).__name__]
    return {
        "production_id": obj.production_id,
        "kind": kind,
        "item_id": obj.id,
        "title": " · ".join(str(v) for c in title if (v := getattr(obj, c))).replace("\n", " ")[:300],
        "text": normalise(_words([getattr(obj, c) for c in columns])),
    }


def _indexed(obj: Any) -> bool:
    return type(obj).__name__ in INDEXED


@event.listens_for(Session, "before_flush")
def _collect(session: Session, _ctx: Any, _instances: Any) -> None:
    """Remember what will change (new rows get their IDs during the flush)."""
    changed, gone, fresh = session.info.setdefault("search_pending", ({}, {}, set()))
    for obj in session.new:
        if _indexed(obj):
            changed[id(obj)] = obj
            fresh.add(id(obj))
    for obj in session.dirty:
        if _indexed(obj):
            changed[id(obj)] = obj
    for obj in session.deleted:
        if _indexed(obj):
            gone[id(obj)] = obj


@event.listens_for(Session, "after_flush")
def _refresh(session: Session, _ctx: Any) -> None:
    """Rewrite the index rows of what changed, in the same transaction (one delete per kind, one insert)."""
    pending = session.info.pop("search_pending", None)
    if not pending or not (pending[0] or pending[1]):
        return
    changed_by_key, gone, fresh = pending
    changed = [o for k, o in changed_by_key.items() if k not in gone and o.id is not None]
    stale: dict[str, list[int]] = {}
    for key, obj in [*changed_by_key.items(), *gone.items()]:
        if key not in fresh and obj.id is not None:  # a new row has no index row yet
            stale.setdefault(INDEXED[type(obj).__name__][0], []).append(obj.id)
    conn = session.connection()
    for kind, ids in stale.items():
        conn.execute(delete(SearchEntry).where(SearchEntry.kind == kind, SearchEntry.item_id.in_(ids)))
    if changed:
        conn.execute(insert(SearchEntry), [index_row(o) for o in changed])
