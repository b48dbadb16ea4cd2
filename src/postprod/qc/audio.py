"""Audio of delivered media: loudness and fault detection in one streaming pass over the decoded sound.

The decoding (any codec and sample format FFmpeg reads, in chunks so memory stays flat with
duration) is audio_decode's; several tracks measured as one programme, audio_programme's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict

import numpy as np

from postprod.errors import N_, FileFormatError, InvalidInput
from postprod.qc.audio_decode import AudioDecoder, AudioSource, Progress, audio_stream_indices
from postprod.qc.audio_detect import AudioDetectors, AudioEvent, channel_pairs
from postprod.qc.audio_programme import ProgrammeDecoder, open_programme
from postprod.qc.loudness import LoudnessMeter, LoudnessResult, Samples, default_layout

__all__ = [
    "AudioData",
    "AudioDecoder",
    "AudioPass",
    "AudioEvent",
    "AudioReport",
    "analyze_audio",
    "audio_stream_indices",
    "channel_pairs",
    "read_audio",
]

CHUNK_FRAMES = 1 << 17  # frames per chunk when the caller sets no size (analysis of arrays)


@dataclass
class AudioData:
    """Decoded audio of one stream: samples (frames, channels) float32 in [-1, 1] at the native rate."""

    samples: Samples
    sample_rate: int
    layout: list[str]
    stream_index: int
    start_seconds: float
    path: str = ""
    truncated: bool = False
    stopped_at_seconds: float | None = None


class DcOffset(TypedDict):
    """A channel's mean over the whole stream, and that in dBFS (None for none at all)."""

    channel: str
    mean: float
    dbfs: float | None


class PhaseCorrelation(TypedDict):
    """A left/right pair's correlation over the whole stream (None when either side is silent)."""

    pair: str
    correlation: float | None


class ChannelPeak(TypedDict):
    channel: str
    sample_peak_dbfs: float | None


@dataclass
class AudioReport:
    """Loudness, events and per-channel statistics of one audio stream.

    Event times are seconds from the stream's first sample; start_seconds is that sample's
    presentation time in the file, to line events up with picture.
    """

    path: str
    stream_index: int
    sample_rate: int
    layout: list[str]
    duration_seconds: float
    start_seconds: float
    loudness: LoudnessResult
    events: list[AudioEvent]
    dc_offset: list[DcOffset]
    phase_correlation: list[PhaseCorrelation]
    channel_peaks_dbfs: list[ChannelPeak] = field(default_factory=list)
    codec: str = ""
    truncated: bool = False
    stopped_at_seconds: float | None = None
    warnings: list[str] = field(default_factory=list)
    streams: list[int] = field(default_factory=list)  # the streams measured as one programme (tracks)

    def to_dict(self, include_series: bool = False) -> dict[str, Any]:
        return {
            "path": self.path,
            "stream": self.stream_index,
            "streams": self.streams or [self.stream_index],
            "codec": self.codec,
            "sample_rate": self.sample_rate,
            "layout": self.layout,
            "duration_seconds": round(self.duration_seconds, 6),
            "start_seconds": self.start_seconds,
            "loudness": self.loudness.to_dict(include_series=include_series),
            "dc_offset": self.dc_offset,
            "phase_correlation": self.phase_correlation,
            "events": [e.to_dict() for e in self.events],
            "truncated": self.truncated,
            "stopped_at_seconds": self.stopped_at_seconds,
            "warnings": self.warnings,
        }


def read_audio(path: str | Path, stream_index: int | None = None) -> AudioData:
    """Decode a whole audio stream into memory (frames, channels); use analyze_audio for long files."""
    with AudioDecoder(path, stream_index) as dec:
        parts = list(dec.chunks())
        if not parts:
            raise FileFormatError(
                dec.path,
                N_("no audio could be decoded from stream %(stream_index)s"),
                params={"stream_index": dec.stream_index},
            )
        samples = (parts[0] if len(parts) == 1 else np.concatenate(parts, axis=1)).T
        return AudioData(
            samples=samples,
            sample_rate=dec.sample_rate,
            layout=dec.layout,
            stream_index=dec.stream_index,
            start_seconds=dec.start_seconds,
            path=dec.path,
            truncated=dec.truncated,
            stopped_at_seconds=dec.stopped_at_seconds,
        )


def analyze_audio(
    source: str | Path | AudioData,
    *,
    stream_index: int | None = None,
    silence_threshold_db: float = -60.0,
    silence_min_seconds: float = 2.0,
    clip_min_run: int = 3,
    dc_threshold_db: float = -50.0,
    phase_threshold: float = -0.5,
    progress: Progress | None = None,
    chunk_frames: int | None = None,
    tracks: list[int] | None = None,
) -> AudioReport:
    """Measure loudness and find faults in one streaming pass (chunk_frames per chunk).

    The sound is one stream (stream_index), the tracks given (numbered from 1) measured as one
    programme, or by default the first stream (the first two, as L and R, when every track is mono).
    """
    if silence_min_seconds <= 0 or not math.isfinite(silence_min_seconds):
        raise InvalidInput("silence minimum duration must be a positive number of seconds", field="silence_min_seconds")
    if isinstance(source, AudioData):
        return _analyze_data(source, silence_threshold_db, silence_min_seconds, clip_min_run, dc_threshold_db,
                             phase_threshold, progress)  # fmt: skip
    with open_programme(source, tracks, stream_index, chunk_frames) as dec:
        apass = AudioPass(dec, silence_threshold_db=silence_threshold_db, silence_min_seconds=silence_min_seconds,
                          clip_min_run=clip_min_run, dc_threshold_db=dc_threshold_db,
                          phase_threshold=phase_threshold)  # fmt: skip
        try:
            for chunk in dec.chunks(progress):
                apass.add(chunk)
        except BaseException:
            apass.close()
            raise
        return apass.report()


