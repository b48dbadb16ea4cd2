"""BS.1770-4 meter against the EBU conformance files and the synthesized Tech 3341/3342 cases."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from postprod.errors import InvalidInput
from postprod.qc.audio import read_audio
from postprod.qc.loudness import channel_weight, k_weighting_sos, measure_loudness

DATA = Path(os.environ.get("POSTPROD_SHARED_DATA", Path(__file__).resolve().parents[2] / ".." / "shared" / "data"))
EBU = DATA / "ebu"

# file stem -> expected readings (EBU Tech 3341 V4 Table 1), None where the case does not define one.
EXPECTED: dict[str, dict[str, float]] = {
    "seq-3341-1-16bit": {"I": -23.0, "M": -23.0, "S": -23.0},
    "seq-3341-2-16bit": {"I": -33.0, "M": -33.0, "S": -33.0},
    "seq-3341-10-1-24bit": {"S": -23.0},
    "seq-3341-10-10-24bit": {"S": -23.0},
    "seq-3341-10-20-24bit": {"S": -23.0},
    "seq-3341-12-24bit": {"M": -23.0},
    "seq-3341-13-1-24bit": {"M": -23.0},
    "seq-3341-13-10-24bit": {"M": -23.0},
    "seq-3341-13-20-24bit": {"M": -23.0},
    "seq-3341-15-24bit": {"TP": -6.0},
    "seq-3341-16-24bit": {"TP": -6.0},
    "seq-3341-17-24bit": {"TP": -6.0},
    "seq-3341-18-24bit": {"TP": -6.0},
    "seq-3341-19-24bit": {"TP": 3.0},
    "seq-3341-20-24bit": {"TP": 0.0},
    "seq-3341-21-24bit": {"TP": 0.0},
    "seq-3341-22-24bit": {"TP": 0.0},
    "seq-3341-23-24bit": {"TP": 0.0},
}


def _check(result, expected: dict[str, float]) -> None:
    readings = {
        "I": result.integrated_lufs,
        "M": result.momentary_max_lufs,
        "S": result.short_term_max_lufs,
        "TP": result.true_peak_dbtp,
        "LRA": result.loudness_range_lu,
    }
    for key, want in expected.items():
        got = readings[key]
        assert got is not None, key
        if key == "TP":
            assert want - 0.4 <= got <= want + 0.2, (key, got, want)
        elif key == "LRA":
            assert abs(got - want) <= 1.0, (key, got, want)
        else:
            assert abs(got - want) <= 0.1, (key, got, want)


@pytest.mark.parametrize("stem", sorted(EXPECTED))
def test_ebu_conformance_file(stem: str) -> None:
    path = EBU / f"{stem}.wav"
    if not path.exists():
        pytest.skip(f"EBU test set not found at {EBU} (set POSTPROD_SHARED_DATA)")
    audio = read_audio(path)
    assert audio.sample_rate == 48000
    _check(measure_loudness(audio.samples, audio.sample_rate, audio.layout), EXPECTED[stem])


def _tone(rate: int, segments: list[tuple[float, float]], channels: int = 2, freq: float = 1000.0) -> np.ndarray:
    """Concatenated 1 kHz sine segments (dBFS, seconds), the same on every channel; phase continuous."""
    parts = []
    for dbfs, seconds in segments:
        parts.append(np.full(round(seconds * rate), 10.0 ** (dbfs / 20.0)))
    amp = np.concatenate(parts)
    sine = np.sin(2 * np.pi * freq * np.arange(amp.shape[0]) / rate) * amp
    return np.repeat(sine[:, None], channels, axis=1)


# Tech 3341 (V4) cases 3-5, 9 and Tech 3342 cases 1-4: (segments, expected readings).
CASES: dict[str, tuple[list[tuple[float, float]], dict[str, float]]] = {
    "3341-3": ([(-36, 10), (-23, 60), (-36, 10)], {"I": -23.0}),
    "3341-4": ([(-72, 10), (-36, 10), (-23, 60), (-36, 10), (-72, 10)], {"I": -23.0}),
    "3341-5": ([(-26, 20), (-20, 20.1), (-26, 20)], {"I": -23.0}),
    "3342-1": ([(-20, 20), (-30, 20)], {"LRA": 10.0}),
    "3342-2": ([(-20, 20), (-15, 20)], {"LRA": 5.0}),
    "3342-3": ([(-40, 20), (-20, 20)], {"LRA": 20.0}),
    "3342-4": ([(-50, 20), (-35, 20), (-20, 20), (-35, 20), (-50, 20)], {"LRA": 15.0}),
}


@pytest.mark.parametrize("rate", [48000, 44100, 96000])
@pytest.mark.parametrize("case", sorted(CASES))
def test_synthesized_tech_3341_3342_cases(case: str, rate: int) -> None:
    segments, expected = CASES[case]
    _check(measure_loudness(_tone(rate, segments), rate, ["L", "R"], true_peak=False), expected)


@pytest.mark.parametrize("rate", [48000, 44100, 96000])
def test_tech_3341_case_6_five_channels(rate: int) -> None:
    levels = {"L": -28.0, "R": -28.0, "C": -24.0, "Ls": -30.0, "Rs": -30.0}
    n = 20 * rate
    sine = np.sin(2 * np.pi * 1000.0 * np.arange(n) / rate)
    x = np.stack([sine * 10.0 ** (db / 20.0) for db in levels.values()], axis=1)
    _check(measure_loudness(x, rate, list(levels), true_peak=False), {"I": -23.0})
    # The surround weight matters: read as plain front channels the level is 0.35 LU lower.
    wrong = measure_loudness(x, rate, ["L", "R", "C", "X1", "X2"], true_peak=False).integrated_lufs
    assert wrong is not None and wrong < -23.3


@pytest.mark.parametrize("rate", [48000, 44100, 96000])
def test_tech_3341_case_9_short_term_constant(rate: int) -> None:
    x = _tone(rate, [(-20, 1.34), (-30, 1.66)] * 20)
    result = measure_loudness(x, rate, ["L", "R"], true_peak=False)
    after = [v for t, v in result.short_term_series if t >= 3.0]
    assert len(after) > 500
    assert all(v is not None and abs(v + 23.0) <= 0.1 for v in after)
    _check(result, {"S": -23.0})


def test_k_weighting_matches_the_48k_table() -> None:
    sos = k_weighting_sos(48000)
    table = [1.53512485958697, -2.69169618940638, 1.19839281085285, -1.69065929318241, 0.73248077421585]
    got = [sos[0, 0], sos[0, 1], sos[0, 2], sos[0, 4], sos[0, 5]]
    assert np.allclose(got, table, atol=1e-8)
    assert np.allclose(sos[1, 4:], [-1.99004745483398, 0.99007225036621], atol=1e-8)


def test_channel_weights_and_lfe() -> None:
    assert channel_weight("LFE") == 0.0 and channel_weight("Ls") == 1.41 and channel_weight("Rrs") == 1.41
    assert channel_weight("C") == 1.0 and channel_weight("SL") == 1.41
    rng = np.random.default_rng(1)
    x = rng.standard_normal((48000 * 4, 6)) * 0.05
    base = measure_loudness(x, 48000, ["L", "R", "C", "LFE", "Ls", "Rs"]).integrated_lufs
    x[:, 3] *= 8.0  # a louder LFE changes nothing
    assert measure_loudness(x, 48000, ["L", "R", "C", "LFE", "Ls", "Rs"]).integrated_lufs == base


def test_mono_counted_once() -> None:
    x = _tone(48000, [(-23, 10)], channels=1)
    assert abs(measure_loudness(x, 48000, ["C"]).integrated_lufs + 26.0) < 0.1  # type: ignore[operator]


def test_silence_gives_null_not_nan() -> None:
    result = measure_loudness(np.zeros((48000 * 5, 2)), 48000)
    data = result.to_dict()
    assert data["integrated_lufs"] is None and data["loudness_range_lu"] is None
    assert data["true_peak_dbtp"] is None and data["channels"][0]["sample_peak_dbfs"] is None
    assert set(data) == {
        "integrated_lufs", "loudness_range_lu", "true_peak_dbtp", "sample_peak_dbfs",
        "momentary_max_lufs", "short_term_max_lufs", "channels",
    }  # fmt: skip


def test_chunking_does_not_change_readings() -> None:
    from postprod.qc.loudness import LoudnessMeter

    rng = np.random.default_rng(2)
    x = rng.standard_normal((48000 * 7 + 123, 2)) * np.linspace(0.01, 0.3, 48000 * 7 + 123)[:, None]
    whole = measure_loudness(x, 48000).to_dict()
    meter = LoudnessMeter(48000, ["L", "R"])
    for start in range(0, x.shape[0], 7777):
        meter.add(x[start : start + 7777])
    pieces = meter.result().to_dict()
    for key in ("integrated_lufs", "loudness_range_lu", "momentary_max_lufs", "short_term_max_lufs", "true_peak_dbtp"):
        assert pieces[key] == pytest.approx(whole[key], abs=1e-6), key


def test_bad_input_is_rejected() -> None:
    with pytest.raises(InvalidInput):
        measure_loudness(np.zeros((100, 2)), 0)
    with pytest.raises(InvalidInput):
        measure_loudness(np.full((48000, 2), np.nan), 48000)
    with pytest.raises(InvalidInput):
        measure_loudness(np.zeros((48000, 2)), 48000, ["L", "R", "C"])


def test_k_filter_loaded_without_scipy_signal_matches_it_and_leaves_it_importable() -> None:
    import subprocess
    import sys

    code = (
        "import sys, numpy as np\n"
        "from postprod.qc import loudness as L\n"
        "x = np.random.default_rng(0).standard_normal((2, 5000)); zi = np.zeros((2, 2, 2)); y = x.copy()\n"
        "L._sosfilt(L.k_weighting_sos(44100), y, zi)\n"
        "assert 'scipy.signal' not in sys.modules\n"
        "from scipy.signal import sosfilt\n"
        "want = sosfilt(L.k_weighting_sos(44100), x, axis=1)\n"
        "print(float(np.abs(y - want).max()))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert float(out.stdout) < 1e-12


@pytest.mark.parametrize("rate", [48000, 44100, 32000])
def test_pruned_true_peak_equals_brute_force_oversampling(rate: int) -> None:
    from postprod.qc.loudness import _TruePeak, true_peak_factor, true_peak_phases

    rng = np.random.default_rng(rate)
    n = rate * 3
    # Bursts of near-Nyquist tones and noise at varied levels: many rows near the running peak.
    t = np.arange(n) / rate
    x = 0.5 * np.sin(2 * np.pi * (rate * 0.45) * t + 0.3) * (np.sin(2 * np.pi * 0.7 * t) > 0)
    x += rng.standard_normal(n) * 0.05 * np.linspace(0.2, 1.5, n)
    x = x.astype(np.float32).astype(np.float64)  # what a decoded file gives the meter
    phases = true_peak_phases(true_peak_factor(rate))
    taps = phases.shape[1]
    padded = np.concatenate([np.zeros(taps), x, np.zeros(taps)])
    brute = float(np.abs(x).max())
    for h in phases:  # every interpolated position between two samples of the programme
        y = np.convolve(padded, h, mode="valid")  # y[m] sits between samples m - taps//2 ... see _TruePeak
        k = np.arange(y.shape[0]) + taps // 2 - 1 - taps  # left neighbour of each output, in x's indices
        inside = (k >= 0) & (k < n - 1)
        brute = max(brute, float(np.abs(y[inside]).max()))
    tp = _TruePeak(phases)
    cuts = np.sort(rng.choice(np.arange(1, n), size=40, replace=False))
    for part in np.split(x, cuts):
        tp.add(part)
    assert tp.finish() == pytest.approx(brute, rel=1e-9)
