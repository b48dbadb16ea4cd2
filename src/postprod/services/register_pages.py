"""Registers a page at a time: filtered, sorted and counted by the database, for screens with thousands of entries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from postprod.errors import InvalidInput, NotFound
from postprod.model import CutVersion, CutVersionContent, Note, Production
from postprod.model.editorial import RegisterMixin
from postprod.services.money import is_money_field, refuse_money_field
from postprod.services.registers import Kind, Placement, attr_of, enum_value

MAX_LIMIT = 500


@dataclass
class RegisterPage:
    """One page of a register, the total matching, counts by status, and the reels present."""

    kind: Kind
    rows: list[RegisterMixin]
    total: int
    by_status: dict[str, int]
    reels: list[str]
    place: Placement
    notes: dict[int, int]


def sort_columns(kind: Kind, *, money: bool = True) -> list[str]:
    """The fields a register can be sorted by (its own plain fields, then the common ones); money ones only with `money`."""
    types = ("key", "str", "int", "priority", "date", "language") + (("money",) if money else ())
    return [f.name for f in kind.fields if f.type in types] + ["reel", "in", "status", "vendor", "due"]


def page_entries(
    session: Session,
    prod: Production,
    kind: Kind,
    *,
    status: str | None = None,
    reel: str | None = None,
    review: bool | None = None,
    search: str | None = None,
    sort: str = "in",
    limit: int = 50,
    offset: int = 0,
    money: bool = True,
) -> RegisterPage:
    """A page of a register; sort by a field name, '-' first for descending (cut order by default).

    Without `money` (no budget right) a money field is refused as a sort key: the order would tell the amounts.
    """
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"invalid limit {limit}: 1 to {MAX_LIMIT}", field="limit")
    if offset < 0:
        raise InvalidInput(f"invalid offset {offset}: 0 or more", field="offset")
    model: Any = kind.model
    desc = sort.startswith("-")
    name = sort.lstrip("-")
    if not money and any(f.name == name and is_money_field(f.type) for f in kind.fields):
        refuse_money_field(name, "sorting", "sort")
    if name not in sort_columns(kind, money=money):
        raise InvalidInput(f"invalid sort {sort!r}: one of {', '.join(sort_columns(kind, money=money))}", field="sort")
    base = [model.production_id == prod.id]
    where = list(base)
    if status:
        where.append(model.status == enum_value(kind.status_enum, status, "status"))
    if reel:
        where.append(model.reel == reel.strip())
    if review is not None:
        where.append(model.review.is_(review))
    if search and search.strip():
        pattern = f"%{search.strip().lower()}%"
        texts = [getattr(model, attr_of(kind, f.name)) for f in kind.fields if f.type in ("key", "str", "text")]
        where.append(or_(*(func.lower(c).like(pattern) for c in texts)))
    total = int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)
    col = getattr(model, attr_of(kind, name))
    key_col = getattr(model, kind.key)
    order = [col.desc() if desc else col.asc()]
    if name in ("reel", "in"):
        order = [model.reel.desc() if desc else model.reel.asc(), model.record_in.desc() if desc else model.record_in]
    # NULLs last either way, then the key, so the order is total and pages never overlap.
    q = (
        select(model)
        .where(*where)
        .order_by(col.is_(None), *order, func.length(key_col), key_col, model.id)
        .limit(limit)
        .offset(offset)
    )
    rows = list(session.scalars(q))
    by_status = {
        s.value: int(n)
        for s, n in session.execute(select(model.status, func.count()).where(*base).group_by(model.status)).all()
    }
    reels = [
        r
        for (r,) in session.execute(
            select(model.reel).where(*base, model.reel.is_not(None)).group_by(model.reel).order_by(model.reel)
        ).all()
    ]
    notes: dict[int, int] = {}
    if rows:
        notes = dict(
            session.execute(
                select(Note.target_id, func.count())
                .where(Note.target_type == kind.target_type, Note.target_id.in_([r.id for r in rows]))
                .group_by(Note.target_id)
            ).all()
        )
    return RegisterPage(kind, rows, total, by_status, reels, Placement(session, prod), notes)


def version_changes(
    session: Session, prod: Production, version_id: int
) -> tuple[CutVersion, list[dict[str, Any]] | None]:
    """A cut version of the production and its stored change list against the version before (None for v1)."""
    cv = session.get(CutVersion, version_id)
    if cv is None or cv.production_id != prod.id:
        raise NotFound(f"no cut version {version_id} in {prod.title!r}")
    content = session.get(CutVersionContent, cv.id)
    return cv, content.changes if content is not None else None
