"""Check a subtitle file against a timed-text spec: each clause passes or fails with its findings.

Every subtitle is placed on the programme's frame grid (its frame rate and start timecode) before it is
judged, so findings carry frames and timecodes like the media QC's, with the subtitle's number, its
text, and the measured value against the spec's limit.
"""

from __future__ import annotations

import bisect
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from postprod.errors import N_, InvalidInput
from postprod.qc.clauses import FAIL, PASS, ClauseResult
from postprod.qc.events import Event, Timebase
from postprod.qc.spec import Spec, allowed_characters
from postprod.qc.subtitle_read import read_subtitles
from postprod.qc.timed_text import FORMAT_NAMES, Subtitle, SubtitleFile
from postprod.timecode import format_rate, frames_to_tc, supports_drop_frame

if TYPE_CHECKING:
    from postprod.qc.subtitle_video import MasterInfo

Progress = Callable[[float], None]
DEFAULT_RATE = Fraction(25)
_EPS = 1e-9


@dataclass
class Programme:
    """The programme the subtitles belong to: its frame grid and, when a master was given, its length and
    shot changes (frames from the programme's first frame)."""

    rate: Fraction
    start_frame: int = 0  # the start timecode as a frame count
    drop_frame: bool = False
    frames: int | None = None
    shot_changes: list[int] | None = None
    master: str | None = None

    @property
    def timebase(self) -> Timebase:
        return Timebase(rate=self.rate, start_frame=self.start_frame, drop_frame=self.drop_frame)

    @property
    def start_tc(self) -> str:
        return frames_to_tc(self.start_frame, self.rate, self.drop_frame and supports_drop_frame(self.rate))


@dataclass
class Placed:
    """A subtitle on the programme's frame grid: frames from the programme's first frame, end exclusive."""

    sub: Subtitle
    start: int
    end: int


@dataclass
class SubtitleCheckResult:
    """The outcome of checking one subtitle file against a timed-text spec."""

    path: str
    spec: Spec
    file: SubtitleFile
    programme: Programme
    clauses: list[ClauseResult] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    placed: list[Placed] = field(default_factory=list)

    @property
    def timebase(self) -> Timebase:
        return self.programme.timebase

    @property
    def passed(self) -> bool:
        return all(c.status == PASS for c in self.clauses)

    @property
    def status(self) -> str:
        return PASS if self.passed else FAIL

    @property
    def failed(self) -> list[ClauseResult]:
        return [c for c in self.clauses if c.status != PASS]

    @property
    def findings(self) -> list[Event]:
        return sorted((f for c in self.clauses for f in c.findings), key=lambda e: (e.start_frame, e.kind))

    def to_dict(self) -> dict[str, Any]:
        p = self.programme
        return {
            "path": self.path,
            "format": self.file.format,
            "spec": {"name": self.spec.name, "title": self.spec.title, "path": self.spec.path},
            "status": self.status,
            "passed": self.passed,
            "summary": {
                "clauses": len(self.clauses),
                "passed": sum(c.status == PASS for c in self.clauses),
                "failed": sum(c.status == FAIL for c in self.clauses),
                "not_checked": 0,
                "subtitles": len(self.file.subtitles),
                "findings": sum(len(c.findings) for c in self.clauses),
            },
            "programme": {
                "frame_rate": format_rate(p.rate),
                "start_timecode": p.start_tc,
                "frames": p.frames,
                "master": p.master,
                "shot_changes": None if p.shot_changes is None else len(p.shot_changes),
            },
            "warnings": list(self.warnings),
            # each finding once: in the flat list, with its clause (not again under the clause)
            "clauses": [{k: v for k, v in c.to_dict().items() if k != "findings"} for c in self.clauses],
            "findings": [finding_dict(f) | {"clause": c.id} for c in self.clauses for f in c.findings],
        }


def finding_dict(e: Event) -> dict[str, Any]:
    """A finding as the JSON output and the deliverable's run keep it: kind, subtitle, timecodes, text, value."""
    d = e.detail
    return {
        "kind": e.kind,
        "subtitle": d.get("subtitle"),
        "start_tc": e.start_tc,
        "end_tc": e.end_tc,
        "start_frame": e.start_frame,
        "end_frame": e.end_frame,
        "text": d.get("text", ""),
        "measured": d.get("measured"),
        "limit": d.get("limit"),
        "message": d.get("message", ""),
    }


