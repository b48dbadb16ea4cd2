"""Cut versions of each reel: import a version, compute its change list, carry every register entry with it.

Carrying: an entry anchored to a reel keeps record frames relative to a cut version. When a new
version of the reel comes in, entries inside unchanged shots shift by the running offset; entries
touching trimmed, moved, replaced or deleted material are flagged for review with the reason
(and placed where their picture went when it survives); VFX shots are found again by their shot
ID. Nothing is dropped: an entry that has no place in the new cut keeps its old place and anchor.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from typing_extensions import TypedDict

from postprod.editorial.diff import ChangeList, diff_cuts
from postprod.editorial.model import Cut, Event, Locator
from postprod.editorial.pulls import vfx_shots
from postprod.editorial.readers import read_cut
from postprod.editorial.retime import Cue, RetimedCue, retime_cues
from postprod.errors import N_, Conflict, InvalidInput, NotFound
from postprod.model import Production
from postprod.model.audit import AuditEntry, entity_label, jsonable
from postprod.model.base import utcnow
from postprod.model.editorial import (
    REGISTER_MODELS,
    CutVersion,
    CutVersionContent,
    RegisterMixin,
    VfxShot,
)
from postprod.services.common import described
from postprod.services.registers import KINDS, _defaults
from postprod.timecode import format_rate, frames_to_tc

Progress = Callable[[float], None]
SHOT_ID_MAX = 64  # the register's shot_id column

# --- the cut as stored JSON ---------------------------------------------------------------------


def _loc_data(loc: Locator) -> list[Any]:
    return [loc.record_frame, loc.colour, loc.text, loc.line, loc.origin]


def _loc(data: list[Any]) -> Locator:
    return Locator(record_frame=data[0], colour=data[1], text=data[2], line=data[3], origin=data[4])


def event_data(e: Event) -> dict[str, Any]:
    """An event as compact JSON (exact speed as a fraction string); defaults are left out."""
    d: dict[str, Any] = {
        "n": e.number,
        "reel": e.reel,
        "ch": e.channels,
        "si": e.source_in,
        "so": e.source_out,
        "ri": e.record_in,
        "ro": e.record_out,
        "tracks": list(e.tracks),
    }
    optional = {
        "tr": e.transition if e.transition != "C" else None,
        "trf": e.transition_frames or None,
        "df": e.drop_frame or None,
        "clip": e.clip_name,
        "to_clip": e.to_clip_name,
        "file": e.source_file,
        "from_reel": e.from_reel,
        "from_si": e.from_source_in,
        "locs": [_loc_data(loc) for loc in e.locators] or None,
        "vfx": list(e.vfx_ids) or None,
        "speed": None if e.speed is None else str(e.speed),
        "comments": list(e.comments) or None,
        "line": e.line,
    }
    d.update({k: v for k, v in optional.items() if v is not None})
    return d


def event_from_data(d: dict[str, Any]) -> Event:
    return Event(
        number=d["n"],
        reel=d["reel"],
        channels=d["ch"],
        source_in=d["si"],
        source_out=d["so"],
        record_in=d["ri"],
        record_out=d["ro"],
        tracks=tuple(d["tracks"]),
        transition=d.get("tr", "C"),
        transition_frames=d.get("trf", 0),
        drop_frame=d.get("df", False),
        clip_name=d.get("clip"),
        to_clip_name=d.get("to_clip"),
        source_file=d.get("file"),
        from_reel=d.get("from_reel"),
        from_source_in=d.get("from_si"),
        locators=[_loc(x) for x in d.get("locs", [])],
        vfx_ids=list(d.get("vfx", [])),
        speed=None if d.get("speed") is None else Fraction(d["speed"]),
        comments=list(d.get("comments", [])),
        line=d.get("line"),
    )


def stored_cut(session: Session, cv: CutVersion) -> Cut:
    """The cut of a stored version, as the engine's Cut."""
    content = session.get(CutVersionContent, cv.id)
    if content is None:
        raise NotFound(N_("cut %(name)s has no stored events"), params={"name": cv.name})
    return Cut(
        events=[event_from_data(d) for d in content.events],
        rate=cv.rate,
        drop_frame=cv.drop_frame,
        title=cv.label or cv.name,
        path=cv.file_name,
        format=cv.file_format,
        markers=[_loc(x) for x in content.markers],
    )


