"""Conform check: the master's shot changes against the locked cut's record in-points.

The cut's video events give the edits a master must show, each at a record frame: hard cuts (to and from
black too), dissolves and wipes over their length, fades from and to black. The master's shot changes
come from the video pass's own samples (qc.shots, no second decode) and are placed on the record
timecode by the master's start timecode. Each edit is matched to the nearest change within `max_shift`
frames (one change per edit, the closest pairs first):

- `moved_cut`: the cut is there, N frames early (-) or late (+);
- `missing_cut`: no change near the edit (the shot before goes on), or a dissolve with no change across it;
- `extra_cut`: a change the cut does not have (a wrong shot, a recut);
- `flash_frame`: a shot of `flash_frames` frames or fewer (two changes that close together);
- `transition`: a hard cut where the cut dissolves or wipes;
- `duration`: the master ends before the cut's last frame, or carries picture after it.

Fades from and to black are not required to show a change (a slow fade has none that stands out), and
changes inside a transition belong to it. Through edits (the same source continuing) are not edits.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from postprod.editorial.model import Cut
from postprod.editorial.model import Event as CutEvent
from postprod.errors import N_, FileFormatError
from postprod.qc.events import Event, Timebase, frame_event
from postprod.qc.shots import ShotOptions, ShotTrack, find_cuts, signature_distance
from postprod.timecode import format_rate, tc_to_frames

if TYPE_CHECKING:
    from postprod.qc.analyze import Analysis

BLACK_REELS = {"BL", "BLK", "BLACK"}
KINDS = ("moved_cut", "missing_cut", "extra_cut", "flash_frame", "transition", "duration")
Progress = Callable[[float], None]


@dataclass
class ConformOptions:
    """How far an edit may be from the cut's and still be that edit, and how short a flash frame is."""

    max_shift: int = 12
    flash_frames: int = 2
    shots: ShotOptions = field(default_factory=ShotOptions)


@dataclass
class Edit:
    """An edit of the cut: the record frame where the incoming picture starts, and how it comes in."""

    record_frame: int
    kind: str  # cut, dissolve, wipe, fade_in, fade_out
    frames: int  # length of the transition (0 for a cut)
    event: CutEvent

    @property
    def required(self) -> bool:
        """Whether the master must show a change here (a fade need not)."""
        return self.kind in ("cut", "dissolve", "wipe")


def _black(e: CutEvent) -> bool:
    return e.reel.strip().upper() in BLACK_REELS


def expected_edits(cut: Cut) -> list[Edit]:
    """The edits of the cut's video track, in record order (not the programme's first frame)."""
    video = sorted((e for e in cut.events if e.is_video and e.record_duration > 0), key=lambda e: e.record_in)
    edits: list[Edit] = []
    prev: CutEvent | None = None
    for e in video:
        transition = e.transition.upper()
        gap = prev is None or e.record_in > prev.record_out
        if prev is not None and gap and not _black(prev):
            edits.append(Edit(prev.record_out, "cut", 0, prev))  # to black (the cut has nothing there)
        if transition != "C":
            from_black = gap or (prev is not None and _black(prev)) or e.from_reel is None
            if not from_black and e.from_reel is not None and e.from_reel.strip().upper() in BLACK_REELS:
                from_black = True
            if from_black:
                kind = "fade_in"
            elif _black(e):
                kind = "fade_out"
            else:
                kind = "wipe" if transition.startswith("W") else "dissolve"
            edits.append(Edit(e.record_in, kind, e.transition_frames, e))
        elif prev is not None and not (gap and _black(e)):
            through = (
                not gap
                and prev.reel == e.reel
                and prev.source_out == e.source_in
                and prev.speed is None
                and e.speed is None
            )
            if not through and not (_black(prev) and _black(e)):
                edits.append(Edit(e.record_in, "cut", 0, e))
        prev = e if prev is None or e.record_out >= prev.record_out else prev
    return edits