class AudioPass:
    """Loudness meter and fault detectors of one decoded stream, fed chunk by chunk."""

    def __init__(
        self,
        dec: AudioSource,
        *,
        silence_threshold_db: float = -60.0,
        silence_min_seconds: float = 2.0,
        clip_min_run: int = 3,
        dc_threshold_db: float = -50.0,
        phase_threshold: float = -0.5,
    ) -> None:
        if silence_min_seconds <= 0 or not math.isfinite(silence_min_seconds):
            raise InvalidInput(
                "silence minimum duration must be a positive number of seconds", field="silence_min_seconds"
            )
        self.dec = dec
        self.meter = LoudnessMeter(dec.sample_rate, dec.layout)
        self.det = AudioDetectors(dec.sample_rate, dec.layout, dec.stream_index,
                                  silence_threshold_db=silence_threshold_db, silence_min_seconds=silence_min_seconds,
                                  clip_min_run=clip_min_run, dc_threshold_db=dc_threshold_db,
                                  phase_threshold=phase_threshold)  # fmt: skip

    def add(self, chunk: Samples) -> None:
        """Measure one chunk (channels, frames); the meter filters it in its worker threads."""
        self.meter.add_planar(chunk)
        self.det.add(chunk)

    def close(self) -> None:
        """Stop the meter's worker threads (after an error)."""
        self.meter.close()

    def report(self) -> AudioReport:
        """The report once every chunk is in; raises when no audio could be decoded."""
        dec = self.dec
        if dec.frames_read == 0:
            self.meter.close()
            raise FileFormatError(
                dec.path,
                N_("no audio could be decoded from stream %(stream_index)s"),
                params={"stream_index": dec.stream_index},
            )
        report = _report(dec.path, dec.stream_index, dec.sample_rate, dec.layout, dec.start_seconds, self.meter,
                         self.det, dec.codec, dec.truncated, dec.stopped_at_seconds, dec.warnings)  # fmt: skip
        owners = dec.channel_streams if isinstance(dec, ProgrammeDecoder) else None
        if owners:  # a programme of several tracks: each channel's events name the stream that carries it
            report.streams = list(dict.fromkeys(s for s, _ in owners))
            where = {name: owners[i][0] for i, name in enumerate(dec.layout)}
            for ev in report.events:
                if ev.channel in where:
                    ev.stream = where[ev.channel]
        return report


def _analyze_data(
    data: AudioData,
    silence_threshold_db: float,
    silence_min_seconds: float,
    clip_min_run: int,
    dc_threshold_db: float,
    phase_threshold: float,
    progress: Progress | None,
) -> AudioReport:
    samples = np.asarray(data.samples, dtype=np.float64)
    if samples.ndim == 1:
        samples = samples[:, None]
    if samples.shape[0] == 0:
        raise FileFormatError(data.path or "<audio>", "no audio samples")
    layout = list(data.layout) if data.layout else default_layout(samples.shape[1])
    meter = LoudnessMeter(data.sample_rate, layout, channels=samples.shape[1])
    det = AudioDetectors(data.sample_rate, layout, data.stream_index,
                         silence_threshold_db=silence_threshold_db, silence_min_seconds=silence_min_seconds,
                         clip_min_run=clip_min_run, dc_threshold_db=dc_threshold_db,
                         phase_threshold=phase_threshold)  # fmt: skip
    total = samples.shape[0]
    for start in range(0, total, CHUNK_FRAMES):
        chunk = np.ascontiguousarray(samples[start : start + CHUNK_FRAMES].T)
        meter.add_planar(chunk)
        det.add(chunk)
        if progress is not None:
            progress(min(1.0, (start + CHUNK_FRAMES) / total))
    return _report(data.path, data.stream_index, data.sample_rate, layout, data.start_seconds, meter, det, "",
                   data.truncated, data.stopped_at_seconds, [])  # fmt: skip


def _report(
    path: str,
    stream_index: int,
    rate: int,
    layout: list[str],
    start: float,
    meter: LoudnessMeter,
    det: AudioDetectors,
    codec: str,
    truncated: bool,
    stopped: float | None,
    warnings: list[str],
) -> AudioReport:
    loud = meter.result()
    det.finish()
    dc = [
        DcOffset(channel=name, mean=round(m, 8), dbfs=round(20 * math.log10(abs(m)), 2) if m else None)
        for name, m in zip(layout, det.dc_offsets(), strict=True)
    ]
    phase = [PhaseCorrelation(pair=pair, correlation=r) for pair, r in det.correlations()]
    peaks = [ChannelPeak(channel=c.name, sample_peak_dbfs=c.sample_peak_dbfs) for c in loud.channels]
    return AudioReport(
        path=path,
        stream_index=stream_index,
        sample_rate=rate,
        layout=layout,
        duration_seconds=det.total / rate,
        start_seconds=start,
        loudness=loud,
        events=det.events,
        dc_offset=dc,
        phase_correlation=phase,
        channel_peaks_dbfs=peaks,
        codec=codec,
        truncated=truncated,
        stopped_at_seconds=stopped,
        warnings=warnings,
    )
