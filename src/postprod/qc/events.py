"""QC findings as runs of frames, with start and end in the programme's timecode (drop-frame aware)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from postprod.timecode import frames_to_tc, supports_drop_frame


@dataclass(frozen=True)
class Timebase:
    """How to turn a frame index (0 = the file's first video frame) into programme timecode."""

    rate: Fraction
    start_frame: int = 0
    drop_frame: bool = False
    start_seconds: float = 0.0

    def tc(self, frame: int) -> str:
        df = self.drop_frame and supports_drop_frame(self.rate)
        return frames_to_tc(self.start_frame + frame, self.rate, df)

    def seconds(self, frame: int) -> float:
        return float(Fraction(frame) / self.rate)

    def frame_floor(self, seconds: float) -> int:
        """First frame touched by a time in seconds (from the first video frame)."""
        x = seconds * self.rate.numerator / self.rate.denominator
        return int(math.floor(x + 1e-6))

    def frame_ceil(self, seconds: float) -> int:
        """First frame after a time in seconds: the exclusive end of a run ending then."""
        x = seconds * self.rate.numerator / self.rate.denominator
        return int(math.ceil(x - 1e-6))


@dataclass
class Event:
    """One finding: a run of frames [start_frame, end_frame) with its timecodes."""

    kind: str
    start_frame: int
    end_frame: int
    start_tc: str
    end_tc: str
    stream: int | None = None
    channel: str | None = None  # the channel's name (L, R, Ls...)
    detail: dict[str, Any] = field(default_factory=dict)
    start_seconds: float = 0.0
    end_seconds: float = 0.0

    @property
    def frames(self) -> int:
        return self.end_frame - self.start_frame

    @property
    def duration_seconds(self) -> float:
        return self.end_seconds - self.start_seconds

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "start_frame": self.start_frame,
            "end_frame": self.end_frame,
            "start_tc": self.start_tc,
            "end_tc": self.end_tc,
            "stream": self.stream,
            "channel": self.channel,
            "start_seconds": round(self.start_seconds, 6),
            "end_seconds": round(self.end_seconds, 6),
            "detail": self.detail,
        }


def frame_event(
    tb: Timebase,
    kind: str,
    start: int,
    end: int,
    *,
    stream: int | None = None,
    channel: str | None = None,
    detail: dict[str, Any] | None = None,
) -> Event:
    """An event over frames [start, end) with TCs and seconds filled in."""
    return Event(
        kind=kind,
        start_frame=start,
        end_frame=end,
        start_tc=tb.tc(start),
        end_tc=tb.tc(end),
        stream=stream,
        channel=channel,
        detail=detail or {},
        start_seconds=tb.seconds(start),
        end_seconds=tb.seconds(end),
    )


def seconds_event(
    tb: Timebase,
    kind: str,
    start_seconds: float,
    end_seconds: float,
    *,
    stream: int | None = None,
    channel: str | None = None,
    detail: dict[str, Any] | None = None,
) -> Event:
    """An event given in seconds from the first video frame, widened to whole frames."""
    start = tb.frame_floor(start_seconds)
    end = max(start + 1, tb.frame_ceil(end_seconds))
    ev = frame_event(tb, kind, start, end, stream=stream, channel=channel, detail=detail)
    ev.start_seconds = start_seconds
    ev.end_seconds = end_seconds
    return ev


def runs(mask: Any) -> list[tuple[int, int]]:
    """[start, end) runs of True in a 1-D boolean array."""
    import numpy as np  # NumPy only here: `qc probe` reads a file's events without it

    m = np.asarray(mask, dtype=bool)
    if m.size == 0:
        return []
    padded = np.concatenate(([False], m, [False]))
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]
