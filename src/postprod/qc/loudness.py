"""Loudness meter per ITU-R BS.1770-4 and EBU Tech 3341/3342, at any sample rate and channel layout.

Integrated loudness (gated 400 ms blocks), momentary and short-term maxima, loudness range,
true peak (oversampled polyphase FIR, per channel) and sample peak. Streaming: feed chunks to a
`LoudnessMeter`, memory stays flat whatever the duration; `measure_loudness` wraps it for arrays.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy import signal

from postprod.errors import InvalidInput

Progress = Callable[[float], None]

ABSOLUTE_GATE_LUFS = -70.0
RELATIVE_GATE_LU = -10.0
LRA_RELATIVE_GATE_LU = -20.0
SURROUND_WEIGHT = 1.41  # +1.5 dB, BS.1770-4 Table 3
_OFFSET = -0.691
_TP_TAPS_PER_PHASE = 12  # 48 taps at 4x, as the BS.1770-4 Annex 2 interpolator
_TP_KAISER_BETA = 4.0
_TP_BLOCK = 64
_CHUNK = 1 << 17

# Channel names as written by FFmpeg/PyAV and by the post-production trade (case-insensitive).
_LFE_NAMES = {"lfe", "lfe1", "lfe2", "lfe3", "lf", "sw", "sub", "low_frequency", "low_frequency_2"}
_SURROUND_NAMES = {
    "ls", "rs", "lss", "rss", "lrs", "rrs", "lsr", "rsr", "lb", "rb", "cs", "bc", "bl", "br",
    "sl", "sr", "sdl", "sdr", "lsd", "rsd", "lw", "rw", "wl", "wr",
    "back_left", "back_right", "back_center", "side_left", "side_right", "surround_direct_left",
    "surround_direct_right", "wide_left", "wide_right", "left_surround", "right_surround",
}  # fmt: skip

_DEFAULT_LAYOUTS: dict[int, list[str]] = {
    1: ["C"],
    2: ["L", "R"],
    3: ["L", "R", "C"],
    4: ["L", "R", "Ls", "Rs"],
    5: ["L", "R", "C", "Ls", "Rs"],
    6: ["L", "R", "C", "LFE", "Ls", "Rs"],
    8: ["L", "R", "C", "LFE", "Lrs", "Rrs", "Lss", "Rss"],
}


def channel_weight(name: str) -> float:
    """BS.1770-4 weight of a channel from its name: 0 for LFE, 1.41 for surrounds, 1.0 otherwise."""
    key = name.strip().lower()
    if key in _LFE_NAMES or key.startswith("lfe"):
        return 0.0
    if key in _SURROUND_NAMES:
        return SURROUND_WEIGHT
    return 1.0


def default_layout(channels: int) -> list[str]:
    """Conventional channel names for a channel count (SMPTE order), used when a stream has no layout."""
    if channels in _DEFAULT_LAYOUTS:
        return list(_DEFAULT_LAYOUTS[channels])
    return [f"ch{i + 1}" for i in range(channels)]


def k_weighting_sos(sample_rate: int) -> np.ndarray:
    """K-weighting (shelf pre-filter, then RLB high-pass) as two biquads, from the analog prototypes.

    Same derivation as libebur128: the BS.1770 48 kHz coefficients are the bilinear transform of
    these prototypes, so at 48 kHz this reproduces the standard's table to ~1e-8.
    """
    if sample_rate <= 0:
        raise InvalidInput(f"sample rate must be positive, got {sample_rate}", field="sample_rate")
    f0 = 1681.974450955533
    gain_db = 3.999843853973347
    q = 0.7071752369554196
    k = math.tan(math.pi * f0 / sample_rate)
    vh = 10.0 ** (gain_db / 20.0)
    vb = vh**0.4996667741545416
    a0 = 1.0 + k / q + k * k
    shelf = [
        (vh + vb * k / q + k * k) / a0,
        2.0 * (k * k - vh) / a0,
        (vh - vb * k / q + k * k) / a0,
        1.0,
        2.0 * (k * k - 1.0) / a0,
        (1.0 - k / q + k * k) / a0,
    ]
    f0 = 38.13547087602444
    q = 0.5003270373238773
    k = math.tan(math.pi * f0 / sample_rate)
    a0 = 1.0 + k / q + k * k
    highpass = [1.0, -2.0, 1.0, 1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0]
    return np.array([shelf, highpass], dtype=np.float64)


def true_peak_factor(sample_rate: int) -> int:
    """Oversampling factor: at least 4x, and enough to reach ~192 kHz at low rates."""
    return max(4, math.ceil(192000 / sample_rate))


def true_peak_phases(factor: int, taps_per_phase: int = _TP_TAPS_PER_PHASE) -> np.ndarray:
    """Polyphase interpolation filter (Kaiser-windowed sinc, a Nyquist filter): rows are phases 1..factor-1.

    Phase 0 is the identity (the input samples themselves), so only the in-between phases are computed.
    """
    n = factor * taps_per_phase + 1
    centre = factor * taps_per_phase // 2
    idx = np.arange(n) - centre
    proto = np.sinc(idx / factor) * np.kaiser(n, _TP_KAISER_BETA)
    phases = np.stack([proto[p::factor][:taps_per_phase] for p in range(1, factor)])
    return phases


def _db(value: float, scale: float = 20.0) -> float | None:
    """Decibels of a linear value; None for silence (JSON null, never NaN or -inf)."""
    if not value > 0.0 or not math.isfinite(value):
        return None
    return round(scale * math.log10(value), 4)


def _lufs(energy: float) -> float | None:
    if not energy > 0.0:
        return None
    return round(_OFFSET + 10.0 * math.log10(energy), 4)


@dataclass
class ChannelLevels:
    """Peaks of one channel."""

    name: str
    true_peak_dbtp: float | None
    sample_peak_dbfs: float | None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "true_peak_dbtp": self.true_peak_dbtp, "sample_peak_dbfs": self.sample_peak_dbfs}


@dataclass
class LoudnessResult:
    """Readings of a whole programme; None where the programme is silent or too short to measure."""

    integrated_lufs: float | None
    loudness_range_lu: float | None
    true_peak_dbtp: float | None
    sample_peak_dbfs: float | None
    momentary_max_lufs: float | None
    short_term_max_lufs: float | None
    channels: list[ChannelLevels]
    momentary_series: list[tuple[float, float | None]] = field(default_factory=list)
    short_term_series: list[tuple[float, float | None]] = field(default_factory=list)
    sample_rate: int = 0
    duration_seconds: float = 0.0
    true_peak_oversampling: int = 4

    def to_dict(self, include_series: bool = False) -> dict[str, Any]:
        """JSON-ready readings; with include_series, the 10 Hz momentary and short-term curves too."""
        data: dict[str, Any] = {
            "integrated_lufs": self.integrated_lufs,
            "loudness_range_lu": self.loudness_range_lu,
            "true_peak_dbtp": self.true_peak_dbtp,
            "sample_peak_dbfs": self.sample_peak_dbfs,
            "momentary_max_lufs": self.momentary_max_lufs,
            "short_term_max_lufs": self.short_term_max_lufs,
            "channels": [c.to_dict() for c in self.channels],
        }
        if include_series:
            data["momentary_series"] = [[t, v] for t, v in self.momentary_series]
            data["short_term_series"] = [[t, v] for t, v in self.short_term_series]
        return data


class _TruePeak:
    """Streaming true-peak of one channel; skips blocks that provably cannot beat the running peak."""

    def __init__(self, phases: np.ndarray) -> None:
        self.phases = np.ascontiguousarray(phases, dtype=np.float64)
        self.taps = phases.shape[1]
        self.hist = np.zeros(self.taps - 1)
        # |interpolated| <= gain * max|input under the filter|: the bound used to skip blocks.
        self.gain = float(np.abs(phases).sum(axis=1).max())
        self.peak = 0.0

    def add(self, x: np.ndarray, sample_peak: float) -> None:
        n = x.shape[0]
        if n == 0:
            return
        t1 = self.taps - 1
        b = _TP_BLOCK
        ext = np.concatenate([self.hist, x])
        self.hist = ext[-t1:].copy()
        self.peak = max(self.peak, sample_peak)  # phase 0 is exact: the samples themselves
        nb = -(-n // b)
        pad = np.zeros((nb + 1) * b)
        pad[: ext.shape[0]] = ext
        bmax = np.abs(pad).reshape(nb + 1, b).max(axis=1)
        bound = np.maximum(bmax[:-1], bmax[1:]) * self.gain
        cand = np.flatnonzero(bound > self.peak)
        if cand.size == 0:
            return
        # Compute the most promising block first so the running peak prunes the rest.
        best = cand[np.argmax(bound[cand])]
        self.peak = max(self.peak, self._blocks(pad, np.array([best]), n))
        cand = cand[bound[cand] > self.peak]
        if cand.size:
            self.peak = max(self.peak, self._blocks(pad, cand, n))

    def _blocks(self, pad: np.ndarray, blocks: np.ndarray, n: int) -> float:
        b = _TP_BLOCK
        width = b + self.taps - 1
        segs = sliding_window_view(pad, width)[::b][blocks]
        flat = segs.ravel()
        out = np.empty((self.phases.shape[0], segs.shape[0] * width))
        for p, h in enumerate(self.phases):
            valid = np.convolve(flat, h, mode="valid")
            out[p, : valid.shape[0]] = valid
            out[p, valid.shape[0] :] = 0.0
        vals = np.abs(out.reshape(out.shape[0], segs.shape[0], width)[:, :, :b])
        last = blocks[-1]
        tail = (last + 1) * b - n
        if tail > 0 and blocks.size:
            vals[:, -1, b - tail :] = 0.0  # positions past the chunk end: computed next chunk
        return float(vals.max())


class LoudnessMeter:
    """Streaming BS.1770-4 meter: add() chunks of samples, then result()."""

    def __init__(
        self,
        sample_rate: int,
        layout: Sequence[str] | None = None,
        channels: int | None = None,
        true_peak: bool = True,
    ) -> None:
        if sample_rate < 1000:
            raise InvalidInput(f"sample rate {sample_rate} Hz is too low to measure loudness", field="sample_rate")
        if layout is None:
            if channels is None:
                raise InvalidInput("give a channel layout or a channel count", field="layout")
            layout = default_layout(channels)
        if channels is not None and len(layout) != channels:
            raise InvalidInput(f"layout has {len(layout)} names for {channels} channels", field="layout")
        if not layout:
            raise InvalidInput("no audio channels to measure", field="layout")
        self.rate = int(sample_rate)
        self.layout = list(layout)
        self.nch = len(self.layout)
        self.weights = np.array([channel_weight(n) for n in self.layout])
        self.sos = k_weighting_sos(self.rate)
        self.zi = np.zeros((2, self.nch, 2))
        self.step = max(1, round(self.rate / 10))  # 100 ms
        hop = max(1, self.rate // 1000)
        while self.step % hop:
            hop -= 1
        self.hop = hop  # ~1 ms: maxima of M and S are found to the millisecond
        self.hps = self.step // hop
        self.win_m = 4 * self.hps
        self.win_s = 30 * self.hps
        self.hist = np.zeros(self.win_s)
        self.leftover = np.zeros((self.nch, 0))
        self.hops_done = 0
        self.samples_done = 0
        self.m_max = 0.0
        self.s_max = 0.0
        self.blocks_m: list[np.ndarray] = []
        self.blocks_s: list[np.ndarray] = []
        self.series_m: list[np.ndarray] = []
        self.series_s: list[np.ndarray] = []
        self.factor = true_peak_factor(self.rate)
        phases = true_peak_phases(self.factor)
        self.tp = [_TruePeak(phases) for _ in range(self.nch)] if true_peak else []
        self.sample_peak = np.zeros(self.nch)
        workers = min(self.nch, os.cpu_count() or 1, 4)
        self._pool = ThreadPoolExecutor(workers) if workers > 1 else None

    def add(self, samples: np.ndarray) -> None:
        """Feed interleaved samples shaped (frames, channels), floats in [-1, 1]."""
        x = np.asarray(samples, dtype=np.float64)
        if x.ndim == 1 and self.nch == 1:
            x = x[:, None]
        if x.ndim != 2 or x.shape[1] != self.nch:
            raise InvalidInput(f"expected samples shaped (frames, {self.nch}), got {x.shape}", field="samples")
        self.add_planar(np.ascontiguousarray(x.T))

    def add_planar(self, planar: np.ndarray) -> None:
        """Feed planar samples shaped (channels, frames), C-contiguous float64 preferred."""
        x = np.ascontiguousarray(planar, dtype=np.float64)
        if x.ndim != 2 or x.shape[0] != self.nch:
            raise InvalidInput(f"expected {self.nch} channels, got shape {x.shape}", field="samples")
        n = x.shape[1]
        if n == 0:
            return
        peaks = np.abs(x).max(axis=1)
        if not np.isfinite(peaks).all():
            raise InvalidInput("samples hold NaN or infinite values", field="samples")
        np.maximum(self.sample_peak, peaks, out=self.sample_peak)
        jobs = []
        if self._pool is not None and self.tp:
            jobs = [self._pool.submit(self.tp[c].add, x[c], float(peaks[c])) for c in range(self.nch)]
        else:
            for c, tp in enumerate(self.tp):
                tp.add(x[c], float(peaks[c]))
        y, self.zi = signal.sosfilt(self.sos, x, axis=1, zi=self.zi)
        if self.leftover.shape[1]:
            y = np.concatenate([self.leftover, y], axis=1)
        m = y.shape[1] // self.hop
        self.leftover = y[:, m * self.hop :].copy()
        r = y[:, : m * self.hop].reshape(self.nch, m, self.hop)
        per_channel = np.einsum("cmh,cmh->cm", r, r)
        hops = np.einsum("c,cm->m", self.weights, per_channel)
        for job in jobs:
            job.result()
        self.samples_done += n
        self._windows(hops)

    def _windows(self, hops: np.ndarray) -> None:
        """Slide the 400 ms and 3 s windows hop by hop over the new hop energies."""
        m = hops.shape[0]
        if m == 0:
            return
        h0 = self.hist.shape[0]
        ext = np.concatenate([self.hist, hops])
        cs = np.concatenate([[0.0], np.cumsum(ext)])
        ends = np.arange(h0 + 1, h0 + m + 1)
        em = (cs[ends] - cs[ends - self.win_m]) / (self.win_m * self.hop)
        es = (cs[ends] - cs[ends - self.win_s]) / (self.win_s * self.hop)
        self.m_max = max(self.m_max, float(em.max()))
        self.s_max = max(self.s_max, float(es.max()))
        g = self.hops_done + np.arange(1, m + 1)  # hops ended so far at each window end
        at_step = g % self.hps == 0
        self.series_m.append(np.stack([g[at_step], em[at_step]]))
        self.series_s.append(np.stack([g[at_step], es[at_step]]))
        self.blocks_m.append(em[at_step & (g >= self.win_m)])
        self.blocks_s.append(es[at_step & (g >= self.win_s)])
        self.hops_done += m
        self.hist = ext[-self.win_s :].copy()

    def result(self) -> LoudnessResult:
        """The readings so far."""
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None
        blocks = np.concatenate(self.blocks_m) if self.blocks_m else np.zeros(0)
        short = np.concatenate(self.blocks_s) if self.blocks_s else np.zeros(0)
        tps = [t.peak for t in self.tp] if self.tp else [math.nan] * self.nch
        channels = [
            ChannelLevels(name, _db(tp), _db(float(sp)))
            for name, tp, sp in zip(self.layout, tps, self.sample_peak, strict=True)
        ]
        sec = self.hop / self.rate
        return LoudnessResult(
            integrated_lufs=_lufs(gated_mean(blocks)),
            loudness_range_lu=loudness_range(short),
            true_peak_dbtp=_db(max(tps)),
            sample_peak_dbfs=_db(float(self.sample_peak.max())),
            momentary_max_lufs=_lufs(self.m_max),
            short_term_max_lufs=_lufs(self.s_max),
            channels=channels,
            momentary_series=_series(self.series_m, sec),
            short_term_series=_series(self.series_s, sec),
            sample_rate=self.rate,
            duration_seconds=self.samples_done / self.rate,
            true_peak_oversampling=self.factor,
        )


def _series(parts: list[np.ndarray], sec: float) -> list[tuple[float, float | None]]:
    if not parts:
        return []
    arr = np.concatenate(parts, axis=1)
    return [(round(float(g) * sec, 4), _lufs(float(e))) for g, e in zip(arr[0], arr[1], strict=True)]


def _energy(lufs: float) -> float:
    return 10.0 ** ((lufs - _OFFSET) / 10.0)


def gated_mean(blocks: np.ndarray) -> float:
    """Mean energy of the 400 ms blocks kept by the absolute (-70 LUFS) and relative (-10 LU) gates."""
    kept = blocks[blocks > _energy(ABSOLUTE_GATE_LUFS)]
    if kept.size == 0:
        return 0.0
    relative = kept.mean() * 10.0 ** (RELATIVE_GATE_LU / 10.0)
    kept = kept[kept > relative]
    return float(kept.mean()) if kept.size else 0.0


def loudness_range(short_term: np.ndarray) -> float | None:
    """EBU Tech 3342 loudness range of short-term (3 s) energies: gated, 10th to 95th percentile."""
    kept = short_term[short_term > _energy(ABSOLUTE_GATE_LUFS)]
    if kept.size == 0:
        return None
    relative = kept.mean() * 10.0 ** (LRA_RELATIVE_GATE_LU / 10.0)
    kept = kept[kept >= relative]
    levels = np.sort(_OFFSET + 10.0 * np.log10(kept))
    low, high = np.percentile(levels, [10.0, 95.0])
    return round(float(high - low), 4)


def measure_loudness(
    samples: np.ndarray,
    sample_rate: int,
    layout: list[str] | None = None,
    progress: Progress | None = None,
    *,
    true_peak: bool = True,
) -> LoudnessResult:
    """Measure a whole programme held in memory: samples shaped (frames, channels), floats in [-1, 1].

    With true_peak=False the (costly) oversampled peak is skipped and reported as None.
    """
    samples = np.asarray(samples)
    if samples.ndim == 1:
        samples = samples[:, None]
    if samples.ndim != 2 or samples.shape[1] == 0:
        raise InvalidInput(f"expected samples shaped (frames, channels), got {samples.shape}", field="samples")
    meter = LoudnessMeter(sample_rate, layout, channels=samples.shape[1], true_peak=true_peak)
    total = samples.shape[0]
    for start in range(0, total, _CHUNK):
        meter.add(samples[start : start + _CHUNK])
        if progress is not None:
            progress(min(1.0, (start + _CHUNK) / total))
    return meter.result()