@dataclass
class ConformResult:
    """What the conform check found, with the counts behind it."""

    cut: Cut
    master_start: int  # record frame (in the cut's timecode) of the master's first frame
    master_frames: int
    edits: int  # edits the master must show
    matched_exact: int
    detected: int  # shot changes found in the master within the cut
    findings: list[Event] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.findings

    def counts(self) -> dict[str, int]:
        return {k: sum(1 for f in self.findings if f.kind == k) for k in KINDS}

    def to_dict(self) -> dict[str, Any]:
        cut = self.cut
        return {
            "cut": {
                "title": cut.title,
                "path": cut.path,
                "rate": format_rate(cut.rate),
                "drop_frame": cut.drop_frame,
                "events": len(cut.events),
                "record_start_tc": cut.tc(cut.record_start),
                "record_end_tc": cut.tc(cut.record_end),
            },
            "master_start_tc": cut.tc(self.master_start),
            "master_frames": self.master_frames,
            "passed": self.passed,
            "edits": self.edits,
            "matched_exact": self.matched_exact,
            "detected": self.detected,
            "counts": self.counts(),
            "findings": [f.to_dict() for f in self.findings],
        }


class _Finder:
    def __init__(self, cut: Cut, tb: Timebase, master_start: int, track: ShotTrack, frames: int) -> None:
        self.cut, self.tb, self.start, self.track, self.frames = cut, tb, master_start, track, frames
        video = sorted((e for e in cut.events if e.is_video and e.record_duration > 0), key=lambda e: e.record_in)
        self.video = video
        self.starts = [e.record_in for e in video]
        self.out: list[Event] = []

    def event_at(self, record: int) -> CutEvent | None:
        i = bisect.bisect_right(self.starts, record) - 1
        return self.video[i] if i >= 0 else None

    def add(self, kind: str, start: int, end: int, record: int, ev: CutEvent | None, **detail: int | str) -> None:
        """A finding over record frames [start, end) (placed on the master's frames), about record frame `record`."""
        d: dict[str, Any] = {"record_frame": record, "record_tc": self.cut.tc(record)}
        if ev is not None:
            d["event"] = ev.number
            d["clip"] = ev.name
        d.update(detail)
        s, e = start - self.start, max(end, start + 1) - self.start
        self.out.append(frame_event(self.tb, kind, max(0, s), max(1, e), detail=d))

    def outgoing(self, ed: Edit) -> int:
        """The first record frame of the shot before an edit."""
        i = bisect.bisect_left(self.starts, ed.record_frame) - 1
        return self.video[i].record_in if i >= 0 else ed.record_frame

    def distance(self, a: int, b: int) -> float:
        """Signature distance between the pictures of two record frames."""
        return signature_distance(self.track, a - self.start, b - self.start)