# --- versions ------------------------------------------------------------------------------------


def reel_name(reel: str) -> str:
    text = reel.strip()
    if not text or len(text) > 64 or any(c.isspace() for c in text):
        raise InvalidInput(
            N_("invalid reel %(reel)r: up to 64 characters, no spaces"), field="reel", params={"reel": reel}
        )
    return text


def list_versions(session: Session, prod: Production, reel: str | None = None) -> list[CutVersion]:
    """Cut versions of the production (or one reel), by reel then version number."""
    q = select(CutVersion).where(CutVersion.production_id == prod.id)
    if reel:
        q = q.where(CutVersion.reel == reel.strip())
    return list(session.scalars(q.order_by(CutVersion.reel, CutVersion.number)))


def get_version(session: Session, prod: Production, reel: str, number: int | None = None) -> CutVersion:
    """A version of a reel; the latest when no number is given."""
    q = select(CutVersion).where(CutVersion.production_id == prod.id, CutVersion.reel == reel.strip())
    if number is None:
        cv = session.scalars(q.order_by(CutVersion.number.desc()).limit(1)).first()
        if cv is None:
            raise NotFound(
                N_("no cut of reel %(reel)r in %(production)r: run `postprod cut import FILE --reel %(reel)s`"),
                params={"reel": reel, "production": prod.title},
            )
        return cv
    cv = session.scalars(q.where(CutVersion.number == number)).first()
    if cv is None:
        raise NotFound(
            N_("no version %(number)s of reel %(reel)r in %(production)r"),
            params={"number": number, "reel": reel, "production": prod.title},
        )
    return cv


def version_by_ref(session: Session, prod: Production, ref: str, *, field: str = "cut") -> CutVersion:
    """A version named as its reel ("R1": the latest) or its reel and number ("R1 v3", as versions are listed)."""
    text = " ".join(ref.split())
    reel, _, number = text.rpartition(" ")
    if reel and number[:1] in ("v", "V") and number[1:].isdigit():
        n = int(number[1:])
        if not 0 < n <= 100_000:
            raise InvalidInput(
                N_("%(field)s: version %(n)s is out of range"), field=field, params={"field": field, "n": n}
            )
        return get_version(session, prod, reel_name(reel), n)
    if not text or " " in text:
        raise InvalidInput(
            N_("%(field)s: %(ref)r is not a cut version (a reel, or a reel and version: 'R1 v3')"),
            field=field,
            params={"field": field, "ref": ref},
        )
    return get_version(session, prod, reel_name(text))


@described(
    changes="The change list's counts against the version before.",
    carried="What the import did to the registers' cues: unchanged, shifted, to review...",
)
class CutVersionView(TypedDict):
    id: int
    reel: str
    version: int
    label: str
    file: str
    format: str
    rate: str
    drop_frame: bool
    events: int
    record_start_tc: str
    record_end_tc: str
    duration_frames: int
    imported_at: str
    imported_by: str
    changes: dict[str, Any] | None
    carried: dict[str, Any] | None


def version_dict(cv: CutVersion) -> CutVersionView:
    return {
        "id": cv.id,
        "reel": cv.reel,
        "version": cv.number,
        "label": cv.label,
        "file": cv.file_name,
        "format": cv.file_format,
        "rate": format_rate(cv.rate),
        "drop_frame": cv.drop_frame,
        "events": cv.event_count,
        "record_start_tc": frames_to_tc(cv.record_start, cv.rate, cv.drop_frame),
        "record_end_tc": frames_to_tc(cv.record_end, cv.rate, cv.drop_frame),
        "duration_frames": cv.record_end - cv.record_start,
        "imported_at": cv.imported_at.isoformat(),
        "imported_by": cv.imported_by,
        "changes": cv.change_summary,
        "carried": cv.carry_summary,
    }


