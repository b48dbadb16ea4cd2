"""The departments' registers (VFX shots, ADR, foley and music cues, dubbed versions): add, change, list, review."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from postprod.errors import N_, Conflict, IllegalTransition, InvalidInput, NotFound
from postprod.model import Note, Person, Production
from postprod.model.audit import jsonable
from postprod.model.editorial import (
    ADR_TRANSITIONS,
    DUBBING_STEPS,
    DUBBING_TRANSITIONS,
    FOLEY_TRANSITIONS,
    MUSIC_TRANSITIONS,
    VFX_TRANSITIONS,
    AdrCue,
    AdrStatus,
    CutVersion,
    CutVersionContent,
    DubbingStatus,
    DubbingVersion,
    FoleyCue,
    FoleyStatus,
    MusicCue,
    MusicStatus,
    MusicUsage,
    RegisterMixin,
    StepStatus,
    VfxShot,
    VfxStatus,
)
from postprod.services import items
from postprod.services.common import parse_date
from postprod.services.money import is_money_field, refuse_money_field
from postprod.timecode import frames_to_tc, tc_to_frames

MAX_TEXT = {"str": 200, "key": 64, "text": 10_000}


@dataclass(frozen=True)
class Field:
    """An editable field of a register entry: its name, type and the header spellings CSV files use."""

    name: str
    type: str  # key, str, text, int, priority, date, money, currency, usage, step, language
    help: str = ""
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Kind:
    """One register: its model, key field, status workflow and fields."""

    name: str
    label: str
    model: type[RegisterMixin]
    target_type: str
    key: str
    status_enum: type[enum.StrEnum]
    transitions: dict[str, frozenset[str]]
    fields: tuple[Field, ...]

    @property
    def statuses(self) -> list[str]:
        return [s.value for s in self.status_enum]


# Fields every entry has (besides its own); TC fields are read at the rate of the reel's cut.
COMMON_FIELDS: tuple[Field, ...] = (
    Field("reel", "key", "Reel the entry is placed on.", ("reel", "reel name", "bobine")),
    Field(
        "in", "tc", "Record timecode in.", ("in", "tc in", "timecode in", "record in", "rec in", "start", "start tc")
    ),
    Field(
        "out", "tc", "Record timecode out.", ("out", "tc out", "timecode out", "record out", "rec out", "end", "end tc")
    ),
    Field("status", "status", "Status.", ("status", "state")),
    Field("assignee", "person", "Person in charge (name).", ("assignee", "assigned to", "owner")),
    Field("vendor", "str", "Vendor or studio.", ("vendor", "company")),
    Field("start", "date", "Start date (YYYY-MM-DD).", ("start date", "start_date")),
    Field("due", "date", "Due date (YYYY-MM-DD).", ("due", "due date", "due_date", "deadline")),
    Field("done", "date", "Date done (YYYY-MM-DD).", ("done", "done date", "done_date")),
)

KINDS: dict[str, Kind] = {
    "vfx": Kind(
        "vfx",
        "VFX shot",
        VfxShot,
        "vfx_shot",
        "shot_id",
        VfxStatus,
        VFX_TRANSITIONS,
        (
            Field("shot_id", "key", "Shot ID such as 053_CSC_0750.", ("shot", "shot id", "shot_id", "vfx id", "id")),
            Field("description", "text", "What the shot needs.", ("description", "desc", "work")),
            Field("bid", "money", "Bid amount.", ("bid", "bid amount", "bid_amount", "cost")),
            Field("currency", "currency", "Bid currency (EUR, USD...).", ("currency", "bid currency")),
            Field(
                "shot_version", "int", "Latest delivered version number.", ("version", "shot version", "shot_version")
            ),
        ),
    ),
    "adr": Kind(
        "adr",
        "ADR cue",
        AdrCue,
        "adr_cue",
        "number",
        AdrStatus,
        ADR_TRANSITIONS,
        (
            Field(
                "number", "key", "Cue number.", ("cue", "cue #", "cue number", "cue no", "cue id", "#", "number", "no")
            ),
            Field("character", "str", "Character.", ("character", "char", "role", "personnage")),
            Field("actor", "str", "Actor.", ("actor", "talent", "comedien")),
            Field("line", "text", "The line to re-record.", ("line", "dialogue", "dialog", "text", "replique")),
            Field("reason", "str", "Why (noise, performance, added line...).", ("reason", "note", "notes", "comment")),
            Field("priority", "priority", "1 (low) to 5 (urgent).", ("priority", "prio")),
            Field("session", "date", "Recording session date.", ("session", "session date", "recording date")),
        ),
    ),
    "foley": Kind(
        "foley",
        "foley cue",
        FoleyCue,
        "foley_cue",
        "number",
        FoleyStatus,
        FOLEY_TRANSITIONS,
        (
            Field("number", "key", "Cue number.", ("cue", "cue #", "cue number", "cue no", "#", "number", "no")),
            Field("description", "text", "What is performed.", ("description", "desc", "sound")),
            Field("character", "str", "Character.", ("character", "char", "role")),
            Field("category", "str", "Footsteps, cloth, props, specifics...", ("category", "type")),
        ),
    ),
    "music": Kind(
        "music",
        "music cue",
        MusicCue,
        "music_cue",
        "number",
        MusicStatus,
        MUSIC_TRANSITIONS,
        (
            Field(
                "number",
                "key",
                "Cue number such as 1M3.",
                ("cue", "cue #", "cue number", "cue no", "#", "number", "no"),
            ),
            Field("title", "str", "Title of the piece.", ("title", "cue title", "track")),
            Field("composer", "str", "Composer(s).", ("composer", "composers", "writer", "writers")),
            Field("publisher", "str", "Publisher(s).", ("publisher", "publishers", "editeur")),
            Field("performer", "str", "Performer(s).", ("performer", "artist", "performers")),
            Field("usage", "usage", "Usage: " + ", ".join(u.value for u in MusicUsage) + ".", ("usage", "use")),
        ),
    ),
    "dubbing": Kind(
        "dubbing",
        "dubbed version",
        DubbingVersion,
        "dubbing_version",
        "language",
        DubbingStatus,
        DUBBING_TRANSITIONS,
        (
            Field("language", "language", "Language code (en, de, es...).", ("language", "lang", "langue")),
            Field("studio", "str", "Dubbing studio.", ("studio",)),
            *(Field(step, "step", f"Status of the {step} step.", (step,)) for step in DUBBING_STEPS),
        ),
    ),
}

# Model attribute of a field when it differs from the field's name.
ATTR = {"in": "record_in", "out": "record_out", "start": "start_date", "due": "due_date", "done": "done_date"}
KIND_ATTR = {("vfx", "bid"): "bid_amount", ("vfx", "currency"): "bid_currency", ("adr", "session"): "session_date"}


def get_kind(name: str) -> Kind:
    """A register by name (adr, foley, music, vfx, dubbing)."""
    kind = KINDS.get(name.strip().lower())
    if kind is None:
        raise InvalidInput(
            N_("unknown register %(name)r: one of %(choices)s"),
            field="kind",
            params={"name": name, "choices": ", ".join(KINDS)},
        )
    return kind


def all_fields(kind: Kind) -> tuple[Field, ...]:
    return kind.fields + COMMON_FIELDS


def attr_of(kind: Kind, field: str) -> str:
    return KIND_ATTR.get((kind.name, field), ATTR.get(field, field))


def enum_value(enum_cls: type[enum.StrEnum], value: str, field: str) -> Any:
    """A member by its value ("in progress", "in_progress" and "in-progress" all work)."""
    text = value.strip().lower().replace("_", "-").replace(" ", "-")
    try:
        return enum_cls(text)
    except ValueError:
        allowed = ", ".join(m.value for m in enum_cls)
        raise InvalidInput(
            N_("invalid %(field)s %(value)r: one of %(allowed)s"),
            field=field,
            params={"field": field, "value": value, "allowed": allowed},
        ) from None


class Placement:
    """Rates of the reels of a production (from their latest cut version) and people by name, cached."""

    def __init__(self, session: Session, prod: Production) -> None:
        self.session = session
        self.prod = prod
        rows = session.execute(
            select(
                CutVersion.id,
                CutVersion.reel,
                CutVersion.number,
                CutVersion.fps_num,
                CutVersion.fps_den,
                CutVersion.drop_frame,
            ).where(CutVersion.production_id == prod.id)
        ).all()
        self.versions = {r.id: (r.reel, r.number, Fraction(r.fps_num, r.fps_den), r.drop_frame) for r in rows}
        self.latest: dict[str, int] = {}
        for vid, (reel, number, _r, _d) in self.versions.items():
            cur = self.latest.get(reel)
            if cur is None or self.versions[cur][1] < number:
                self.latest[reel] = vid
        self._people: dict[str, Person] | None = None

    def rate(self, reel: str | None, version_id: int | None = None) -> tuple[Fraction, bool]:
        """The rate and drop-frame mode timecodes of this reel (or version) are read and written in."""
        vid = version_id if version_id in self.versions else self.latest.get(reel or "")
        if vid is not None:
            _reel, _n, rate, df = self.versions[vid]
            return rate, df
        return self.prod.fps, self.prod.drop_frame

    def tc(self, frames: int | None, reel: str | None, version_id: int | None) -> str | None:
        if frames is None:
            return None
        rate, df = self.rate(reel, version_id)
        return frames_to_tc(frames, rate, df)

    def person(self, name: str) -> Person:
        if self._people is None:
            people = self.session.scalars(select(Person).where(Person.production_id == self.prod.id))
            self._people = {p.name.lower(): p for p in people}
        p = self._people.get(name.strip().lower())
        if p is None:
            raise NotFound(
                N_("no person %(value)r in %(production)r"),
                field="assignee",
                params={"value": name.strip(), "production": self.prod.title},
            )
        return p


def _text(value: str, field: Field) -> str:
    text = value.strip()
    limit = MAX_TEXT["key" if field.type == "key" else "text" if field.type == "text" else "str"]
    if len(text) > limit:
        raise InvalidInput(
            N_("%(name)s is too long (%(value)s characters, at most %(limit)s)"),
            field=field.name,
            params={"name": field.name, "value": len(text), "limit": limit},
        )
    return text


def parse_value(kind: Kind, field: Field, value: str, place: Placement, reel: str | None) -> Any:
    """A field's typed value from what a user typed or a CSV cell held ('' clears an optional field)."""
    text = value.strip()
    t = field.type
    if t == "key":
        text = _text(text, field)
        if field.name != "reel" and (not text or any(c.isspace() for c in text)):
            raise InvalidInput(
                N_("invalid %(name)s %(value)r: not empty, no spaces"),
                field=field.name,
                params={"name": field.name, "value": value},
            )
        return text or None
    if t in ("str", "text"):
        return _text(text, field)
    if t == "language":
        if not (2 <= len(text) <= 16) or not text.replace("-", "").isalpha():
            raise InvalidInput(
                N_("invalid language %(value)r: a code such as en, de or pt-BR"),
                field=field.name,
                params={"value": value},
            )
        return text.lower()
    if t == "currency":
        if len(text) != 3 or not text.isalpha():
            raise InvalidInput(
                N_("invalid currency %(value)r: a 3-letter code such as EUR"), field=field.name, params={"value": value}
            )
        return text.upper()
    if not text:
        if t in ("int", "priority"):
            raise InvalidInput(N_("%(name)s is empty"), field=field.name, params={"name": field.name})
        return None
    if t in ("int", "priority"):
        try:
            n = int(text)
        except ValueError:
            raise InvalidInput(
                N_("invalid %(name)s %(value)r: a whole number"),
                field=field.name,
                params={"name": field.name, "value": value},
            ) from None
        lo, hi = (1, 5) if t == "priority" else (0, 100_000)
        if not lo <= n <= hi:
            raise InvalidInput(
                N_("invalid %(name)s %(n)s: between %(lo)s and %(hi)s"),
                field=field.name,
                params={"name": field.name, "n": n, "lo": lo, "hi": hi},
            )
        return n
    if t == "date":
        return parse_date(text, field.name)
    if t == "money":
        try:
            amount = Decimal(text.replace(" ", "").replace(",", ""))
        except InvalidOperation:
            raise InvalidInput(
                N_("invalid %(name)s %(value)r: an amount such as 12500.00"),
                field=field.name,
                params={"name": field.name, "value": value},
            ) from None
        if not amount.is_finite() or amount < 0 or amount >= Decimal("1e10"):
            raise InvalidInput(
                N_("invalid %(name)s %(value)r: between 0 and 9999999999.99"),
                field=field.name,
                params={"name": field.name, "value": value},
            )
        return amount.quantize(Decimal("0.01"))
    if t == "usage":
        return enum_value(MusicUsage, text, field.name)
    if t == "step":
        return enum_value(StepStatus, text, field.name)
    if t == "status":
        return enum_value(kind.status_enum, text, "status")
    if t == "person":
        return place.person(text)
    if t == "tc":
        rate, df = place.rate(reel)
        frames = tc_to_frames(text, rate, df if ";" not in text else None, field=field.name)
        if frames < 0:
            raise InvalidInput(
                N_("invalid %(name)s %(value)r: negative timecode"),
                field=field.name,
                params={"name": field.name, "value": value},
            )
        return frames
    raise AssertionError(t)


