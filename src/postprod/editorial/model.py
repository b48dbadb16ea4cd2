"""The cut as plain data: events with exact frame counts at a rational rate.

It knows no file format: the readers (`editorial/readers/`) build it, the writers (`edl_writer`,
`otio_writer`) write it out."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from postprod.timecode import STANDARD_RATES, format_rate, frames_to_tc, supports_drop_frame

# A VFX shot ID such as 117_GUD_0030, 053_CSC_0750, 000_trl_0010 or 002_020.
VFX_ID_RE = re.compile(r"(?<![A-Za-z0-9])(\d{2,4}[A-Za-z]?_(?:[A-Za-z]{2,6}_)?\d{2,5}[A-Za-z]?)(?![A-Za-z0-9])")
# A version suffix on a clip name (_v011, .v3, _V12): dropped to match the same shot across versions.
VERSION_RE = re.compile(r"[_.\-\s]v\d{1,4}$", re.IGNORECASE)


def strip_version(name: str) -> str:
    """The clip name without its trailing version suffix (SH010_comp_v012 -> SH010_comp)."""
    return VERSION_RE.sub("", name.strip())


def vfx_id_at_start(text: str) -> str | None:
    """The VFX shot ID a text starts with ("VFX 117_GUD_0030 ..." or "002_020 - Phone"), if any."""
    words = text.split()
    if not words:
        return None
    if words[0].upper().rstrip(":") == "VFX" and len(words) > 1:
        words = words[1:]
    m = VFX_ID_RE.match(words[0])
    return m.group(1) if m else None


@dataclass
class Locator:
    """A locator (marker) at a record frame, with its colour and text."""

    record_frame: int
    colour: str = ""
    text: str = ""
    line: int | None = None
    origin: str = "LOC"

    def to_dict(self, rate: Fraction | None = None, drop_frame: bool = False) -> dict[str, Any]:
        d: dict[str, Any] = {"record_frame": self.record_frame, "colour": self.colour, "text": self.text}
        if rate is not None:
            d["record_tc"] = frames_to_tc(self.record_frame, rate, drop_frame)
        d["line"] = self.line
        d["origin"] = self.origin
        return d


@dataclass
class Event:
    """One edit event: a source range laid at a record range on one or more tracks."""

    number: int
    reel: str
    channels: str
    source_in: int
    source_out: int
    record_in: int
    record_out: int
    tracks: tuple[str, ...] = ("V",)
    transition: str = "C"
    transition_frames: int = 0
    drop_frame: bool = False
    clip_name: str | None = None
    to_clip_name: str | None = None
    source_file: str | None = None
    from_reel: str | None = None
    from_source_in: int | None = None
    locators: list[Locator] = field(default_factory=list)
    vfx_ids: list[str] = field(default_factory=list)
    speed: Fraction | None = None
    comments: list[str] = field(default_factory=list)
    line: int | None = None

    @property
    def record_duration(self) -> int:
        return self.record_out - self.record_in

    @property
    def source_duration(self) -> int:
        return self.source_out - self.source_in

    @property
    def is_video(self) -> bool:
        return "V" in self.tracks

    @property
    def name(self) -> str:
        """The name a department reads: clip name, else reel."""
        return self.clip_name or self.reel

    def to_dict(self, rate: Fraction | None = None) -> dict[str, Any]:
        d: dict[str, Any] = {
            "number": self.number,
            "reel": self.reel,
            "channels": self.channels,
            "tracks": list(self.tracks),
            "transition": self.transition,
            "transition_frames": self.transition_frames,
            "source_in": self.source_in,
            "source_out": self.source_out,
            "record_in": self.record_in,
            "record_out": self.record_out,
            "duration": self.record_duration,
            "drop_frame": self.drop_frame,
            "clip_name": self.clip_name,
            "to_clip_name": self.to_clip_name,
            "source_file": self.source_file,
            "from_reel": self.from_reel,
            "vfx_ids": list(self.vfx_ids),
            "speed_fps": None if self.speed is None else float(self.speed),
            "locators": [loc.to_dict(rate, self.drop_frame) for loc in self.locators],
            "comments": list(self.comments),
            "line": self.line,
        }
        if rate is not None:
            df = self.drop_frame
            for key in ("source_in", "source_out", "record_in", "record_out"):
                d[key + "_tc"] = frames_to_tc(getattr(self, key), rate, df)
        return d


@dataclass
class CutWarning:
    """Something odd but recoverable in the file, with the line it was found on."""

    message: str
    line: int | None = None

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line is not None else self.message

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "message": self.message}


@dataclass
class Cut:
    """A cut (one reel or sequence): its events in record order, its rate, and what the reader noticed."""

    events: list[Event]
    rate: Fraction
    drop_frame: bool = False
    title: str = ""
    path: str = ""
    format: str = "cmx3600"
    markers: list[Locator] = field(default_factory=list)
    warnings: list[CutWarning] = field(default_factory=list)
    skipped: list[CutWarning] = field(default_factory=list)
    rate_source: str = "given"

    @property
    def record_start(self) -> int:
        return min((e.record_in for e in self.events), default=0)

    @property
    def record_end(self) -> int:
        return max((e.record_out for e in self.events), default=0)

    @property
    def duration(self) -> int:
        return self.record_end - self.record_start

    def tc(self, frames: int) -> str:
        """Timecode of a record frame in this cut's rate and drop-frame mode."""
        return frames_to_tc(frames, self.rate, self.drop_frame)

    def summary(self) -> dict[str, Any]:
        tracks: dict[str, int] = {}
        for e in self.events:
            for t in e.tracks:
                tracks[t] = tracks.get(t, 0) + 1
        return {
            "title": self.title,
            "path": self.path,
            "format": self.format,
            "rate": format_rate(self.rate),
            "rate_source": self.rate_source,
            "drop_frame": self.drop_frame,
            "events": len(self.events),
            "tracks": tracks,
            "record_start": self.tc(self.record_start) if self.events else None,
            "record_end": self.tc(self.record_end) if self.events else None,
            "duration_frames": self.duration,
            "transitions": sum(1 for e in self.events if e.transition != "C"),
            "speed_changes": sum(1 for e in self.events if e.speed is not None),
            "locators": sum(len(e.locators) for e in self.events) + len(self.markers),
            "vfx_shots": len({v for e in self.events for v in e.vfx_ids}),
            "warnings": len(self.warnings),
            "skipped": len(self.skipped),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "summary": self.summary(),
            "events": [e.to_dict(self.rate) for e in self.events],
            "markers": [m.to_dict(self.rate, self.drop_frame) for m in self.markers],
            "warnings": [w.to_dict() for w in self.warnings],
            "skipped": [w.to_dict() for w in self.skipped],
        }


def snap_rate(value: float) -> Fraction:
    """The exact rate a float OTIO rate stands for (23.976... -> 24000/1001)."""
    for r in STANDARD_RATES:
        if abs(float(r) - value) < 1e-3:
            return r
    return Fraction(value).limit_denominator(1001)


def check_drop_frame(rate: Fraction, drop_frame: bool) -> bool:
    """Drop-frame only where the rate allows it."""
    return drop_frame and supports_drop_frame(rate)
