"""Change list between two versions of a cut: insert, delete, trim, move and replace, shot by shot.

The same shot is recognised across versions by its source: VFX shot ID when it has one (version
suffixes such as _v011/_v012 ignored), else reel and clip name, with overlapping source timecode.
Unchanged shots are aligned first with a patience diff on exact keys (near-linear, so 3,000-event
reels diff in milliseconds); within the gaps left between them the remaining events are paired as
trims (same shot, source moved), then moves are found among what is left anywhere in the cut, and
what still remains in a gap is a replace (old and new side by side), a delete or an insert.
A shot that only slid along the timeline is not a change.
"""

from __future__ import annotations

import bisect
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

from postprod.editorial.model import Cut, Event, strip_version
from postprod.errors import N_, InvalidInput
from postprod.timecode import format_rate

CHANGE_TYPES = ("insert", "delete", "trim", "move", "replace")
_GENERIC_REELS = {"", "AX", "BL", "BLK", "BLACK", "AUX"}
_DP_LIMIT = 250_000


def shot_identity(e: Event) -> tuple[str, ...]:
    """What makes two events the same shot whatever its trim: VFX ID, else reel and clip name."""
    if e.vfx_ids:
        return ("vfx", e.vfx_ids[0].upper())
    reel = e.reel.strip().upper()
    clip = strip_version(e.clip_name).upper() if e.clip_name else ""
    if reel in _GENERIC_REELS:
        return ("clip", clip or reel)
    return ("src", reel, clip)


def _exact_key(e: Event) -> Hashable:
    return (shot_identity(e), e.source_in, e.source_out, e.speed, e.transition, e.transition_frames, e.tracks)


def _overlap(a: Event, b: Event) -> int:
    return min(a.source_out, b.source_out) - max(a.source_in, b.source_in)


def same_shot(a: Event, b: Event) -> bool:
    """Same identity and overlapping source (a VFX ID alone is enough: renders are renumbered)."""
    ia = shot_identity(a)
    if ia != shot_identity(b):
        return False
    if ia[0] == "vfx":
        return True
    if a.source_in == a.source_out or b.source_in == b.source_out:
        return a.source_in == b.source_in
    return _overlap(a, b) > 0


@dataclass
class Change:
    """One change between the versions, with frames in both and the running offset at that point."""

    type: str
    old: Event | None
    new: Event | None
    head_frames: int = 0
    tail_frames: int = 0
    offset_frames: int = 0
    detail: str = ""

    @property
    def sort_key(self) -> tuple[int, int]:
        if self.new is not None:
            return (self.new.record_in, 1)
        assert self.old is not None
        return (self.old.record_in + self.offset_frames, 0)

    def to_dict(self, cl: ChangeList | None = None) -> dict[str, Any]:
        o, n = self.old, self.new
        main = n if n is not None else o
        assert main is not None
        d: dict[str, Any] = {
            "type": self.type,
            "old_event": o.number if o else None,
            "new_event": n.number if n else None,
            "reel": main.reel,
            "clip_name": main.clip_name,
            "old_reel": o.reel if o else None,
            "old_clip_name": o.clip_name if o else None,
            "vfx_ids": sorted({*(o.vfx_ids if o else []), *(n.vfx_ids if n else [])}),
            "head_frames": self.head_frames,
            "tail_frames": self.tail_frames,
            "old_record_in": o.record_in if o else None,
            "new_record_in": n.record_in if n else None,
            "old_record_out": o.record_out if o else None,
            "new_record_out": n.record_out if n else None,
            "old_source_in": o.source_in if o else None,
            "old_source_out": o.source_out if o else None,
            "new_source_in": n.source_in if n else None,
            "new_source_out": n.source_out if n else None,
            "old_duration": o.record_duration if o else 0,
            "new_duration": n.record_duration if n else 0,
            "duration_change": (n.record_duration if n else 0) - (o.record_duration if o else 0),
            "offset_frames": self.offset_frames,
            "detail": self.detail,
        }
        if cl is not None:
            for side, ev, cut in (("old", o, cl.old), ("new", n, cl.new)):
                for k in ("record_in", "record_out", "source_in", "source_out"):
                    d[f"{side}_{k}_tc"] = cut.tc(getattr(ev, k)) if ev is not None else None
        return d


@dataclass
class ChangeList:
    """The changes from an old cut to a new one, plus the unchanged pairs the retimer needs."""

    old: Cut
    new: Cut
    changes: list[Change]
    unchanged: list[tuple[Event, Event]] = field(default_factory=list)
    version_updates: list[tuple[Event, Event]] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        counts = Counter(c.type for c in self.changes)
        slid = sum(1 for o, n in self.unchanged if o.record_in != n.record_in)
        return {
            "rate": format_rate(self.old.rate),
            "old_title": self.old.title,
            "new_title": self.new.title,
            "old_events": len(self.old.events),
            "new_events": len(self.new.events),
            "changes": len(self.changes),
            **{t: counts.get(t, 0) for t in CHANGE_TYPES},
            "unchanged": len(self.unchanged),
            "unchanged_slid": slid,
            "version_updates": [
                {
                    "old_event": o.number,
                    "new_event": n.number,
                    "old_clip_name": o.clip_name,
                    "new_clip_name": n.clip_name,
                }
                for o, n in self.version_updates
            ],
            "old_duration": self.old.duration,
            "new_duration": self.new.duration,
            "duration_change": self.new.duration - self.old.duration,
            "old_start": self.old.tc(self.old.record_start) if self.old.events else None,
            "new_start": self.new.tc(self.new.record_start) if self.new.events else None,
        }

    def to_dict(self) -> dict[str, Any]:
        return {"changes": [c.to_dict(self) for c in self.changes], "summary": self.summary()}


