"""What the subtitle check needs from the programme's master: frame rate, start timecode, length, shot changes."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from fractions import Fraction

from postprod.errors import FileFormatError
from postprod.qc.probe import probe
from postprod.qc.shots import find_cuts


def shot_changes(path: str | os.PathLike[str]) -> list[int]:
    """The frames (from the master's first) where a new shot begins: the conform check's detection, one decode."""
    from postprod.qc.analyze import analyze  # the media decoders only when a master is given
    from postprod.qc.video import VideoOptions

    analysis = analyze(path, audio=False, video_options=VideoOptions(shots=True))
    if analysis.video is None or analysis.video.shots is None:
        raise FileFormatError(str(path), "no video stream: the master must have a picture")
    return find_cuts(analysis.video.shots)


@dataclass
class MasterInfo:
    """The master's frame grid and what one decode of it found."""

    path: str
    rate: Fraction
    start_tc: str | None
    start_frame: int
    frames: int
    shot_changes: list[int] = field(default_factory=list)


def master_info(path: str | os.PathLike[str]) -> MasterInfo:
    """Probe the master (rate, start timecode, length) and find its shot changes."""
    info = probe(path)
    if not info.video or info.frame_rate is None:
        raise FileFormatError(str(path), "no video stream: the master must have a picture")
    rate = info.frame_rate
    frames = int(info.video[0].frames or 0) or round(float(info.duration_seconds or 0) * rate)
    return MasterInfo(
        path=str(path),
        rate=rate,
        start_tc=info.start_timecode,
        start_frame=info.start_frame_number() if info.start_timecode else 0,
        frames=frames,
        shot_changes=shot_changes(path),
    )
