"""Audio fault detectors and agreement with FFmpeg's ebur128 on programme-like material."""

from __future__ import annotations

import av
import numpy as np
import pytest

from postprod.qc.audio import AudioData, analyze_audio
from postprod.qc.loudness import measure_loudness

RATE = 48000


def programme(seconds: float, channels: int = 2, seed: int = 7, rate: int = RATE) -> np.ndarray:
    """Programme-like audio: pink-ish noise bed, tones, speech-like bursts and pauses (fixed seed)."""
    rng = np.random.default_rng(seed)
    n = int(seconds * rate)
    t = np.arange(n) / rate
    white = rng.standard_normal((n, channels))
    bed = np.cumsum(white, axis=0)
    bed -= np.convolve(bed[:, 0], np.ones(64) / 64, mode="same")[:, None]
    bed *= 0.02 / max(float(np.std(bed)), 1e-12)
    syllables = (np.sin(2 * np.pi * 4.0 * t) > 0.2) * (rng.random(n // rate + 1).repeat(rate)[:n] > 0.3)
    speech = white[:, :1] * 0.15 * syllables[:, None] * np.sin(2 * np.pi * 180 * t)[:, None]
    tones = 0.1 * np.sin(2 * np.pi * 440 * t)[:, None] * ((t % 10) > 7)[:, None]
    envelope = (0.3 + 0.7 * (np.sin(2 * np.pi * t / 23.0) ** 2))[:, None]
    return np.clip((bed + speech + tones) * envelope, -1.0, 1.0)


def ffmpeg_ebur128(x: np.ndarray, rate: int, layout: str) -> dict[str, float]:
    """FFmpeg's ebur128 filter (peak=true) through PyAV's filter graph; x is (frames, channels)."""
    graph = av.filter.Graph()
    src = graph.add_abuffer(sample_rate=rate, format="dblp", layout=layout, channels=x.shape[1])
    meter = graph.add("ebur128", "metadata=1:peak=true")
    sink = graph.add("abuffersink")
    src.link_to(meter)
    meter.link_to(sink)
    graph.configure()
    planar = np.ascontiguousarray(x.T)
    last: dict[str, str] = {}
    step = rate // 10
    for i in range(0, planar.shape[1], step):
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(planar[:, i : i + step]), format="dblp", layout=layout)
        frame.sample_rate = rate
        frame.pts = i
        graph.push(frame)
        while True:
            try:
                out = graph.pull()
            except (av.BlockingIOError, av.EOFError):
                break
            last = dict(out.metadata)
    return {k.split(".", 2)[-1]: float(v) for k, v in last.items()}


@pytest.mark.parametrize(
    ("channels", "layout", "names"), [(2, "stereo", ["L", "R"]), (6, "5.1", ["L", "R", "C", "LFE", "Ls", "Rs"])]
)
def test_agrees_with_ffmpeg_ebur128(channels: int, layout: str, names: list[str]) -> None:
    x = programme(40.0, channels)
    ours = measure_loudness(x, RATE, names)
    ref = ffmpeg_ebur128(x, RATE, layout)
    assert ours.integrated_lufs is not None
    assert abs(ours.integrated_lufs - ref["I"]) <= 0.1
    assert ours.loudness_range_lu is not None and abs(ours.loudness_range_lu - ref["LRA"]) <= 1.0
    assert ours.true_peak_dbtp is not None
    assert abs(ours.true_peak_dbtp - 20 * np.log10(ref["true_peak"])) <= 0.3


def test_silence_and_clipping_found_at_known_samples() -> None:
    x = programme(12.0, 2, seed=3)
    x[3 * RATE + 100 : 6 * RATE + 7] = 0.0  # 3 s of digital silence
    x[9 * RATE + 5 : 9 * RATE + 25, 1] = 1.0  # 20 clipped samples on R
    x[10 * RATE : 10 * RATE + 2, 0] = 1.0  # 2 samples: below the run length
    report = analyze_audio(AudioData(x, RATE, ["L", "R"], 1, 0.0))
    silence = [e for e in report.events if e.kind == "silence"]
    assert len(silence) == 1
    assert silence[0].start_seconds == pytest.approx((3 * RATE + 100) / RATE, abs=1 / RATE)
    assert silence[0].end_seconds == pytest.approx((6 * RATE + 7) / RATE, abs=1 / RATE)
    clips = [e for e in report.events if e.kind == "clipping"]
    assert [(c.channel, c.detail["start_sample"], c.detail["end_sample"]) for c in clips] == [
        ("R", 9 * RATE + 5, 9 * RATE + 25)
    ]
    assert all(e.stream == 1 for e in report.events)


def test_short_silence_ignored_and_threshold_applies() -> None:
    x = programme(8.0, 2, seed=4)
    x[2 * RATE : 3 * RATE] = 0.0  # 1 s, below the 2 s minimum
    assert not [e for e in analyze_audio(AudioData(x, RATE, ["L", "R"], 0, 0.0)).events if e.kind == "silence"]
    found = analyze_audio(AudioData(x, RATE, ["L", "R"], 0, 0.0), silence_min_seconds=0.5).events
    assert [e.kind for e in found].count("silence") == 1


def test_dc_phase_silent_and_identical_channels() -> None:
    rng = np.random.default_rng(5)
    n = 10 * RATE
    base = programme(10.0, 1, seed=6)[:, 0]
    x = np.stack([base, base.copy(), rng.standard_normal(n) * 0.05, np.zeros(n), base + 0.01, -base], axis=1)
    x[: 4 * RATE, 5] = rng.standard_normal(4 * RATE) * 0.05  # Rs opposite to Ls only from 4 s on
    report = analyze_audio(AudioData(x, RATE, ["L", "R", "C", "LFE", "Ls", "Rs"], 0, 0.0))
    kinds = {(e.kind, e.channel) for e in report.events}
    assert ("identical_channels", "R") in kinds
    assert ("silent_channel", "LFE") in kinds
    assert ("dc_offset", "Ls") in kinds and ("dc_offset", "L") not in kinds
    phase = [e for e in report.events if e.kind == "phase"]
    assert len(phase) == 1 and phase[0].channel == "Ls/Rs"
    assert phase[0].start_seconds == pytest.approx(4.0) and phase[0].end_seconds == pytest.approx(10.0)
    corr = {p["pair"]: p["correlation"] for p in report.phase_correlation}
    assert corr["L/R"] == pytest.approx(1.0) and corr["Ls/Rs"] < -0.5
    dc = {d["channel"]: d["mean"] for d in report.dc_offset}
    assert dc["Ls"] == pytest.approx(0.01, abs=2e-3)
    assert report.to_dict()["events"]