def place(file: SubtitleFile, programme: Programme) -> tuple[list[Placed], str | None]:
    """The subtitles on the programme's frame grid, and a note when their times were read as timecodes.

    Timecode formats (EBU STL, SCC) count from midnight: the programme's start timecode is taken off.
    SRT, WebVTT and TTML count media time from the programme's first frame, unless the first subtitle
    lies at or after the start timecode (less some slack for a subtitle written before it): then the
    file was written in timecode too.
    """
    rate = programme.rate
    start = programme.start_frame
    subs = file.subtitles
    offset = 0
    note = None
    if start:
        first = min(_frame(s.start, rate) for s in subs)
        slack = min(start // 2, round(600 * rate))
        if file.timecode_clock or first >= start - slack:
            offset = start
            if not file.timecode_clock:
                note = f"times in the file read as timecodes from the programme's start {programme.start_tc}"
    return [Placed(s, _frame(s.start, rate) - offset, _frame(s.end, rate) - offset) for s in subs], note


def _frame(seconds: Fraction, rate: Fraction) -> int:
    """round(seconds * rate) in integers (Fraction arithmetic is the slow part of checking 2,000 subtitles)."""
    num = 2 * seconds.numerator * rate.numerator
    den = 2 * seconds.denominator * rate.denominator
    return (num + den // 2) // den


def _chars(text: str, spaces: bool) -> int:
    return len(text) if spaces else len(text.replace(" ", "").replace("\u00a0", ""))


class _Judge:
    def __init__(self, spec: Spec, file: SubtitleFile, programme: Programme, placed: list[Placed]) -> None:
        self.sec: dict[str, Any] = spec.section("subtitles") or {}
        self.file = file
        self.p = programme
        self.tb = programme.timebase
        self.rate = programme.rate
        self.spf = programme.rate.denominator / programme.rate.numerator  # seconds per frame
        self.placed = placed
        self.out: list[ClauseResult] = []
        self.notes: list[str] = []

    def finding(self, kind: str, pl: Placed, measured: str, limit: str, message: str = "") -> Event:
        detail = {"subtitle": pl.sub.number, "text": pl.sub.text, "measured": measured, "limit": limit}
        if message:
            detail["message"] = message
        if pl.sub.line is not None:
            detail["line"] = pl.sub.line
        end = max(pl.end, pl.start + 1)
        tc = self.tb.tc
        return Event(kind, pl.start, end, tc(pl.start), tc(end), detail=detail,
                     start_seconds=self.seconds(pl.start), end_seconds=self.seconds(end))  # fmt: skip

    def add(self, cid: str, title: str, expected: str, measured: str, findings: list[Event], message: str = "") -> None:
        status = FAIL if findings else PASS
        if findings and not message:
            first = findings[0].detail
            message = f"{len(findings)} subtitle(s), first #{first.get('subtitle')} at {findings[0].start_tc}"
        self.out.append(ClauseResult(f"subtitles.{cid}", title, status, expected, measured, findings, message))

    def seconds(self, frames: int) -> float:
        return frames * self.spf

    def run(self) -> list[ClauseResult]:
        s = self.sec
        if "max_chars_per_line" in s:
            self.line_length(s["max_chars_per_line"])
        if "max_lines" in s:
            self.line_count(s["max_lines"])
        if "max_cps" in s:
            self.reading_speed(s["max_cps"], s.get("cps_count_spaces", True))
        if "max_wpm" in s:
            self.words_per_minute(s["max_wpm"])
        if "min_duration_seconds" in s:
            self.duration("min", s["min_duration_seconds"])
        if "max_duration_seconds" in s:
            self.duration("max", s["max_duration_seconds"])
        order = sorted(self.placed, key=lambda pl: (pl.start, pl.end))
        if not s.get("overlaps_allowed", True):
            self.overlaps(order)
        if "min_gap_frames" in s:
            self.gaps(order, s["min_gap_frames"])
        if s.get("within_programme"):
            self.within(order)
        if "allowed_characters" in s:
            self.characters(s["allowed_characters"])
        if s.get("balanced_italics"):
            self.italics()
        if "shot_change_frames" in s:
            self.shot_changes(s["shot_change_frames"])
        return self.out

    def line_length(self, limit: int) -> None:
        bad, longest = [], 0
        for pl in self.placed:
            n = max((len(ln) for ln in pl.sub.lines), default=0)
            longest = max(longest, n)
            if n > limit:
                bad.append(self.finding("line_length", pl, f"{n} characters", f"{limit} characters"))
        self.add("max_chars_per_line", "Characters per line", f"at most {limit}", f"longest line {longest}", bad)

    def line_count(self, limit: int) -> None:
        bad, most = [], 0
        for pl in self.placed:
            n = len(pl.sub.lines)
            most = max(most, n)
            if n > limit:
                bad.append(self.finding("line_count", pl, f"{n} lines", f"{limit} lines"))
        self.add("max_lines", "Lines per subtitle", f"at most {limit}", f"at most {most}", bad)

    def reading_speed(self, limit: float, spaces: bool) -> None:
        bad, fastest = [], 0.0
        for pl in self.placed:
            frames = pl.end - pl.start
            if frames <= 0:
                continue  # judged by the minimum duration
            cps = _chars("".join(pl.sub.lines), spaces) / self.seconds(frames)
            fastest = max(fastest, cps)
            if cps > limit + _EPS:
                bad.append(self.finding("reading_speed", pl, f"{cps:.1f} cps", f"{limit:g} cps"))
        how = "" if spaces else " (spaces not counted)"
        self.add(
            "max_cps",
            "Reading speed",
            f"at most {limit:g} characters per second{how}",
            f"fastest {fastest:.1f} cps",
            bad,
        )

    def words_per_minute(self, limit: float) -> None:
        bad, fastest = [], 0.0
        for pl in self.placed:
            frames = pl.end - pl.start
            if frames <= 0:
                continue
            wpm = len(" ".join(pl.sub.lines).split()) * 60 / self.seconds(frames)
            fastest = max(fastest, wpm)
            if wpm > limit + _EPS:
                bad.append(self.finding("reading_speed", pl, f"{wpm:.0f} wpm", f"{limit:g} wpm"))
        self.add(
            "max_wpm", "Reading speed (words)", f"at most {limit:g} words per minute", f"fastest {fastest:.0f} wpm", bad
        )

    def duration(self, which: str, limit: float) -> None:
        bad = []
        durations = [self.seconds(pl.end - pl.start) for pl in self.placed]
        for pl, d in zip(self.placed, durations, strict=True):
            if (d + _EPS < limit) if which == "min" else (d > limit + _EPS):
                bad.append(self.finding(f"{which}_duration", pl, f"{d:.2f} s", f"{limit:g} s"))
        if which == "min":
            self.add(
                "min_duration", "Minimum duration", f"at least {limit:g} s", f"shortest {min(durations):.2f} s", bad
            )
        else:
            self.add("max_duration", "Maximum duration", f"at most {limit:g} s", f"longest {max(durations):.2f} s", bad)

    def overlaps(self, order: list[Placed]) -> None:
        bad = []
        latest: Placed | None = None  # the subtitle that ends last among those before
        for pl in order:
            if latest is not None and pl.start < latest.end:
                n = latest.end - pl.start
                msg = f"overlaps subtitle {latest.sub.number} by {n} frame(s)"
                bad.append(self.finding("overlap", pl, f"{n} frames", "0 frames", msg))
            if latest is None or pl.end > latest.end:
                latest = pl
        self.add("overlaps", "No overlapping subtitles", "none", f"{len(bad)} overlap(s)", bad)

    def gaps(self, order: list[Placed], limit: int) -> None:
        bad = []
        smallest: int | None = None
        for prev, pl in zip(order, order[1:], strict=False):
            gap = pl.start - prev.end
            if gap < 0:
                continue  # an overlap, judged as such
            smallest = gap if smallest is None else min(smallest, gap)
            if gap < limit:
                msg = f"{gap} frame(s) after subtitle {prev.sub.number}"
                bad.append(self.finding("gap", pl, f"{gap} frames", f"{limit} frames", msg))
        measured = "no gap" if smallest is None else f"smallest {smallest} frames"
        self.add("min_gap_frames", "Gap between subtitles", f"at least {limit} frames", measured, bad)

    def within(self, order: list[Placed]) -> None:
        bad = []
        end = self.p.frames
        for pl in order:
            if pl.start < 0:
                bad.append(self.finding("before_programme", pl, self.tb.tc(pl.start), f"from {self.p.start_tc}"))
            elif end is not None and pl.end > end:
                bad.append(self.finding("after_programme", pl, self.tb.tc(pl.end), f"until {self.tb.tc(end)}"))
        if end is None:
            expected = f"from {self.p.start_tc} (the end is checked with the master)"
            self.notes.append("the programme's end is not known: give the master (--video) to check it")
        else:
            expected = f"from {self.p.start_tc} until {self.tb.tc(end)}"
        first, last = order[0], max(order, key=lambda pl: pl.end)
        measured = f"{self.tb.tc(first.start)} to {self.tb.tc(last.end)}"
        self.add("within_programme", "Within the programme", expected, measured, bad)

    def characters(self, items: list[str]) -> None:
        allowed = allowed_characters(items)
        bad = []
        seen: set[str] = set()
        for pl in self.placed:
            odd = sorted({ch for ln in pl.sub.lines for ch in ln if ch not in allowed})
            if odd:
                seen |= set(odd)
                shown = " ".join(f"{ch!r} (U+{ord(ch):04X})" for ch in odd)
                bad.append(self.finding("characters", pl, shown, ", ".join(items)))
        measured = " ".join(sorted(seen)) if seen else "all allowed"
        self.add("allowed_characters", "Allowed characters", ", ".join(items), measured, bad)

    def italics(self) -> None:
        if self.file.format in ("scc", "ttml"):
            why = f"italics are a style attribute in {FORMAT_NAMES[self.file.format]}: always balanced"
            self.add("balanced_italics", "Balanced italics", "every italics opened is closed", why, [])
            return
        bad = [
            self.finding("italics", pl, pl.sub.italics_error or "", "balanced")
            for pl in self.placed
            if pl.sub.italics_error
        ]
        measured = f"{len(bad)} unbalanced" if bad else "balanced"
        self.add("balanced_italics", "Balanced italics", "every italics opened is closed", measured, bad)

    def shot_changes(self, limit: int) -> None:
        cuts = self.p.shot_changes
        if cuts is None:
            self.notes.append("subtitles near shot changes not checked: give the master (--video)")
            return
        cuts = sorted(cuts)
        bad = []
        for pl in self.placed:
            for edge, frame in (("starts", pl.start), ("ends", pl.end)):
                i = bisect.bisect_left(cuts, frame)
                near = [c for c in cuts[max(0, i - 1) : i + 1] if 0 < abs(frame - c) <= limit]
                if near:
                    c = min(near, key=lambda c: abs(frame - c))
                    d = frame - c
                    msg = (
                        f"{edge} {abs(d)} frame(s) {'after' if d > 0 else 'before'} the shot change at {self.tb.tc(c)}"
                    )
                    bad.append(
                        self.finding("shot_change", pl, f"{abs(d)} frames", f"0 or more than {limit} frames", msg)
                    )
                    break
        self.add(
            "shot_change_frames",
            "Clear of shot changes",
            f"in and out points on a shot change or more than {limit} frames from one",
            f"{len(cuts)} shot change(s) in the master",
            bad,
        )


def check_subtitles(file: SubtitleFile, spec: Spec, programme: Programme) -> SubtitleCheckResult:
    """Judge every clause of a timed-text spec on the subtitles of a file already read."""
    if not spec.is_timed_text:
        raise InvalidInput(
            N_("spec %(name)r is a media spec: give a timed-text spec (see `postprod qc specs`)"),
            field="spec",
            params={"name": spec.name},
        )
    placed, note = place(file, programme)
    result = SubtitleCheckResult(path=file.path, spec=spec, file=file, programme=programme, placed=placed)
    result.warnings += [f"{file.format}: {w}" for w in file.warnings]
    if note:
        result.warnings.append(note)
    if file.frame_rate is not None and file.frame_rate != programme.rate:
        result.warnings.append(
            f"the file's frame rate {format_rate(file.frame_rate)} is not the programme's {format_rate(programme.rate)}"
        )
    judge = _Judge(spec, file, programme, placed)
    result.clauses = judge.run()
    result.warnings += judge.notes
    return result


def programme_for(
    file: SubtitleFile,
    spec: Spec,
    *,
    rate: Fraction | None = None,
    start_tc: str | None = None,
    master: MasterInfo | None = None,
) -> Programme:
    """The programme's frame grid: the rate given, else the master's, else the file's, else 25; the start
    timecode given, else the spec's, else the master's, else the file's (EBU STL), else 00:00:00:00.
    """
    from postprod.timecode import start_tc_to_frames

    r = rate or (master.rate if master is not None else None) or file.frame_rate or DEFAULT_RATE
    tc = start_tc or spec.get("timecode", "start") or (master.start_tc if master is not None else None)
    tc = tc or file.start_timecode or "00:00:00:00"
    df_spec = spec.get("timecode", "drop_frame")
    df = df_spec if df_spec is not None else (";" in tc or bool(file.drop_frame))
    df = df and supports_drop_frame(r)
    tc = tc[:8] + (";" if df else ":") + tc[9:]
    start = start_tc_to_frames(tc, r, field="start")
    prog = Programme(rate=r, start_frame=start, drop_frame=df)
    if master is not None:
        shift = master.start_frame - start if master.start_tc else 0  # the master's frames on this grid
        prog.frames = master.frames + shift
        prog.shot_changes = [c + shift for c in master.shot_changes]
        prog.master = master.path
    return prog


def check_subtitle_file(
    path: str | os.PathLike[str],
    spec: Spec,
    *,
    rate: Fraction | None = None,
    start_tc: str | None = None,
    fmt: str | None = None,
    encoding: str | None = None,
    master: MasterInfo | None = None,
) -> SubtitleCheckResult:
    """Read a subtitle file and check it against a timed-text spec (postprod's `qc subtitles`)."""
    if not spec.is_timed_text:
        raise InvalidInput(
            N_("spec %(name)r is a media spec: give a timed-text spec (see `postprod qc specs`)"),
            field="spec",
            params={"name": spec.name},
        )
    file = read_subtitles(path, fmt, encoding=encoding)
    return check_subtitles(file, spec, programme_for(file, spec, rate=rate, start_tc=start_tc, master=master))
