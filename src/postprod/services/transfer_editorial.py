"""Cut versions and the department registers in the production export, column by column.

The registers have many columns and grow with each department's needs, so they are written
generically from the mapped columns (values as JSON) and read back by each column's type; a
person is named, a cut version is (reel, number), never a database ID.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, Enum, Integer, Numeric, String, Text, inspect, select
from sqlalchemy.orm import Session

from postprod.errors import N_, FileFormatError, InvalidInput
from postprod.model import CutVersion, Person, Production
from postprod.model.audit import jsonable
from postprod.model.editorial import CutVersionContent
from postprod.services import items

_SKIP: set[str] = {
    "id",
    "production_id",
    "version",
    "created_at",
    "updated_at",
    "assignee_id",
    "cut_version_id",
    "previous_id",
}


def _columns(cls: Any, skip: frozenset[str] | set[str] = _SKIP) -> list[Any]:
    attrs: list[Any] = list(inspect(cls).column_attrs)
    return [c for c in attrs if c.key not in skip]


def row_of(obj: Any, skip: frozenset[str] | set[str] = _SKIP) -> dict[str, Any]:
    """An object's columns as JSON values, but those in `skip` (IDs, links written by name)."""
    return {a.key: jsonable(getattr(obj, a.key)) for a in _columns(type(obj), skip)}


_row = row_of


def export_editorial(session: Session, prod: Production) -> dict[str, Any]:
    """{"cut_versions": [...], "registers": {name: [...]}} for the production."""
    versions = list(
        session.scalars(
            select(CutVersion).where(CutVersion.production_id == prod.id).order_by(CutVersion.reel, CutVersion.number)
        )
    )
    ref = {cv.id: [cv.reel, cv.number] for cv in versions}
    contents = {
        c.cut_version_id: c
        for c in session.scalars(select(CutVersionContent).where(CutVersionContent.cut_version_id.in_(list(ref))))
    }
    people = {p.id: p.name for p in prod.people}
    cut_versions = []
    for cv in versions:
        content = contents.get(cv.id)
        cut_versions.append(
            _row(cv)
            | {
                "previous": ref.get(cv.previous_id) if cv.previous_id else None,
                "content": None
                if content is None
                else {"events": content.events, "markers": content.markers, "changes": content.changes},
            }
        )
    registers: dict[str, list[dict[str, Any]]] = {}
    for name, cls in items.register_lists().items():
        rows = session.scalars(select(cls).where(cls.production_id == prod.id).order_by(cls.id))
        links = hasattr(cls, "assignee_id")  # a register entry is placed on a cut and given to a person
        registers[name] = [
            _row(e)
            | (
                {
                    "assignee": people.get(e.assignee_id) if e.assignee_id else None,
                    "cut_version": ref.get(e.cut_version_id) if e.cut_version_id else None,
                }
                if links
                else {}
            )
            for e in rows
        ]
    return {"cut_versions": cut_versions, "registers": registers}


def _decode(col: Any, value: Any, where: str, path: str) -> Any:
    """A JSON value back to the column's Python type; a wrong one names the field."""
    if value is None:
        if not col.columns[0].nullable:
            raise FileFormatError(path, N_("%(where)s: missing value"), params={"where": where})
        return None
    t = col.columns[0].type
    try:
        if isinstance(t, Enum) and t.enum_class is not None:
            return t.enum_class(value)
        if isinstance(t, DateTime):
            return datetime.fromisoformat(value)
        if isinstance(t, Date):
            return date.fromisoformat(value)
        if isinstance(t, Numeric) and not isinstance(t, Integer):
            return Decimal(str(value))
        if isinstance(t, Boolean):
            if not isinstance(value, bool):
                raise InvalidInput(N_("expected true or false"))
            return value
        if isinstance(t, Integer):
            if isinstance(value, bool) or not isinstance(value, int):
                raise InvalidInput(N_("expected an integer"))
            return value
        if isinstance(t, String | Text):
            if not isinstance(value, str) or "\x00" in value:
                raise InvalidInput(N_("expected text without NUL characters"))
            if isinstance(t, String) and t.length and len(value) > t.length:
                raise InvalidInput(N_("longer than %(length)s characters"), params={"length": t.length})
            return value
    except (ValueError, TypeError, InvalidOperation, InvalidInput) as exc:
        raise FileFormatError(path, N_("%(where)s: %(exc)s"), params={"where": where, "exc": exc}) from None
    return value