def parse_values(kind: Kind, values: dict[str, str], place: Placement, reel: str | None) -> dict[str, Any]:
    """Typed values of the given fields; the reel is read first since timecodes depend on it."""
    known = {f.name: f for f in all_fields(kind)}
    out: dict[str, Any] = {}
    if "reel" in values:
        reel = parse_value(kind, known["reel"], values["reel"], place, None)
        out["reel"] = reel
    for name, raw in values.items():
        if name == "reel":
            continue
        field = known.get(name)
        if field is None:
            raise InvalidInput(
                N_("unknown field %(name)r for %(label)ss"), field=name, params={"name": name, "label": kind.label}
            )
        out[name] = parse_value(kind, field, raw, place, reel)
    if out.get("in") is not None and out.get("out") is not None and out["out"] < out["in"]:
        raise InvalidInput(N_("out is before in"), field="out")
    return out


def check_transition(kind: Kind, entry: RegisterMixin, new: Any) -> None:
    old = getattr(entry, "status").value  # noqa: B009
    if new.value != old and new.value not in kind.transitions.get(old, frozenset()):
        allowed = ", ".join(sorted(kind.transitions.get(old, frozenset())))
        key = getattr(entry, kind.key)
        raise IllegalTransition(
            N_("%(label)s %(key)s: cannot go from %(old)s to %(value)s (allowed: %(allowed)s)"),
            params={"label": kind.label, "key": key, "old": old, "value": new.value, "allowed": allowed},
        )