def _patience(a: Sequence[Hashable], b: Sequence[Hashable]) -> list[tuple[int, int]]:
    """Matched index pairs of a longest-ish common subsequence: patience diff, DP on small leftovers."""
    out: list[tuple[int, int]] = []
    stack: list[tuple[int, int, int, int]] = [(0, len(a), 0, len(b))]
    while stack:
        alo, ahi, blo, bhi = stack.pop()
        while alo < ahi and blo < bhi and a[alo] == b[blo]:
            out.append((alo, blo))
            alo += 1
            blo += 1
        while alo < ahi and blo < bhi and a[ahi - 1] == b[bhi - 1]:
            ahi -= 1
            bhi -= 1
            out.append((ahi, bhi))
        if alo >= ahi or blo >= bhi:
            continue
        ca = Counter(a[alo:ahi])
        cb = Counter(b[blo:bhi])
        bpos = {b[j]: j for j in range(blo, bhi) if cb[b[j]] == 1}
        cand = [(i, bpos[a[i]]) for i in range(alo, ahi) if ca[a[i]] == 1 and a[i] in bpos]
        anchors = _lis(cand)
        if not anchors:
            if (ahi - alo) * (bhi - blo) <= _DP_LIMIT:
                out.extend(_dp_lcs(a, b, alo, ahi, blo, bhi, lambda x, y: x == y))
            continue
        pi, pj = alo, blo
        for i, j in anchors:
            out.append((i, j))
            stack.append((pi, i, pj, j))
            pi, pj = i + 1, j + 1
        stack.append((pi, ahi, pj, bhi))
    out.sort()
    return out