def change_list(
    session: Session, prod: Production, reel: str, from_number: int | None = None, to_number: int | None = None
) -> tuple[CutVersion, CutVersion, ChangeList]:
    """The change list between two versions of a reel (default: the latest and the one before)."""
    new = get_version(session, prod, reel, to_number)
    if from_number is None:
        if new.number == 1:
            raise InvalidInput(
                N_("reel %(reel)s has only version 1: no change list yet"), field="from", params={"reel": reel}
            )
        from_number = new.number - 1
    old = get_version(session, prod, reel, from_number)
    if old.id == new.id:
        raise InvalidInput(N_("--from and --to name the same version"), field="from")
    return old, new, diff_cuts(stored_cut(session, old), stored_cut(session, new))


# --- import and carry ----------------------------------------------------------------------------


@dataclass
class CarryReport:
    """What importing a version did to the registers, entry by entry for the ones flagged."""

    unchanged: int = 0
    shifted: int = 0
    review: int = 0
    placed: int = 0
    added: int = 0  # of the placed: VFX shots named in the cut that the register did not have yet
    unplaced: int = 0
    pending: int = 0
    flagged: list[dict[str, Any]] = field(default_factory=list)
    # new values per entry, written in bulk at the end: {id(entry): (entry, {attribute: value})}
    writes: dict[int, tuple[RegisterMixin, dict[str, Any]]] = field(default_factory=dict, repr=False)

    def summary(self) -> dict[str, int]:
        return {
            "unchanged": self.unchanged,
            "shifted": self.shifted,
            "review": self.review,
            "placed": self.placed,
            "added": self.added,
            "unplaced": self.unplaced,
            "pending": self.pending,
        }


@dataclass
class ImportedCut:
    """The new version, its change list against the previous one (if any), and the carry report."""

    version: CutVersion
    cut: Cut
    changes: ChangeList | None
    carry: CarryReport

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": version_dict(self.version),
            "change_summary": self.changes.summary() if self.changes else None,
            "changes": [c.to_dict(self.changes) for c in self.changes.changes] if self.changes else [],
            "carried": self.carry.summary(),
            "flagged": self.carry.flagged,
            "warnings": [w.to_dict() for w in self.cut.warnings],
            "skipped": [w.to_dict() for w in self.cut.skipped],
        }


def import_cut(
    session: Session,
    prod: Production,
    path: str | os.PathLike[str],
    *,
    reel: str,
    rate: Fraction | str | None = None,
    label: str = "",
    lenient: bool = False,
    actor: str = "",
    progress: Progress | None = None,
) -> ImportedCut:
    """Import a new version of a reel, diff it with the previous one and carry the registers with it."""
    reel = reel_name(reel)
    if len(label) > 200:
        raise InvalidInput(N_("label is too long (at most 200 characters)"), field="label")
    prev = session.scalars(
        select(CutVersion)
        .where(CutVersion.production_id == prod.id, CutVersion.reel == reel)
        .order_by(CutVersion.number.desc())
        .limit(1)
    ).first()
    read_rate = rate if rate is not None else (prev.rate if prev is not None else None)

    def part(lo: float, hi: float) -> Progress | None:
        return None if progress is None else (lambda f: progress(lo + (hi - lo) * f))

    cut = read_cut(path, read_rate, lenient=lenient, progress=part(0.0, 0.4))
    if not cut.events:
        raise InvalidInput(N_("%(value)s: no events to import"), field="file", params={"value": os.fspath(path)})
    prev_cut = stored_cut(session, prev) if prev is not None else None
    cl = diff_cuts(prev_cut, cut, progress=part(0.4, 0.6)) if prev_cut is not None else None
    cv = CutVersion(
        production_id=prod.id,
        reel=reel,
        number=(prev.number + 1) if prev is not None else 1,
        label=label.strip(),
        file_name=os.path.basename(os.fspath(path)),
        file_format=cut.format,
        fps_num=cut.rate.numerator,
        fps_den=cut.rate.denominator,
        drop_frame=cut.drop_frame,
        event_count=len(cut.events),
        record_start=cut.record_start,
        record_end=cut.record_end,
        previous_id=prev.id if prev is not None else None,
        change_summary=_compact_summary(cl) if cl is not None else None,
        imported_by=actor,
    )
    cv.content = CutVersionContent(
        events=[event_data(e) for e in cut.events],
        markers=[_loc_data(m) for m in cut.markers],
        changes=[c.to_dict(cl) for c in cl.changes] if cl is not None else None,
    )
    session.add(cv)
    session.flush()
    report = carry_entries(session, prod, cv, cut, prev, prev_cut, cl, progress=part(0.6, 1.0))
    cv.carry_summary = report.summary()
    session.flush()
    return ImportedCut(cv, cut, cl, report)