def apply_values(kind: Kind, entry: RegisterMixin, values: dict[str, Any], *, check_status: bool) -> None:
    """Set typed values on an entry, all checked before the first is set (a refused change leaves it as it was)."""
    rin = values["in"] if "in" in values else entry.record_in
    rout = values["out"] if "out" in values else entry.record_out
    if rin is not None and rout is None:
        rout = rin  # a point cue
    if rout is not None and rin is None:
        raise InvalidInput(N_("an out timecode needs an in timecode"), field="in")
    if rin is not None and rout is not None and rout < rin:
        raise InvalidInput(N_("out is before in"), field="out")
    if "status" in values and check_status:
        check_transition(kind, entry, values["status"])
    for name, value in values.items():
        if name == "assignee":
            entry.assignee = value
        elif name not in ("in", "out"):
            setattr(entry, attr_of(kind, name), value)
    if (entry.record_in, entry.record_out) != (rin, rout):
        entry.record_in, entry.record_out = rin, rout


def anchor(place: Placement, entry: RegisterMixin, values: dict[str, Any]) -> None:
    """A newly placed or moved entry is anchored to its reel's latest cut version (when there is one)."""
    if {"reel", "in", "out"} & values.keys():
        entry.cut_version_id = place.latest.get(entry.reel or "") if entry.reel else None