def conform(
    cut: Cut,
    track: ShotTrack,
    tb: Timebase,
    master_start: int,
    master_frames: int,
    *,
    black: list[tuple[int, int]] | None = None,
    options: ConformOptions | None = None,
) -> ConformResult:
    """Match the master's shot changes (track, frames from the master's first) to the cut's edits.

    master_start: the record frame, in the cut's timecode, of the master's first frame; black: runs of
    black frames [start, end) of the master (picture after the cut's end that is black is not extra).
    """
    o = options or ConformOptions()
    f = _Finder(cut, tb, master_start, track, master_frames)
    cut_start, cut_end = cut.record_start, cut.record_end
    master_end = master_start + master_frames
    lo, hi = cut_start - o.max_shift, min(cut_end, master_end) + o.max_shift
    found = [master_start + i for i in find_cuts(track, o.shots)]
    found = [d for d in found if lo < d < hi and d != master_start]
    edits = [e for e in expected_edits(cut) if master_start < e.record_frame < master_end]
    used: dict[int, Edit] = {}  # change -> the edit it is
    exact = 0
    # changes inside a transition belong to it; a hard cut there is a transition not made
    for ed in edits:
        if ed.kind == "cut":
            continue
        inside = [d for d in found if ed.record_frame - 1 <= d <= ed.record_frame + ed.frames and d not in used]
        for d in inside:
            used[d] = ed
        if ed.kind in ("dissolve", "wipe"):
            r = ed.record_frame
            sharp = [d for d in inside if track_jump(f, d)]
            if sharp:
                f.add("transition", r, r + ed.frames, r, ed.event, expected=ed.kind, frames=ed.frames,
                      found="cut", found_record_frame=sharp[0], found_record_tc=cut.tc(sharp[0]))  # fmt: skip
            elif not _changes(f, r, ed.frames, f.outgoing(ed), ed.event.record_out):
                f.add("missing_cut", r, r + max(1, ed.frames), r, ed.event, expected=ed.kind, frames=ed.frames)
            else:
                exact += 1
    # hard cuts: the closest pairs first, one change per edit
    cuts = [ed for ed in edits if ed.kind == "cut"]
    free = sorted(d for d in found if d not in used)
    pairs = []
    for i, ed in enumerate(cuts):  # only the changes within max_shift of each edit (bisect, not every pair)
        r = ed.record_frame
        for d in free[bisect.bisect_left(free, r - o.max_shift) : bisect.bisect_right(free, r + o.max_shift)]:
            pairs.append((abs(d - r), d, i))
    pairs.sort(key=lambda p: (p[0], p[1]))
    matched: dict[int, int] = {}  # edit index -> change
    for dist, d, i in pairs:
        if dist > o.max_shift or i in matched or d in used:
            continue
        matched[i] = d
        used[d] = cuts[i]
    for i, ed in enumerate(cuts):
        r = ed.record_frame
        if i not in matched:
            f.add("missing_cut", r, r + 1, r, ed.event, expected="cut")
        elif matched[i] == r:
            exact += 1
        else:
            d = matched[i]
            f.add("moved_cut", min(r, d), max(r, d), r, ed.event, offset=d - r,
                  found_record_frame=d, found_record_tc=cut.tc(d))  # fmt: skip
    # the rest are extra; two changes close together frame a flash
    spare = sorted(d for d in found if d not in used)
    everything = sorted(found)
    flashed: set[int] = set()
    for d in spare:
        if d in flashed:
            continue
        k = everything.index(d)
        near = [x for x in everything[max(0, k - 1) : k + 2] if x != d and abs(x - d) <= o.flash_frames]
        if near:
            a, b = min(d, near[0]), max(d, near[0])
            flashed.update((a, b))
            f.add("flash_frame", a, b, a, f.event_at(a), frames=b - a)
        else:
            f.add("extra_cut", d, d + 1, d, f.event_at(d))
    _duration(f, cut_start, cut_end, master_end, black or [])
    f.out.sort(key=lambda e: (e.start_frame, e.kind))
    for x in f.out:
        x.detail["message"] = describe(x)
    return ConformResult(cut, master_start, master_frames, len([e for e in edits if e.required]), exact,
                         len(found), f.out)  # fmt: skip


def track_jump(f: _Finder, record: int) -> bool:
    """Whether the change at a record frame is sharp: the picture one frame apart differs as at a cut, and
    as much as across the whole change's neighbourhood (a dissolve spreads it over its length)."""
    one = f.distance(record - 1, record)
    wide = f.distance(record - 3, record + 2)
    return one >= 5.0 and one >= 0.6 * wide


def _changes(f: _Finder, record: int, frames: int, lo: int, hi: int) -> bool:
    """Whether the picture changes across a transition (from the frame before it to the frame after it) more
    than within the shots either side of it over as many frames (the outgoing shot from lo, the incoming
    one up to hi)."""
    before, after = record - 1, record + frames
    across = f.distance(before, after)
    back, ahead = max(0, min(frames + 1, before - lo)), max(0, min(frames + 1, hi - 1 - after))
    within = max(f.distance(before - back, before), f.distance(after, after + ahead))
    return across >= 5.0 and across >= 1.5 * within


def _duration(f: _Finder, cut_start: int, cut_end: int, master_end: int, black: list[tuple[int, int]]) -> None:
    last = f.event_at(cut_end - 1)
    if master_end < cut_end:
        n = cut_end - master_end
        f.add("duration", master_end, cut_end, master_end, f.event_at(master_end), frames=-n,
              expected_end_tc=f.cut.tc(cut_end), end_tc=f.cut.tc(master_end))  # fmt: skip
    elif master_end > cut_end:
        # picture after the cut's end: black there is a tail, not programme
        s = cut_end - f.start
        tail_black = any(a <= s and b >= master_end - f.start for a, b in black)
        if not tail_black:
            n = master_end - cut_end
            f.add("duration", cut_end, master_end, cut_end, last, frames=n,
                  expected_end_tc=f.cut.tc(cut_end), end_tc=f.cut.tc(master_end))  # fmt: skip
    if f.start > cut_start:
        f.add("duration", cut_start, f.start, cut_start, f.event_at(cut_start), frames=cut_start - f.start,
              expected_start_tc=f.cut.tc(cut_start), start_tc=f.cut.tc(f.start))  # fmt: skip


