"""Run probe, the video pass and the audio analysis on one file and put every finding on the video frame grid."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from postprod.errors import PostprodError
from postprod.qc.audio import AudioPass, AudioReport, analyze_audio
from postprod.qc.audio_programme import ProgrammeDecoder, check_tracks, choose_tracks
from postprod.qc.events import Event, Timebase, seconds_event
from postprod.qc.loudness import LoudnessResult
from postprod.qc.probe import ProbeResult, open_media, probe, timebase_for
from postprod.qc.video import DEMUX_ERRORS, VideoOptions, VideoPass, VideoReport, analyze_video
from postprod.qc.video_segments import MAX_WORKERS, SeekMissed, SegmentedVideo, plan_segments, workers_available

Progress = Callable[[float], None]


@dataclass
class AudioOptions:
    """Thresholds passed to the audio analysis."""

    silence_threshold_db: float = -60.0
    silence_min_seconds: float = 2.0
    clip_min_run: int = 3
    chunk_frames: int | None = None  # audio frames per decoded chunk (None: about 4 M samples)
    tracks: list[int] | None = None  # audio tracks (from 1) measured as one programme; None: the default choice


@dataclass
class Analysis:
    """Everything measured in a file, with all events on the programme's frame grid."""

    probe: ProbeResult
    timebase: Timebase
    video: VideoReport | None = None
    audio: AudioReport | None = None
    events: list[Event] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def loudness(self) -> LoudnessResult | None:
        return None if self.audio is None else self.audio.loudness

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


def audio_events_to_frames(report: AudioReport, info: ProbeResult, tb: Timebase) -> list[Event]:
    """Audio events (seconds from the audio stream's first sample) as runs of video frames."""
    video_start = info.video[0].start_seconds if info.video else 0.0
    offset = float(report.start_seconds) - video_start
    out = []
    for ev in report.events:
        out.append(
            seconds_event(
                tb,
                ev.kind,
                float(ev.start_seconds) + offset,
                float(ev.end_seconds) + offset,
                stream=ev.stream,
                channel=ev.channel,
                detail=ev.detail,
            )
        )
    return out


def run_audio(path: str | os.PathLike[str], opts: AudioOptions, progress: Progress | None) -> AudioReport:
    """The audio engine's analysis of the first audio stream."""
    return analyze_audio(
        str(path),
        silence_threshold_db=opts.silence_threshold_db,
        silence_min_seconds=opts.silence_min_seconds,
        clip_min_run=opts.clip_min_run,
        progress=progress,
        chunk_frames=opts.chunk_frames,
        tracks=opts.tracks,
    )


def _shared_pass(
    path: str | os.PathLike[str],
    info: ProbeResult,
    video_options: VideoOptions | None,
    opts: AudioOptions,
    progress: Progress | None,
) -> tuple[VideoReport, AudioReport | None, list[str]]:
    """Picture and sound from ONE demux of the file: each packet goes to its stream's decoder.

    Reading the file once halves the I/O and the container's index in memory, and the sound is
    measured while the picture decoder's frame threads work, instead of after them. Audio chunks are
    kept short (about 1 s) so the main thread never leaves the decoder's threads idle for long.
    The meter filters each chunk in its own worker threads (NumPy and the filter release the GIL).
    """
    warnings: list[str] = []
    container = open_media(path)
    try:
        vstream = container.streams.video[0]
        vpass = VideoPass(vstream, info, video_options, str(path), progress)
        astreams, note = choose_tracks(container, str(path), opts.tracks)
        rate = int(astreams[0].codec_context.sample_rate or 48000)
        dec = ProgrammeDecoder(
            str(path), astreams, opts.chunk_frames or max(1024, rate), container=container, note=note
        )
        apass = AudioPass(dec, silence_threshold_db=opts.silence_threshold_db,
                          silence_min_seconds=opts.silence_min_seconds, clip_min_run=opts.clip_min_run)  # fmt: skip
        vidx = vstream.index
        try:
            try:
                for packet in container.demux(vstream, *astreams):
                    # packet.stream: the flush packets a demux ends with carry stream_index 0, whatever their stream
                    sidx = packet.stream.index
                    if sidx == vidx:
                        if vpass.error is None:
                            vpass.decode(packet)  # a damaged packet is an unreadable event, not the end
                    else:
                        for chunk in dec.decode(packet):
                            apass.add(chunk)
            except DEMUX_ERRORS as exc:  # the container itself: every stream ends here
                vpass.stop(exc)
                dec.stop(exc)
            for chunk in dec.finish():
                apass.add(chunk)
        except BaseException:
            apass.close()
            raise
        video = vpass.report()
        audio: AudioReport | None
        try:
            audio = apass.report()
        except PostprodError as exc:
            audio = None
            warnings.append(f"audio: {exc}")
        return video, audio, warnings
    finally:
        container.close()