def find_entry(session: Session, prod: Production, kind: Kind, key: str) -> RegisterMixin | None:
    model: Any = kind.model
    col = getattr(model, kind.key)
    return session.scalars(
        select(model).where(model.production_id == prod.id, func.lower(col) == key.strip().lower())
    ).first()


def get_entry(session: Session, prod: Production, kind: Kind, key: str) -> RegisterMixin:
    """An entry by its key (cue number, shot ID or language), or by numeric ID."""
    entry: RegisterMixin = items.find_by_key(session, prod, kind.model, kind.key, key, kind.label)
    return entry


def add_entry(session: Session, prod: Production, kind: Kind, values: dict[str, str]) -> RegisterMixin:
    """Add an entry; its key must be new in the production."""
    place = Placement(session, prod)
    key_name = kind.fields[0].name
    if not values.get(key_name, "").strip():
        raise InvalidInput(N_("%(key_name)s is required"), field=key_name, params={"key_name": key_name})
    typed = parse_values(kind, values, place, None)
    if find_entry(session, prod, kind, typed[key_name]) is not None:
        raise Conflict(
            N_("%(label)s %(value)s already exists in %(production)r"),
            params={"label": kind.label, "value": typed[key_name], "production": prod.title},
        )
    model: Any = kind.model
    entry = model(production_id=prod.id)
    _defaults(kind, entry, prod)
    apply_values(kind, entry, typed, check_status=False)
    anchor(place, entry, typed)
    session.add(entry)
    session.flush()
    return entry


