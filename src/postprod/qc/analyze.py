"""Run probe, the video pass and the audio analysis on one file and put every finding on the video frame grid."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from postprod.errors import PostprodError
from postprod.qc.events import Event, Timebase, seconds_event
from postprod.qc.probe import ProbeResult, probe, timebase_for
from postprod.qc.video import VideoOptions, VideoReport, analyze_video

Progress = Callable[[float], None]


@dataclass
class AudioOptions:
    """Thresholds passed to the audio analysis."""

    silence_threshold_db: float = -60.0
    silence_min_seconds: float = 2.0
    clip_min_run: int = 3
    chunk_frames: int | None = None  # audio frames per decoded chunk (None: about 4 M samples)


@dataclass
class Analysis:
    """Everything measured in a file, with all events on the programme's frame grid."""

    probe: ProbeResult
    timebase: Timebase
    video: VideoReport | None = None
    audio: Any = None  # postprod.qc.audio.AudioReport
    events: list[Event] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def loudness(self) -> Any:
        return getattr(self.audio, "loudness", None)

    def to_dict(self) -> dict[str, Any]:
        audio: dict[str, Any] | None = None
        if self.audio is not None:
            audio = {k: v for k, v in self.audio.to_dict().items() if k != "events"}
        return {
            "probe": self.probe.to_dict(),
            "video": None if self.video is None else {k: v for k, v in self.video.to_dict().items() if k != "events"},
            "audio": audio,
            "warnings": list(self.warnings),
            "events": [e.to_dict() for e in self.events],
        }


def audio_events_to_frames(report: Any, info: ProbeResult, tb: Timebase) -> list[Event]:
    """Audio events (seconds from the audio stream's first sample) as runs of video frames."""
    audio_start = getattr(report, "start_seconds", None)
    if audio_start is None:
        stream = getattr(report, "stream_index", None)
        audio_start = next((x.start_seconds for x in info.audio if x.index == stream), 0.0)
    video_start = info.video[0].start_seconds if info.video else 0.0
    offset = float(audio_start) - video_start
    out = []
    for ev in getattr(report, "events", []) or []:
        detail = ev.detail if isinstance(ev.detail, dict) else ({"detail": ev.detail} if ev.detail else {})
        out.append(
            seconds_event(
                tb,
                ev.kind,
                float(ev.start_seconds) + offset,
                float(ev.end_seconds) + offset,
                stream=ev.stream,
                channel=ev.channel,
                detail=detail,
            )
        )
    return out


def run_audio(path: str | os.PathLike[str], opts: AudioOptions, progress: Progress | None) -> Any:
    """The audio engine's analysis of the first audio stream."""
    from postprod.qc.audio import analyze_audio

    return analyze_audio(
        str(path),
        silence_threshold_db=opts.silence_threshold_db,
        silence_min_seconds=opts.silence_min_seconds,
        clip_min_run=opts.clip_min_run,
        progress=progress,
        chunk_frames=opts.chunk_frames,
    )


def analyze(
    path: str | os.PathLike[str],
    *,
    video: bool = True,
    audio: bool = True,
    video_options: VideoOptions | None = None,
    audio_options: AudioOptions | None = None,
    info: ProbeResult | None = None,
    progress: Progress | None = None,
) -> Analysis:
    """Probe, then one video pass and one audio pass (as asked and as the file allows); events sorted by frame.

    The passes run one after the other: run side by side in two threads they fight over the GIL
    (both loops are Python between NumPy calls) and measured slower on two cores.
    """
    info = info or probe(path)
    tb = timebase_for(info)
    result = Analysis(probe=info, timebase=tb)
    do_video = video and bool(info.video)
    do_audio = audio and bool(info.audio)
    if not info.video:
        result.warnings.append("no video stream: frames are counted at 25 fps from the start of the file")
    if audio and not info.audio:
        result.warnings.append("no audio stream")
    v_share = 0.6 if do_video and do_audio else 1.0

    def part(offset: float, share: float) -> Progress | None:
        if progress is None:
            return None
        return lambda f: progress(offset + share * max(0.0, min(1.0, f)))

    if do_video:
        result.video = analyze_video(path, info=info, options=video_options, progress=part(0.0, v_share))
        if result.video.error:
            result.warnings.append(result.video.error)
        result.events.extend(result.video.events)
    if do_audio:
        try:
            result.audio = run_audio(
                path,
                audio_options or AudioOptions(),
                part(v_share if do_video else 0.0, 1 - v_share if do_video else 1.0),
            )
        except ImportError:
            result.warnings.append("audio analysis is not available in this installation")
        except PostprodError as exc:
            if not do_video:
                raise
            result.warnings.append(f"audio: {exc}")
        if result.audio is not None:
            result.warnings.extend(f"audio: {w}" for w in getattr(result.audio, "warnings", []) or [])
            result.events.extend(audio_events_to_frames(result.audio, info, tb))
    if progress:
        progress(1.0)
    result.events.sort(key=lambda e: (e.start_frame, e.kind, e.channel if e.channel is not None else -1))
    return result