def _compact_summary(cl: ChangeList) -> dict[str, Any]:
    s = cl.summary()
    s["version_updates"] = len(s["version_updates"])
    return s


def carry_entries(
    session: Session,
    prod: Production,
    new_cv: CutVersion,
    new_cut: Cut,
    prev: CutVersion | None,
    prev_cut: Cut | None,
    prev_cl: ChangeList | None,
    *,
    progress: Progress | None = None,
) -> CarryReport:
    """Move every entry of the reel (and every VFX shot found in the new cut) onto the new version."""
    reel = new_cv.reel
    report = CarryReport()
    shots = vfx_shots(new_cut)
    shot_keys = {s.upper(): s for s in shots}
    entries: list[RegisterMixin] = []
    for model in REGISTER_MODELS:
        m: Any = model
        q = select(m).where(m.production_id == prod.id, m.reel == reel)
        entries.extend(session.scalars(q))
    if shot_keys:
        # VFX shots named in the new cut but placed on another reel or not placed yet
        entries.extend(
            session.scalars(
                select(VfxShot).where(
                    VfxShot.production_id == prod.id,
                    func.upper(VfxShot.shot_id).in_(list(shot_keys)),
                    (VfxShot.reel.is_(None)) | (VfxShot.reel != reel),
                )
            )
        )
    # A shot the cut names (locator, *VFX remark, clip name) and the register lacks is added to it,
    # placed: the cut is where the VFX shot list starts, and a shot that is not registered could
    # not follow the recuts.
    known = {e.shot_id.upper() for e in entries if isinstance(e, VfxShot)}
    if shot_keys.keys() - known:
        known |= {
            k.upper()
            for k in session.scalars(
                select(VfxShot.shot_id).where(
                    VfxShot.production_id == prod.id, func.upper(VfxShot.shot_id).in_(list(shot_keys))
                )
            )
        }
    for key in sorted(shot_keys.keys() - known):
        shot_id = shot_keys[key]
        if len(shot_id) > SHOT_ID_MAX:
            continue  # not a shot ID the register can hold; `cut inspect` still lists it
        evs = shots[shot_id]
        shot = VfxShot(production_id=prod.id, shot_id=shot_id)
        _defaults(KINDS["vfx"], shot, prod)
        shot.reel, shot.cut_version_id = reel, new_cv.id
        shot.record_in = min(ev.record_in for ev in evs)
        shot.record_out = max(ev.record_out for ev in evs)
        session.add(shot)
        report.placed += 1
        report.added += 1
    cuts: dict[int, Cut] = {}
    cls: dict[int, ChangeList] = {}
    if prev is not None and prev_cut is not None and prev_cl is not None:
        cuts[prev.id], cls[prev.id] = prev_cut, prev_cl
    by_anchor: dict[int, list[RegisterMixin]] = defaultdict(list)
    for e in entries:
        if isinstance(e, VfxShot) and e.shot_id.upper() in shot_keys:
            _place_vfx(e, shots[shot_keys[e.shot_id.upper()]], new_cv, new_cut, cls, cuts, session, report)
            continue
        if e.reel != reel:
            continue
        if e.record_in is None or e.record_out is None:
            _set(report, e, cut_version_id=new_cv.id)
            report.unplaced += 1
            continue
        anchor_id = e.cut_version_id if e.cut_version_id is not None else (prev.id if prev is not None else None)
        if anchor_id is None or anchor_id == new_cv.id:
            _set(
                report, e, cut_version_id=new_cv.id
            )  # placed before the reel had a cut: its frames are taken as they are
            report.unchanged += 1
            continue
        by_anchor[anchor_id].append(e)
    if progress is not None:
        progress(0.2)
    for anchor_id, group in by_anchor.items():
        cl = _change_list_from(session, anchor_id, new_cut, cuts, cls)
        if cl is None:
            for e in group:
                _flag(e, new_cv, [f"its cut version {anchor_id} is gone"], report, keep=True)
            continue
        cues = [Cue(str(i), e.record_in, e.record_out) for i, e in enumerate(group)]  # type: ignore[arg-type]
        old_ids = {v.upper() for ev in cl.old.events for v in ev.vfx_ids}
        for e, r in zip(group, retime_cues(cues, cl), strict=True):
            if isinstance(e, VfxShot) and e.shot_id.upper() in old_ids and r.status != "review":
                # the shot's ID was in the old cut and is gone from the new one, even if its picture stayed
                r.status, r.reasons = "review", [f"shot {e.shot_id} no longer named in the cut"]
            _apply(e, r, new_cv, cl, report)
    _bulk_write(session, report.writes)
    if progress is not None:
        progress(1.0)
    return report