def _defaults(kind: Kind, entry: Any, prod: Production) -> None:
    """Column defaults set up front so rules that read them work before the first flush."""
    entry.status = next(iter(kind.status_enum))
    entry.vendor = ""
    entry.review = False
    entry.review_reason = ""
    if kind.name == "vfx":
        entry.bid_currency = prod.currency
        entry.shot_version = 0
        entry.description = ""
    if kind.name == "adr":
        entry.priority = 3
        entry.character = entry.actor = entry.line = entry.reason = ""
    if kind.name == "foley":
        entry.description = entry.character = entry.category = ""
    if kind.name == "music":
        entry.title = entry.composer = entry.publisher = entry.performer = ""
        entry.usage = MusicUsage.BACKGROUND_INSTRUMENTAL
    if kind.name == "dubbing":
        entry.studio = ""
        for step in DUBBING_STEPS:
            setattr(entry, step, StepStatus.NOT_STARTED)


def update_entry(
    session: Session,
    prod: Production,
    kind: Kind,
    entry: RegisterMixin,
    values: dict[str, str],
    *,
    reviewed: bool = False,
    expected_version: int | None = None,
    today: date | None = None,
) -> RegisterMixin:
    """Change an entry; an illegal status change or a stale version is refused whole."""
    place = Placement(session, prod)
    items.check_version(
        entry, expected_version, lambda e: entry_dict(kind, e, place), what=f"{kind.label} {getattr(entry, kind.key)}"
    )
    key_name = kind.fields[0].name
    typed = parse_values(kind, values, place, values.get("reel", entry.reel))
    if key_name in typed and typed[key_name] != getattr(entry, kind.key):
        other = find_entry(session, prod, kind, typed[key_name])
        if other is not None and other.id != entry.id:
            raise Conflict(
                N_("%(label)s %(value)s already exists in %(production)r"),
                params={"label": kind.label, "value": typed[key_name], "production": prod.title},
            )
    apply_values(kind, entry, typed, check_status=True)
    anchor(place, entry, typed)
    status = typed.get("status")
    if status is not None and status.value in ("approved", "final", "cleared", "delivered") and entry.done_date is None:
        entry.done_date = today or date.today()
    if reviewed:
        entry.review = False
        entry.review_reason = ""
    session.flush()
    return entry


def delete_entry(session: Session, kind: Kind, entry: RegisterMixin) -> None:
    """Remove an entry; its notes, shares and approvals go with it (items)."""
    session.delete(entry)
    session.flush()


def entry_texts(kind: Kind, entry: RegisterMixin) -> list[Any]:
    return [getattr(entry, attr_of(kind, f.name)) for f in kind.fields if f.type in ("key", "str", "text")]


def natural(text: str) -> tuple[Any, ...]:
    """Sort key putting cue 2 before cue 10 (and 1M2 before 1M10)."""
    return tuple(int(p) if p.isdigit() else p.lower() for p in re.split(r"(\d+)", text))


def entry_dict(kind: Kind, entry: RegisterMixin, place: Placement) -> dict[str, Any]:
    """An entry as plain data, with timecodes in its reel's rate."""
    vid = entry.cut_version_id
    version = place.versions.get(vid) if vid is not None else None
    rate, _df = place.rate(entry.reel, vid)
    d: dict[str, Any] = {"id": entry.id, "kind": kind.name, "key": getattr(entry, kind.key)}
    for f in kind.fields:
        d[f.name] = jsonable(getattr(entry, attr_of(kind, f.name)))
    dur = entry.duration
    d.update(
        {
            "status": entry.status.value,  # type: ignore[attr-defined]
            "reel": entry.reel,
            "cut_version": version[1] if version else None,
            "record_in": entry.record_in,
            "record_out": entry.record_out,
            "record_in_tc": place.tc(entry.record_in, entry.reel, vid),
            "record_out_tc": place.tc(entry.record_out, entry.reel, vid),
            "duration_frames": dur,
            "duration_seconds": None if dur is None else float(Fraction(dur) / rate),
            "assignee": entry.assignee.name if entry.assignee else None,
            "vendor": entry.vendor,
            "start": jsonable(entry.start_date),
            "due": jsonable(entry.due_date),
            "done": jsonable(entry.done_date),
            "review": entry.review,
            "review_reason": entry.review_reason,
            "version": entry.version,
        }
    )
    return d