def decode_row(
    cls: type, raw: Any, where: str, path: str, extra: set[str], skip: frozenset[str] | set[str] = _SKIP
) -> dict[str, Any]:
    """A document's row back to column values by their types; unknown fields and wrong values name the field."""
    if not isinstance(raw, dict):
        raise FileFormatError(path, N_("%(where)s: expected an object"), params={"where": where})
    cols = {c.key: c for c in _columns(cls, skip)}
    unknown = set(raw) - set(cols) - extra
    if unknown:
        raise FileFormatError(
            path,
            N_("%(where)s: unknown fields %(unknown)s"),
            params={"where": where, "unknown": ", ".join(sorted(unknown))},
        )
    return {k: _decode(c, raw.get(k, _default(c)), f"{where}.{k}", path) for k, c in cols.items()}


def _default(col: Any) -> Any:
    default = col.columns[0].default
    if default is None or callable(getattr(default, "arg", None)):
        return None
    return jsonable(default.arg)


def parse_editorial(
    cut_versions: list[Any], registers: dict[str, Any], people: set[str], path: str
) -> tuple[list[tuple[dict[str, Any], Any, Any]], dict[str, list[tuple[dict[str, Any], Any, Any]]]]:
    """Check and type the cut versions and registers of a document before anything is written."""
    versions = []
    keys: set[tuple[str, int]] = set()
    for i, raw in enumerate(cut_versions):
        where = f"cut_versions.{i}"
        values = decode_row(CutVersion, raw, where, path, {"previous", "content"})
        key = (values["reel"], values["number"])
        if key in keys:
            raise FileFormatError(
                path,
                N_("%(where)s: reel %(reel)s version %(version)s appears twice"),
                params={"where": where, "reel": key[0], "version": key[1]},
            )
        keys.add(key)
        versions.append((values, raw.get("previous"), raw.get("content")))
    for values, previous, _content in versions:
        if previous is not None and tuple(previous) not in keys:
            raise FileFormatError(
                path,
                N_("cut version %(reel)s v%(number)s: unknown previous %(previous)s"),
                params={"reel": values["reel"], "number": values["number"], "previous": previous},
            )
    parsed: dict[str, list[tuple[dict[str, Any], Any, Any]]] = {}
    for name, rows in (registers or {}).items():
        cls = items.register_lists().get(name)
        if cls is None:
            raise FileFormatError(
                path,
                N_("registers: unknown register %(name)r; registers: %(register_lists)s"),
                params={"name": name, "register_lists": ", ".join(items.register_lists())},
            )
        parsed[name] = []
        for i, raw in enumerate(rows or []):
            where = f"registers.{name}.{i}"
            values = decode_row(cls, raw, where, path, {"assignee", "cut_version"})
            who, anchor = raw.get("assignee"), raw.get("cut_version")
            if who is not None and who.lower() not in people:
                raise FileFormatError(
                    path, N_("%(where)s.assignee: unknown person %(who)r"), params={"where": where, "who": who}
                )
            if anchor is not None and tuple(anchor) not in keys:
                raise FileFormatError(
                    path,
                    N_("%(where)s.cut_version: unknown cut version %(anchor)s"),
                    params={"where": where, "anchor": anchor},
                )
            parsed[name].append((values, who, anchor))
    return versions, parsed


def import_editorial(
    session: Session,
    prod: Production,
    cut_versions: list[Any],
    registers: dict[str, Any],
    people: dict[str, Person],
    path: str,
) -> None:
    """Create the cut versions and register entries of a document (already checked)."""
    versions, parsed = parse_editorial(cut_versions, registers, set(people), path)
    made: dict[tuple[str, int], CutVersion] = {}
    for values, _previous, _content in versions:
        cv = CutVersion(production_id=prod.id, **values)
        session.add(cv)
        made[(cv.reel, cv.number)] = cv
    session.flush()
    for values, previous, content in versions:
        cv = made[(values["reel"], values["number"])]
        if previous is not None:
            cv.previous_id = made[tuple(previous)].id  # type: ignore[index]
        if content is not None:
            session.add(
                CutVersionContent(
                    cut_version_id=cv.id,
                    events=content.get("events") or [],
                    markers=content.get("markers") or [],
                    changes=content.get("changes"),
                )
            )
    entries: dict[str, list[Any]] = {}
    for name, rows in parsed.items():
        cls = items.register_lists()[name]
        entries[name] = []
        for values, who, anchor in rows:
            entry = cls(production_id=prod.id, **values)
            if who is not None:
                entry.assignee_id = people[who.lower()].id  # type: ignore[attr-defined]
            if anchor is not None:
                entry.cut_version_id = made[tuple(anchor)].id  # type: ignore[attr-defined,index]
            session.add(entry)
            entries[name].append(entry)
    session.flush()