def describe(f: Event) -> str:
    """A finding in words (English; the pages translate the kinds)."""
    d = f.detail
    ev = f" (event {d['event']}, {d.get('clip') or ''})".replace(", )", ")") if "event" in d else ""
    if f.kind == "moved_cut":
        n = int(d["offset"])
        return f"cut at {d['found_record_tc']}: {abs(n)} frame(s) {'late' if n > 0 else 'early'}{ev}"
    if f.kind == "missing_cut":
        what = "no change across the dissolve" if d.get("expected") in ("dissolve", "wipe") else "no shot change"
        return f"{what} at {d['record_tc']}{ev}"
    if f.kind == "extra_cut":
        return f"shot change at {d['record_tc']} that the cut does not have{ev}"
    if f.kind == "flash_frame":
        return f"a shot of {d['frames']} frame(s) at {d['record_tc']}{ev}"
    if f.kind == "transition":
        return f"a hard cut at {d['found_record_tc']} where the cut has a {d['frames']}-frame {d['expected']}{ev}"
    if f.kind == "duration":
        n = int(d["frames"])
        if "expected_start_tc" in d:
            return f"the master starts at {d['start_tc']}, after the cut's first frame {d['expected_start_tc']}"
        return f"the master ends at {d['end_tc']}, {abs(n)} frame(s) {'after' if n > 0 else 'before'} the cut ({d['expected_end_tc']})"
    return f.kind


def conform_file(
    path: str,
    cut: Cut,
    *,
    options: ConformOptions | None = None,
    progress: Progress | None = None,
    audio: bool = False,
) -> tuple[Analysis, ConformResult]:
    """Analyse a master (the picture, and the sound when asked) keeping its shot changes, then conform it to
    the cut; returns (Analysis, ConformResult). The cut must be at the master's frame rate."""
    from postprod.qc.analyze import analyze
    from postprod.qc.probe import probe
    from postprod.qc.video import VideoOptions

    info = probe(path)
    if not info.video:
        raise FileFormatError(path, "no video stream: nothing to conform")
    rate = info.video[0].frame_rate
    if rate is not None and rate != cut.rate:
        raise FileFormatError(
            cut.path or "cut",
            N_("the cut is at %(cut_rate)s fps and the master at %(master_rate)s fps"),
            params={"cut_rate": format_rate(cut.rate), "master_rate": format_rate(rate)},
        )
    analysis = analyze(path, audio=audio, video_options=VideoOptions(shots=True), info=info, progress=progress)
    result = conform_analysis(analysis, cut, options)
    return analysis, result


def conform_analysis(analysis: Analysis, cut: Cut, options: ConformOptions | None = None) -> ConformResult:
    """Conform an analysis made with VideoOptions(shots=True) to the cut."""
    video = analysis.video
    if video is None or video.shots is None:
        raise FileFormatError(analysis.probe.path, "the picture was not measured for shot changes")
    if video.frame_rate != cut.rate:
        raise FileFormatError(
            cut.path or cut.title or "cut",
            N_("the cut is at %(cut_rate)s fps and the master at %(master_rate)s fps"),
            params={"cut_rate": format_rate(cut.rate), "master_rate": format_rate(video.frame_rate)},
        )
    tc = analysis.probe.start_timecode or "00:00:00:00"
    # the master's start label read in the cut's timecode (both label the same programme)
    master_start = tc_to_frames(tc, cut.rate, cut.drop_frame)
    black = [(e.start_frame, e.end_frame) for e in analysis.events if e.kind == "black"]
    return conform(cut, video.shots, analysis.timebase, master_start, video.frames, black=black, options=options)
