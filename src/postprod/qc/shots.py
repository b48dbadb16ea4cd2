"""Shot changes of a master, for the subtitle check's "clear of shot changes" clause.

A minimal detection until the conform check's arrives: the master is decoded once through the video
QC's decode path (postprod.qc.video.VideoPass, its demux loop and sampled luma), and a shot change is a
frame whose picture differs from the one before it by far more than its neighbours differ from theirs.
The subtitle check only depends on `shot_changes(path) -> list[int]`; postprod.qc.subtitle_video
imports it from here alone.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from postprod.qc.probe import ProbeResult, open_media, probe
from postprod.qc.video import DEMUX_ERRORS, VideoOptions, VideoPass

Progress = Callable[[float], None]
MIN_CHANGE = 12.0  # mean absolute luma difference (8-bit levels) below which no frame is a shot change
PEAK_RATIO = 2.5  # ... and it must exceed its neighbours' differences this many times


class _ShotPass(VideoPass):
    """The video pass, also keeping each frame's mean luma difference to the frame before."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.diffs: list[tuple[int, float]] = []
        self.prev: np.ndarray | None = None

    def feed(self, frame: Any) -> None:
        index = self.frames
        super().feed(frame)
        if self.planes is None or self.error is not None:
            return
        y, _ = self.planes.get(frame, False)
        y = y.astype(np.int16)
        if self.prev is not None and self.prev.shape == y.shape:
            scale = 1 << max(0, self.bits - 8)
            self.diffs.append((index, float(np.abs(y - self.prev).mean()) / scale))
        self.prev = y


def detect(diffs: list[tuple[int, float]]) -> list[int]:
    """Frames where a shot begins: a difference large in itself and against its neighbours'."""
    cuts = []
    for i, (frame, d) in enumerate(diffs):
        before = diffs[i - 1][1] if i > 0 else 0.0
        after = diffs[i + 1][1] if i + 1 < len(diffs) else 0.0
        if d >= MIN_CHANGE and d > PEAK_RATIO * max(before, after, 1.0):
            cuts.append(frame)
    return cuts


@dataclass
class Decoded:
    frames: int
    shot_changes: list[int]


def decode_shots(
    path: str | os.PathLike[str], info: ProbeResult | None = None, progress: Progress | None = None
) -> Decoded:
    """One decode of the first video stream: its frame count and its shot changes."""
    info = info or probe(path)
    opts = VideoOptions(check_range=False, check_bars=False)
    container = open_media(path)
    try:
        stream = container.streams.video[0]
        vpass = _ShotPass(stream, info, opts, str(path), progress)
        try:
            for packet in container.demux(stream):
                vpass.decode(packet)
                if vpass.error is not None:
                    break
        except DEMUX_ERRORS as exc:
            vpass.stop(exc)
        report = vpass.report()
    finally:
        container.close()
    return Decoded(frames=report.frames, shot_changes=detect(vpass.diffs))


def shot_changes(path: str | os.PathLike[str]) -> list[int]:
    """The frames (from the master's first) where a new shot begins."""
    return decode_shots(path).shot_changes