def _segmented(
    path: str | os.PathLike[str], info: ProbeResult, options: VideoOptions | None, workers: int | None
) -> SegmentedVideo | None:
    """The picture split over worker threads (video_segments), or None when one pass is the way."""
    n = min(workers_available(), MAX_WORKERS) if workers is None else workers
    if n < 2:
        return None
    plan = plan_segments(str(path), info, 4 * n)
    if plan is None:
        return None
    return SegmentedVideo(str(path), info, options, plan[0], plan[1], n)


def analyze(
    path: str | os.PathLike[str],
    *,
    video: bool = True,
    audio: bool = True,
    video_options: VideoOptions | None = None,
    audio_options: AudioOptions | None = None,
    info: ProbeResult | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
) -> Analysis:
    """Probe, then measure picture and sound (as asked and as the file allows); events sorted by frame.

    The picture is decoded in segments by `workers` threads (default: one per core) when the container
    seeks to exact keyframes (video_segments), the sound meanwhile in this thread; otherwise one demux
    loop feeds both decoders (_shared_pass). workers=1 forces the single pass.
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
    aopts = audio_options or AudioOptions()
    if do_audio and aopts.tracks:  # refused before any decoding, whichever path reads the sound
        check_tracks(str(path), aopts.tracks, len(info.audio))
    segmented = _segmented(path, info, video_options, workers) if do_video else None
    if segmented is not None:
        segmented.start()
        v_share = 0.7 if do_audio else 1.0
        try:
            if do_audio:

                def both(f: float) -> None:
                    if progress is not None:
                        progress(v_share * segmented.fraction() + (1 - v_share) * f)

                result.audio = _audio_or_warning(path, aopts, both, result.warnings)
        except BaseException:
            segmented.cancel()
            raise

        try:
            result.video = segmented.result(progress, (0.0, v_share) if not do_audio else (1 - v_share, v_share))
        except SeekMissed:  # the file does not seek exactly after all: one pass, as for any other file
            result.video = analyze_video(path, info=info, options=video_options)
    elif do_video and do_audio:
        try:
            result.video, result.audio, warnings = _shared_pass(path, info, video_options, aopts, progress)
        except ImportError:
            result.warnings.append("audio analysis is not available in this installation")
            result.video = analyze_video(path, info=info, options=video_options, progress=progress)
            warnings = []
        result.warnings.extend(warnings)
    elif do_video:
        result.video = analyze_video(path, info=info, options=video_options, progress=progress)
    elif do_audio:
        result.audio = run_audio(path, aopts, progress)
    if result.video is not None:
        if result.video.error:
            result.warnings.append(result.video.error)
        result.events.extend(result.video.events)
    if result.audio is not None:
        result.warnings.extend(f"audio: {w}" for w in result.audio.warnings)
        result.events.extend(audio_events_to_frames(result.audio, info, tb))
    if progress:
        progress(1.0)
    result.events.sort(key=lambda e: (e.start_frame, e.kind, e.channel if e.channel is not None else -1))
    return result


def _audio_or_warning(
    path: str | os.PathLike[str], opts: AudioOptions, progress: Progress, warnings: list[str]
) -> AudioReport | None:
    """The sound's analysis beside the picture: a sound that cannot be read is a warning, not a failure."""
    try:
        return run_audio(path, opts, progress)
    except ImportError:
        warnings.append("audio analysis is not available in this installation")
    except PostprodError as exc:
        warnings.append(f"audio: {exc}")
    return None
