"""Long files are streamed in chunks: memory held (tracemalloc peak) stays far below the decoded size."""

from __future__ import annotations

import tracemalloc
import wave
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from qc_media_synth import make_clip

from postprod.cli.qc_audio import measure_file
from postprod.qc.analyze import AudioOptions, analyze
from postprod.qc.audio import analyze_audio
from postprod.qc.loudness import measure_loudness

SECONDS = 60
CHUNK = 8192


@pytest.fixture(scope="module")
def long_wav(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, np.ndarray]:
    """60 s of stereo 16-bit noise bursts: one 3 s block written 20 times (quick to make)."""
    rng = np.random.default_rng(5)
    n = 3 * 48000
    block = rng.standard_normal((n, 2)) * 0.1 * (np.arange(n) % 48000 < 36000)[:, None]
    pcm = np.round(block * 32767).astype("<i2")
    path = tmp_path_factory.mktemp("long") / "long.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(48000)
        for _ in range(SECONDS // 3):
            out.writeframes(pcm.tobytes())
    return path, pcm


def _peak(fn):  # noqa: ANN001, ANN202
    """Result and peak traced memory of fn() (imports done beforehand, so only the work counts)."""
    tracemalloc.start()
    try:
        value = fn()
        return value, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_loudness_and_audio_analysis_stream_in_chunks(long_wav) -> None:  # noqa: ANN001
    path, pcm = long_wav
    measure_file(path, None, False, chunk_frames=48000 * 4)  # warm-up: first-use imports are not the work
    decoded = SECONDS * 48000 * 2 * 4  # the whole stream as float32: 23 MB
    # What stays is bounded by the chunk and by one demuxed packet (1 MiB of PCM), whatever the duration.
    (result, dec), peak = _peak(lambda: measure_file(path, None, False, chunk_frames=CHUNK))
    assert dec.frames_read == SECONDS * 48000 and not dec.truncated
    assert peak < decoded / 6, peak
    report, peak = _peak(lambda: analyze_audio(path, chunk_frames=CHUNK))
    assert peak < decoded / 6, peak
    # Streaming changes nothing: the same readings as one 3 s block repeated, measured in memory.
    whole = measure_loudness(np.tile(pcm / 32768.0, (SECONDS // 3, 1)), 48000, ["L", "R"])
    assert result.integrated_lufs == pytest.approx(whole.integrated_lufs, abs=1e-3)
    assert result.true_peak_dbtp == pytest.approx(whole.true_peak_dbtp, abs=1e-3)
    assert result.loudness_range_lu == pytest.approx(whole.loudness_range_lu, abs=1e-3)
    assert report.loudness.integrated_lufs == pytest.approx(whole.integrated_lufs, abs=1e-3)
    assert len(report.loudness.short_term_series) == SECONDS * 10


def test_movie_analysis_streams_picture_and_sound(tmp_path) -> None:  # noqa: ANN001
    frames = 40 * 25
    path = make_clip(tmp_path / "long.mov", fmt="mov", codec="mpeg4", rate=Fraction(25), timecode=None,
                     frames=frames, silence=(500, 600))  # fmt: skip
    short = make_clip(tmp_path / "short.mov", fmt="mov", codec="mpeg4", rate=Fraction(25), timecode=None, frames=10)
    analyze(short, audio_options=AudioOptions(chunk_frames=CHUNK))  # warm-up: first-use imports
    decoded_audio = 40 * 48000 * 4  # float32, channels counted below
    result, peak = _peak(lambda: analyze(path, audio_options=AudioOptions(chunk_frames=CHUNK)))
    assert result.video is not None and result.video.frames == frames
    assert result.audio is not None
    assert peak < decoded_audio * len(result.audio.layout) / 6, peak
    assert any(e.kind == "silence" for e in result.events)


def test_long_curves_are_decimated_keeping_the_loudest() -> None:
    from postprod.qc.loudness import _MaxSeries

    series = _MaxSeries(cap=100)
    rng = np.random.default_rng(0)
    values = rng.random(10_000)
    values[7_777] = 5.0
    for start in range(0, 10_000, 333):
        t = np.arange(start, min(start + 333, 10_000))
        series.add(t, values[t])
    t, v = series.points()
    assert len(t) <= 200 and np.all(np.diff(t) > 0)
    assert v.max() == 5.0 and t[v.argmax()] == 7_777
