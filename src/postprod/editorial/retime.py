"""Carry cue ranges (ADR, foley, music, VFX...) from an old cut to a new one with its change list.

A cue inside unchanged shots shifts by their running offset. A cue touching trimmed, moved,
replaced or deleted material, or spanning a point where material was inserted or removed, is
flagged for review with the reasons and a proposed position where one exists. Every cue comes out.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

from postprod.editorial.diff import Change, ChangeList
from postprod.editorial.model import Event
from postprod.errors import N_, InvalidInput


@dataclass
class Cue:
    """A cue in the old cut: record frames in and out (out exclusive; equal for a point cue)."""

    id: str
    record_in: int
    record_out: int


@dataclass
class RetimedCue:
    """Where a cue lands in the new cut, and whether someone must look at it."""

    id: str
    old_in: int
    old_out: int
    new_in: int | None
    new_out: int | None
    status: str  # "unchanged", "shifted" or "review"
    offset_frames: int | None = None
    reasons: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "old_in": self.old_in,
            "old_out": self.old_out,
            "new_in": self.new_in,
            "new_out": self.new_out,
            "status": self.status,
            "offset_frames": self.offset_frames,
            "reasons": self.reasons,
        }


class _Map:
    """Old events in record order with what became of each."""

    def __init__(self, cl: ChangeList) -> None:
        fate: dict[int, tuple[str, Event | None, Change | None]] = {}
        for o, n in cl.unchanged:
            fate[id(o)] = ("unchanged", n, None)
        for c in cl.changes:
            if c.old is not None:
                fate[id(c.old)] = (c.type, c.new, c)
        evs = [e for e in cl.old.events if e.is_video and e.record_duration > 0] or [
            e for e in cl.old.events if e.record_duration > 0
        ]
        self.events = sorted(evs, key=lambda e: e.record_in)
        self.starts = [e.record_in for e in self.events]
        self.max_dur = max((e.record_duration for e in self.events), default=0)
        self.fate = fate

    def overlapping(self, cin: int, cout: int) -> list[Event]:
        hi = bisect.bisect_left(self.starts, cout)
        lo = bisect.bisect_left(self.starts, cin - self.max_dur)
        return [e for e in self.events[lo:hi] if e.record_out > cin]

    def neighbours(self, frame: int) -> tuple[Event | None, Event | None]:
        i = bisect.bisect_right(self.starts, frame)
        return (self.events[i - 1] if i > 0 else None, self.events[i] if i < len(self.events) else None)

    def map_frame(self, e: Event, frame: int) -> int | None:
        """Where an old record frame inside event e lands in the new cut, if its picture survives."""
        kind, n, _ = self.fate.get(id(e), ("delete", None, None))
        if n is None or kind in ("replace", "delete", "insert"):
            return None
        if kind == "unchanged":
            return frame + n.record_in - e.record_in
        src = e.source_in + (frame - e.record_in)
        new = n.record_in + (src - n.source_in)
        return new if n.record_in <= new < n.record_out else None

    def offset(self, e: Event) -> int | None:
        kind, n, _ = self.fate.get(id(e), ("delete", None, None))
        return None if n is None or kind != "unchanged" else n.record_in - e.record_in


def _reason(e: Event, kind: str, n: Event | None, c: Change | None) -> str:
    if kind == "trim" and c is not None:
        return f"event {e.number} trimmed (head {c.head_frames:+d}, tail {c.tail_frames:+d}{', ' + c.detail if c.detail else ''})"
    if kind == "move" and n is not None:
        return f"event {e.number} moved to new event {n.number}"
    if kind == "replace" and n is not None:
        return f"event {e.number} replaced by new event {n.number} ({n.reel})"
    if kind == "delete":
        return f"event {e.number} deleted"
    return f"event {e.number} {kind}"


def retime_cues(cues: list[Cue], cl: ChangeList) -> list[RetimedCue]:
    """Each cue's place in the new cut, in the order given; see the module docstring."""
    m = _Map(cl)
    out: list[RetimedCue] = []
    for cue in cues:
        if cue.record_out < cue.record_in:
            raise InvalidInput(
                N_("cue %(id)s: out %(record_out)s is before in %(record_in)s"),
                field="record_out",
                params={"id": cue.id, "record_out": cue.record_out, "record_in": cue.record_in},
            )
        cin, cout = cue.record_in, max(cue.record_out, cue.record_in + 1)
        evs = m.overlapping(cin, cout)
        if not evs:
            out.append(_in_gap(cue, m))
            continue
        reasons: list[str] = []
        offsets = set()
        for e in evs:
            kind, n, c = m.fate.get(id(e), ("delete", None, None))
            if kind == "unchanged":
                offsets.add(m.offset(e))
            else:
                reasons.append(_reason(e, kind, n, c))
        first = next(e for e in evs if e.record_in <= cin < e.record_out) if evs[0].record_in <= cin else None
        last = next((e for e in reversed(evs) if e.record_in <= cout - 1 < e.record_out), None)
        new_in = m.map_frame(first, cin) if first is not None else None
        new_last = m.map_frame(last, cout - 1) if last is not None else None
        new_out = None if new_last is None else new_last + 1 - (cout - cue.record_out)
        if first is None or last is None:
            reasons.append("cue reaches past the picture of the old cut")
        if not reasons and len(offsets) == 1:
            off = offsets.pop()
            assert off is not None
            out.append(
                RetimedCue(
                    cue.id,
                    cue.record_in,
                    cue.record_out,
                    cue.record_in + off,
                    cue.record_out + off,
                    "unchanged" if off == 0 else "shifted",
                    off,
                )
            )
            continue
        if not reasons and len(offsets) > 1:
            reasons.append(
                "spans a cut where material was inserted or removed (offsets "
                + ", ".join(f"{o:+d}" for o in sorted(o for o in offsets if o is not None))
                + ")"
            )
        if new_in is not None and new_out is not None and new_out < new_in:
            new_out = new_in
        off = None if new_in is None else new_in - cue.record_in
        out.append(RetimedCue(cue.id, cue.record_in, cue.record_out, new_in, new_out, "review", off, reasons))
    return out


def _in_gap(cue: Cue, m: _Map) -> RetimedCue:
    """A cue over black or beyond the picture: shifts only when the shots on both sides agree."""
    before, after = m.neighbours(cue.record_in)
    offs = [m.offset(e) for e in (before, after) if e is not None]
    if offs and all(o is not None and o == offs[0] for o in offs):
        off = offs[0]
        assert off is not None
        status = "unchanged" if off == 0 else "shifted"
        return RetimedCue(cue.id, cue.record_in, cue.record_out, cue.record_in + off, cue.record_out + off, status, off)
    reason = "over no shot of the old cut, and the shots around it changed"
    known = next((o for o in offs if o is not None), None)
    return RetimedCue(
        cue.id,
        cue.record_in,
        cue.record_out,
        None if known is None else cue.record_in + known,
        None if known is None else cue.record_out + known,
        "review",
        known,
        [reason],
    )


def retime_summary(results: list[RetimedCue]) -> dict[str, int]:
    """Counts per status."""
    counts = {"unchanged": 0, "shifted": 0, "review": 0}
    for r in results:
        counts[r.status] = counts.get(r.status, 0) + 1
    return counts