class MovedView(TypedDict):
    kind: str  # the register: vfx, adr, foley, music, dubbing
    id: int
    key: str
    old_in: str | None
    old_out: str | None
    new_in: str | None
    new_out: str | None
    offset: int  # frames the entry moved by (new in - old in)


def moved_by(session: Session, prod: Production, cv: CutVersion, *, limit: int = 1000) -> tuple[list[MovedView], int]:
    """The entries the import of `cv` moved with the picture (not flagged), with where they were and are,
    from the audit entries the carry wrote; and how many there are in all (the list stops at `limit`)."""
    kinds = {k.model.__name__: k for k in KINDS.values()}
    rows = session.execute(
        select(AuditEntry.entity_type, AuditEntry.entity_id, AuditEntry.before, AuditEntry.after)
        .where(
            AuditEntry.production_id == prod.id,
            AuditEntry.action == "update",
            AuditEntry.entity_type.in_(list(kinds)),
            AuditEntry.at >= cv.imported_at,
        )
        .order_by(AuditEntry.id)
    ).all()
    moved: dict[tuple[str, int], tuple[dict[str, Any], dict[str, Any]]] = {}
    for etype, eid, before, after in rows:
        if after and after.get("cut_version_id") == cv.id and "record_in" in after and before:
            moved.setdefault((etype, eid), (before, after))
    out: list[MovedView] = []
    by_type: dict[str, list[int]] = defaultdict(list)
    for etype, eid in moved:
        by_type[etype].append(eid)
    rate, df = cv.rate, cv.drop_frame
    for etype, ids in by_type.items():
        kind = kinds[etype]
        m: Any = kind.model
        entries = {e.id: e for e in session.scalars(select(m).where(m.id.in_(ids[:limit]), m.review.is_(False)))}
        for eid in ids[:limit]:
            e = entries.get(eid)
            if e is None or e.cut_version_id != cv.id:
                continue  # flagged since, or moved again by a later version
            before, after = moved[(etype, eid)]
            old_in, new_in = before.get("record_in"), after.get("record_in")
            old_out, new_out = before.get("record_out", e.record_out), after.get("record_out", e.record_out)
            out.append(
                {
                    "kind": kind.name, "id": eid, "key": str(getattr(e, kind.key)),
                    "old_in": frames_to_tc(old_in, rate, df) if old_in is not None else None,
                    "old_out": frames_to_tc(old_out, rate, df) if old_out is not None else None,
                    "new_in": frames_to_tc(new_in, rate, df) if new_in is not None else None,
                    "new_out": frames_to_tc(new_out, rate, df) if new_out is not None else None,
                    "offset": (new_in - old_in) if new_in is not None and old_in is not None else 0,
                }
            )  # fmt: skip
    out.sort(key=lambda x: (x["kind"], x["new_in"] or "", x["key"]))
    return out[:limit], len(moved)