def review_list(
    session: Session, prod: Production, kinds: list[Kind] | None = None
) -> list[tuple[Kind, RegisterMixin]]:
    """Every entry flagged for review after a recut, register by register."""
    out: list[tuple[Kind, RegisterMixin]] = []
    for kind in kinds or list(KINDS.values()):
        out.extend((kind, e) for e in list_entries(session, prod, kind, review=True, limit=None).rows)
    return out


def flagged_on(session: Session, prod: Production, cv: CutVersion) -> list[tuple[Kind, RegisterMixin]]:
    """The entries a cut version left flagged for review, register by register: those it moved to a place to
    check, and those it found no place for (kept on their earlier version; their reason names this one)."""
    said = f"{cv.reel} v{cv.number}:"  # how editorial's carry starts the reason it gives
    out: list[tuple[Kind, RegisterMixin]] = []
    for kind in KINDS.values():
        m: Any = kind.model
        named = (m.reel == cv.reel) & m.review_reason.contains(said, autoescape=True)
        q = select(m).where(m.production_id == prod.id, m.review.is_(True), (m.cut_version_id == cv.id) | named)
        rows = sorted(session.scalars(q), key=lambda e: natural(str(getattr(e, kind.key))))
        out.extend((kind, e) for e in rows)
    return out


def add_entry_note(session: Session, kind: Kind, entry: RegisterMixin, body: str, author: str) -> Note:
    """Attach a note to a register entry."""
    return items.add_note(session, entry.production_id, kind.target_type, entry.id, body, author)


def entry_notes(session: Session, kind: Kind, entry: RegisterMixin) -> list[Note]:
    return items.notes_of(session, entry.production_id, kind.target_type, entry.id)


# --- a register a page at a time ----------------------------------------------------------------

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


def list_entries(
    session: Session,
    prod: Production,
    kind: Kind,
    *,
    status: str | None = None,
    reel: str | None = None,
    assignee: str | None = None,
    vendor: str | None = None,
    review: bool | None = None,
    search: str | None = None,
    sort: str = "in",
    limit: int | None = 50,
    offset: int = 0,
    money: bool = True,
) -> RegisterPage:
    """A register, filtered, sorted and counted by the database, a page at a time (`limit` None: all).

    Sort by a field name, '-' first for descending (cut order by default). Without `money` (no budget
    right) a money field is refused as a sort key: the order would tell the amounts.
    """
    if limit is not None and not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(
            N_("invalid limit %(limit)s: 1 to %(max_limit)s"),
            field="limit",
            params={"limit": limit, "max_limit": MAX_LIMIT},
        )
    if offset < 0:
        raise InvalidInput(N_("invalid offset %(offset)s: 0 or more"), field="offset", params={"offset": offset})
    model: Any = kind.model
    desc = sort.startswith("-")
    name = sort.lstrip("-")
    if not money and any(f.name == name and is_money_field(f.type) for f in kind.fields):
        refuse_money_field(name, "sorting", "sort")
    if name not in sort_columns(kind, money=money):
        raise InvalidInput(
            N_("invalid sort %(sort)r: one of %(choices)s"),
            field="sort",
            params={"sort": sort, "choices": ", ".join(sort_columns(kind, money=money))},
        )
    base = [model.production_id == prod.id]
    where = list(base)
    if status:
        where.append(model.status == enum_value(kind.status_enum, status, "status"))
    if reel:
        where.append(model.reel == reel.strip())
    if assignee:
        where.append(model.assignee_id == Placement(session, prod).person(assignee).id)
    if vendor:
        where.append(func.lower(model.vendor) == vendor.strip().lower())
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
    nulls = [col.is_(None)]  # NULLs last either way, then the key, so the order is total and pages never overlap
    if name in ("reel", "in"):
        # Cut order: what is not placed on the cut yet comes first (the cue sheet lists it so), last reversed.
        placed = [model.reel.is_not(None), model.record_in.is_not(None)]
        nulls = []
        order = [
            *(p.desc() if desc else p.asc() for p in placed[:1]),
            model.reel.desc() if desc else model.reel.asc(),
            *(p.desc() if desc else p.asc() for p in placed[1:]),
            model.record_in.desc() if desc else model.record_in.asc(),
        ]
    q = (
        select(model)
        .where(*where)
        .order_by(*nulls, *order, func.length(key_col), key_col, model.id)
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
        raise NotFound(
            N_("no cut version %(version_id)s in %(production)r"),
            params={"version_id": version_id, "production": prod.title},
        )
    content = session.get(CutVersionContent, cv.id)
    return cv, content.changes if content is not None else None