def _lis(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Longest increasing subsequence on the second index (pairs sorted by the first): O(n log n)."""
    tails: list[int] = []
    tail_idx: list[int] = []
    prev = [-1] * len(pairs)
    for k, (_, j) in enumerate(pairs):
        p = bisect.bisect_left(tails, j)
        if p == len(tails):
            tails.append(j)
            tail_idx.append(k)
        else:
            tails[p] = j
            tail_idx[p] = k
        prev[k] = tail_idx[p - 1] if p > 0 else -1
    res: list[tuple[int, int]] = []
    k = tail_idx[-1] if tail_idx else -1
    while k >= 0:
        res.append(pairs[k])
        k = prev[k]
    res.reverse()
    return res


def _dp_lcs(
    a: Sequence[Any], b: Sequence[Any], alo: int, ahi: int, blo: int, bhi: int, eq: Callable[[Any, Any], bool]
) -> list[tuple[int, int]]:
    """Classic LCS by dynamic programming on a small block, with an equality predicate."""
    n, m = ahi - alo, bhi - blo
    dp = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        row, nxt = dp[i], dp[i + 1]
        ai = a[alo + i]
        for j in range(m - 1, -1, -1):
            row[j] = nxt[j + 1] + 1 if eq(ai, b[blo + j]) else max(nxt[j], row[j + 1])
    res: list[tuple[int, int]] = []
    i = j = 0
    while i < n and j < m:
        if eq(a[alo + i], b[blo + j]) and dp[i][j] == dp[i + 1][j + 1] + 1:
            res.append((alo + i, blo + j))
            i += 1
            j += 1
        elif dp[i + 1][j] >= dp[i][j + 1]:
            i += 1
        else:
            j += 1
    return res


def _trim_detail(o: Event, n: Event) -> str:
    bits = []
    if o.speed != n.speed:
        bits.append(f"speed {_fps(o)} -> {_fps(n)}")
    if (o.transition, o.transition_frames) != (n.transition, n.transition_frames):
        bits.append(
            f"transition {o.transition}{o.transition_frames or ''} -> {n.transition}{n.transition_frames or ''}"
        )
    if o.tracks != n.tracks:
        bits.append(f"channels {o.channels} -> {n.channels}")
    return "; ".join(bits)


def _fps(e: Event) -> str:
    return "normal" if e.speed is None else f"{float(e.speed):g} fps"


def diff_cuts(old: Cut, new: Cut, *, progress: Callable[[float], None] | None = None) -> ChangeList:
    """The change list from old to new; see the module docstring for how shots are matched."""
    if old.rate != new.rate:
        raise InvalidInput(
            N_("the two cuts are at different rates (%(old_rate)s and %(new_rate)s): pass --rate"),
            params={"old_rate": format_rate(old.rate), "new_rate": format_rate(new.rate)},
        )
    a, b = old.events, new.events
    ka = [_exact_key(e) for e in a]
    kb = [_exact_key(e) for e in b]
    anchors = _patience(ka, kb)
    if progress is not None:
        progress(0.5)
    # gaps between unchanged anchors: (old range, new range, offset before the gap)
    gaps: list[tuple[int, int, int, int, int]] = []
    pi, pj = 0, 0
    prev_offset = (b[0].record_in if b else 0) - (a[0].record_in if a else 0)
    for i, j in [*anchors, (len(a), len(b))]:
        if i > pi or j > pj:
            gaps.append((pi, i, pj, j, prev_offset))
        if i < len(a) and j < len(b):
            prev_offset = b[j].record_out - a[i].record_out
        pi, pj = i + 1, j + 1
    matched_old: dict[int, tuple[int, str]] = {}
    matched_new: set[int] = set()
    changes: list[Change] = []
    # trims: same shot at the same place in the order
    for alo, ahi, blo, bhi, _ in gaps:
        if alo == ahi or blo == bhi:
            continue
        if (ahi - alo) * (bhi - blo) <= _DP_LIMIT:
            pairs = _dp_lcs(a, b, alo, ahi, blo, bhi, same_shot)
        else:
            pairs = _greedy_pairs(a, b, range(alo, ahi), range(blo, bhi), monotone=True)
        for i, j in pairs:
            matched_old[i] = (j, "trim")
            matched_new.add(j)
    # moves: the same shot found elsewhere in the cut
    rest_old = [i for g in gaps for i in range(g[0], g[1]) if i not in matched_old]
    rest_new = [j for g in gaps for j in range(g[2], g[3]) if j not in matched_new]
    for i, j in _greedy_pairs(a, b, rest_old, rest_new, monotone=False):
        matched_old[i] = (j, "move")
        matched_new.add(j)
    for i, (j, kind) in matched_old.items():
        oe, ne = a[i], b[j]
        head = oe.source_in - ne.source_in
        tail = ne.source_out - oe.source_out
        detail = _trim_detail(oe, ne)
        if kind == "trim" and head == 0 and tail == 0 and not detail:
            continue  # only the clip name's version changed
        changes.append(Change(kind, oe, ne, head, tail, ne.record_in - oe.record_in, detail))
    # what is left in each gap: replaces side by side, then deletes and inserts
    for alo, ahi, blo, bhi, offset in gaps:
        olds = [i for i in range(alo, ahi) if i not in matched_old]
        news = [j for j in range(blo, bhi) if j not in matched_new]
        if not olds and not news:
            continue
        o0 = a[alo - 1].record_out if alo > 0 else (a[0].record_in if a else 0)
        n0 = b[blo - 1].record_out if blo > 0 else (b[0].record_in if b else 0)
        oi = ni = 0
        while oi < len(olds) or ni < len(news):
            o: Event | None = a[olds[oi]] if oi < len(olds) else None
            n: Event | None = b[news[ni]] if ni < len(news) else None
            if o is not None and n is not None:
                ov = min(o.record_out - o0, n.record_out - n0) - max(o.record_in - o0, n.record_in - n0)
                if ov > 0 or (o.record_duration == 0 and n.record_duration == 0):
                    changes.append(Change("replace", o, n, 0, 0, n.record_in - o.record_in, ""))
                    oi += 1
                    ni += 1
                    continue
                if o.record_out - o0 <= n.record_in - n0:
                    n = None
                else:
                    o = None
            if o is not None:
                changes.append(Change("delete", o, None, 0, 0, offset, ""))
                oi += 1
            elif n is not None:
                changes.append(Change("insert", None, n, 0, 0, offset, ""))
                ni += 1
    unchanged = [(a[i], b[j]) for i, j in anchors]
    bumps = [(o, n) for o, n in unchanged if (o.clip_name or "") != (n.clip_name or "")]
    bumps += [
        (a[i], b[j])
        for i, (j, kind) in matched_old.items()
        if kind == "trim" and (a[i].clip_name or "") != (b[j].clip_name or "")
    ]
    changes.sort(key=lambda c: c.sort_key)
    if progress is not None:
        progress(1.0)
    return ChangeList(old=old, new=new, changes=changes, unchanged=unchanged, version_updates=bumps)


def _greedy_pairs(
    a: Sequence[Event], b: Sequence[Event], olds: Sequence[int], news: Sequence[int], *, monotone: bool
) -> list[tuple[int, int]]:
    """Pair events of the same shot by identity, best source overlap first."""
    by_id: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for i in olds:
        by_id[shot_identity(a[i])].append(i)
    used: set[int] = set()
    pairs: list[tuple[int, int]] = []
    last_i = -1
    for j in news:
        best, best_ov = -1, None
        for i in by_id.get(shot_identity(b[j]), ()):
            if i in used or (monotone and i <= last_i) or not same_shot(a[i], b[j]):
                continue
            ov = _overlap(a[i], b[j])
            if best_ov is None or ov > best_ov:
                best, best_ov = i, ov
        if best >= 0:
            used.add(best)
            pairs.append((best, j))
            last_i = best
    return pairs