def _set(report: CarryReport, e: RegisterMixin, **values: Any) -> None:
    """Record new values for an entry (applied by _bulk_write; the entry itself reads as before until then)."""
    report.writes.setdefault(id(e), (e, {}))[1].update(values)


CARRIED = ("reel", "record_in", "record_out", "cut_version_id", "review", "review_reason")


def _bulk_write(session: Session, writes: dict[int, tuple[RegisterMixin, dict[str, Any]]]) -> None:
    """One UPDATE per register (executemany, checked against each row's version) and one audit INSERT.

    The ORM unit of work would send one statement per row; a recut moves thousands of cues. The
    audit entries are the ones the flush listener would write, and the objects in the session are
    left holding the new values, clean.
    """
    conn = session.connection()
    now = utcnow()
    actor = str(session.info.get("actor") or "unknown")
    audit: list[dict[str, Any]] = []
    by_model: dict[type, list[tuple[RegisterMixin, dict[str, Any]]]] = defaultdict(list)
    for e, values in writes.values():
        changed = {k: v for k, v in values.items() if getattr(e, k) != v}
        if changed:
            by_model[type(e)].append((e, changed))
    for model, items in by_model.items():
        table: Any = model.__table__  # type: ignore[attr-defined]
        stmt = (
            update(table)
            .where(table.c.id == bindparam("_id"), table.c.version == bindparam("_version"))
            .values({c: bindparam(c) for c in (*CARRIED, "version", "updated_at")})
        )
        rows = []
        for e, changed in items:
            row = {c: changed.get(c, getattr(e, c)) for c in CARRIED}
            row.update(_id=e.id, _version=e.version, version=e.version + 1, updated_at=now)
            rows.append(row)
            audit.append(
                {
                    "production_id": e.production_id,
                    "at": now,
                    "actor": actor,
                    "action": "update",
                    "entity_type": model.__name__,
                    "entity_id": e.id,
                    "label": entity_label(e),
                    "before": {k: jsonable(getattr(e, k)) for k in changed},
                    "after": {k: jsonable(v) for k, v in changed.items()},
                }
            )
        result = conn.execute(stmt, rows)
        if conn.dialect.supports_sane_multi_rowcount and result.rowcount != len(rows):
            raise Conflict(
                N_("%(name)s entries were changed by someone else during the import: try again"),
                params={"name": model.__name__},
            )
        for e, changed in items:
            for k, v in {**changed, "version": e.version + 1, "updated_at": now}.items():
                set_committed_value(e, k, v)
    if audit:
        conn.execute(insert(cast(Table, AuditEntry.__table__)), audit)


def _change_list_from(
    session: Session, anchor_id: int, new_cut: Cut, cuts: dict[int, Cut], cls: dict[int, ChangeList]
) -> ChangeList | None:
    if anchor_id not in cls:
        cv = session.get(CutVersion, anchor_id)
        if cv is None:
            return None
        cuts[anchor_id] = stored_cut(session, cv)
        cls[anchor_id] = diff_cuts(cuts[anchor_id], new_cut)
    return cls[anchor_id]


