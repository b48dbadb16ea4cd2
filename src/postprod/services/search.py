"""Search across a production: tasks, people, register entries (VFX shots, cues, dubbed versions),
deliverables and notes, by their words, on SQLite (FTS5) and PostgreSQL (tsvector) alike.

The index (model/search.py) is kept in step by a flush listener there rather than by database
triggers: it sees every write the ORM makes, in the same transaction (as the audit trail does), and
one list per kind says what is indexed, the same on both databases. Writes that bypass the ORM
(the connection-level delete of an item's notes, a production's cascade) can leave rows pointing at
nothing; results are resolved against the live rows, so those never show. A production indexed
before the index existed is filled on its first search (`ensure_indexed`).

Money is never indexed (no rate, bid or currency column is listed), so no search can find it; and a
result is shown only when the reader may read the thing itself: clients only what is shared with
them, and no notes (they are the team's).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, insert, literal_column, select, text
from sqlalchemy.orm import Session
from typing_extensions import TypedDict

from postprod.model import (
    AdrCue,
    Deliverable,
    DubbingVersion,
    FoleyCue,
    MusicCue,
    Note,
    Person,
    Production,
    SearchEntry,
    Task,
    VfxShot,
)
from postprod.model.search import index_row, normalise
from postprod.services import items, review
from postprod.services.users import Grant, Resource, can

MAX_QUERY = 200
CANDIDATES = 200  # best matches looked at before rights are checked
PER_KIND = 20  # results shown per kind


KIND_ORDER = [
    "task",
    "person",
    "vfx_shot",
    "adr_cue",
    "foley_cue",
    "music_cue",
    "dubbing_version",
    "deliverable",
    "note",
]
MODELS: dict[str, type[Any]] = {"task": Task, "person": Person, "deliverable": Deliverable, "note": Note, "vfx_shot": VfxShot,
          "adr_cue": AdrCue, "foley_cue": FoleyCue, "music_cue": MusicCue, "dubbing_version": DubbingVersion}  # fmt: skip


def rebuild(session: Session, prod: Production) -> int:
    """Index every searchable thing of a production afresh; the number of rows."""
    session.flush()
    conn = session.connection()
    conn.execute(delete(SearchEntry).where(SearchEntry.production_id == prod.id))
    rows = [
        index_row(obj)
        for model in MODELS.values()
        for obj in session.scalars(select(model).where(model.production_id == prod.id))
    ]
    if rows:
        conn.execute(insert(SearchEntry), rows)
    return len(rows)


def ensure_indexed(session: Session, prod: Production) -> None:
    """Fill the index of a production that has none yet (one made before the index existed)."""
    if session.scalar(select(SearchEntry.id).where(SearchEntry.production_id == prod.id).limit(1)) is None:
        rebuild(session, prod)


# --- searching ----------------------------------------------------------------------------------


class SearchHit(TypedDict):
    kind: str  # task, person, vfx_shot, adr_cue, foley_cue, music_cue, dubbing_version, deliverable, note
    title: str
    item_type: str | None  # the item to link to (for a note: the item it is on; "person", by its ID, for a person)
    item_ref: str | None
    item_label: str  # for a note: the item's label


def _match_ids(session: Session, prod: Production, words: list[str]) -> list[int]:
    """IDs of the best-matching index rows: every word, as a word's beginning."""
    if session.get_bind().dialect.name == "postgresql":
        query = " & ".join(f"{w}:*" for w in words)
        vector = func.to_tsvector(literal_column("'simple'::regconfig"), SearchEntry.text)
        tsq = func.to_tsquery(literal_column("'simple'::regconfig"), query)
        stmt = (
            select(SearchEntry.id)
            .where(SearchEntry.production_id == prod.id, vector.op("@@")(tsq))
            .order_by(func.ts_rank(vector, tsq).desc(), SearchEntry.id)
            .limit(CANDIDATES)
        )
        return list(session.scalars(stmt))
    match = " AND ".join(f'"{w}"*' for w in words)
    stmt_text = text(
        "SELECT e.id FROM search_fts JOIN search_entry e ON e.id = search_fts.rowid "
        "WHERE search_fts MATCH :match AND e.production_id = :pid ORDER BY bm25(search_fts), e.id LIMIT :n"
    )
    return list(session.scalars(stmt_text, {"match": match, "pid": prod.id, "n": CANDIDATES}))


def _readable(session: Session, grants: list[Grant], prod: Production, kind_name: str, obj: Any, client: bool) -> bool:
    if kind_name == "person":
        return can(grants, "people.read", Resource(prod.id))
    kind = items.KINDS[kind_name]
    action = "task.read" if kind_name == "task" else "register.read"
    shared = client and review.is_shared(session, prod.id, kind_name, obj.id)
    return can(grants, action, Resource(prod.id, department=kind.department(obj), shared=shared))


def search(session: Session, prod: Production, grants: list[Grant], query: str) -> dict[str, list[SearchHit]]:
    """What the words find in the production that these grants may read, grouped by kind, best first."""
    words = normalise(query[:MAX_QUERY]).split()[:10]
    if not words:
        return {}
    ensure_indexed(session, prod)
    client = any(g.role == "client" and g.production_id == prod.id for g in grants) and not can(
        grants, "task.read", Resource(prod.id)
    )
    ids = _match_ids(session, prod, words)
    rows = {e.id: e for e in session.scalars(select(SearchEntry).where(SearchEntry.id.in_(ids)))} if ids else {}
    found: dict[str, list[SearchHit]] = {}
    for ident in ids:
        e = rows[ident]
        if len(found.get(e.kind, [])) >= PER_KIND:
            continue
        obj = session.get(MODELS[e.kind], e.item_id)
        if obj is None or obj.production_id != prod.id:
            continue  # gone meanwhile (a delete that bypassed the ORM)
        hit = _hit(session, grants, prod, e, obj, client)
        if hit is not None:
            found.setdefault(e.kind, []).append(hit)
    return {k: found[k] for k in KIND_ORDER if k in found}


def _hit(
    session: Session, grants: list[Grant], prod: Production, e: SearchEntry, obj: Any, client: bool
) -> SearchHit | None:
    if e.kind == "note":
        if client or not can(grants, "note.read", Resource(prod.id)):
            return None
        kind = items.KINDS.get(obj.target_type)
        target = session.get(kind.model, obj.target_id) if kind else None
        if kind is None or target is None or not _readable(session, grants, prod, kind.name, target, client):
            return None
        return {
            "kind": "note",
            "title": e.title,
            "item_type": kind.name,
            "item_ref": items.ref_of(kind.name, target),
            "item_label": kind.label(target),
        }
    if not _readable(session, grants, prod, e.kind, obj, client):
        return None
    if e.kind == "person":
        return {"kind": "person", "title": e.title, "item_type": "person", "item_ref": obj.id, "item_label": e.title}
    return {
        "kind": e.kind,
        "title": e.title,
        "item_type": e.kind,
        "item_ref": items.ref_of(e.kind, obj),
        "item_label": e.title,
    }