def _old_tc(e: RegisterMixin, cl: ChangeList) -> str:
    assert e.record_in is not None and e.record_out is not None
    return f"{cl.old.tc(e.record_in)}-{cl.old.tc(e.record_out)}"


def _apply(e: RegisterMixin, r: RetimedCue, new_cv: CutVersion, cl: ChangeList, report: CarryReport) -> None:
    if r.status != "review":
        assert r.new_in is not None and r.new_out is not None
        _set(report, e, record_in=r.new_in, record_out=r.new_out, cut_version_id=new_cv.id)
        if r.status == "shifted":
            report.shifted += 1
        else:
            report.unchanged += 1
        return
    old = _old_tc(e, cl)
    reasons = list(r.reasons)
    if r.new_in is not None or r.new_out is not None:
        dur = r.old_out - r.old_in
        new_in = r.new_in if r.new_in is not None else r.new_out - dur  # type: ignore[operator]
        new_out = r.new_out if r.new_out is not None else new_in + dur
        _set(report, e, record_in=new_in, record_out=max(new_out, new_in), cut_version_id=new_cv.id)
        reasons.append(f"was {old}")
        _flag(e, new_cv, reasons, report, keep=False)
    elif e.review and "no place in the new cut" in e.review_reason:
        report.pending += 1  # already waiting for someone to place it: said once, not at every import
    else:
        reasons.append(f"no place in the new cut: kept at {old} of the earlier version")
        _flag(e, new_cv, reasons, report, keep=True)


def _flag(e: RegisterMixin, new_cv: CutVersion, reasons: list[str], report: CarryReport, *, keep: bool) -> None:
    text = f"{new_cv.reel} v{new_cv.number}: " + "; ".join(reasons)
    _set(report, e, review_reason=f"{e.review_reason} | {text}" if e.review and e.review_reason else text, review=True)
    report.review += 1
    report.flagged.append(
        {
            "kind": type(e).__tablename__,  # type: ignore[attr-defined]
            "key": getattr(e, "key", str(e.id)),
            "reason": text,
            "kept_old_place": keep,
        }
    )


def _place_vfx(
    shot: VfxShot,
    events: list[Event],
    new_cv: CutVersion,
    new_cut: Cut,
    cls: dict[int, ChangeList],
    cuts: dict[int, Cut],
    session: Session,
    report: CarryReport,
) -> None:
    """A VFX shot found in the new cut by its ID takes the record range of its events there."""
    new_in = min(ev.record_in for ev in events)
    new_out = max(ev.record_out for ev in events)
    reasons: list[str] = []
    first_time = shot.record_in is None or shot.reel is None
    if not first_time and shot.reel != new_cv.reel:
        reasons.append(f"moved from reel {shot.reel}")
    elif not first_time and shot.cut_version_id is not None:
        cl = _change_list_from(session, shot.cut_version_id, new_cut, cuts, cls)
        if cl is not None:
            key = shot.shot_id.upper()
            for c in cl.changes:
                ids = {v.upper() for v in [*(c.old.vfx_ids if c.old else []), *(c.new.vfx_ids if c.new else [])]}
                if key in ids and c.type != "insert":
                    reasons.append(
                        f"{c.type}"
                        + (f" (head {c.head_frames:+d}, tail {c.tail_frames:+d})" if c.type == "trim" else "")
                        + (f": event {c.old.number}" if c.old else "")
                        + (f" -> {c.new.number}" if c.new else "")
                    )
    old = (shot.record_in, shot.record_out)
    _set(report, shot, reel=new_cv.reel, record_in=new_in, record_out=new_out, cut_version_id=new_cv.id)
    if first_time:
        report.placed += 1
    elif reasons:
        _flag(shot, new_cv, reasons, report, keep=False)
    elif old == (new_in, new_out):
        report.unchanged += 1
    else:
        report.shifted += 1
