"""Loudness meter per ITU-R BS.1770-4 and EBU Tech 3341/3342, at any sample rate and channel layout.

Integrated loudness (gated 400 ms blocks), momentary and short-term maxima, loudness range,
true peak (oversampled polyphase FIR, per channel) and sample peak. Streaming: feed chunks to a
`LoudnessMeter`, memory stays flat whatever the duration; `measure_loudness` wraps it for arrays.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import math
import os
import sys
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray

from postprod.errors import N_, InvalidInput

Progress = Callable[[float], None]
Samples = NDArray[np.float32 | np.float64]  # float32 as decoded, float64 from arrays
F64 = NDArray[np.float64]
SosFilt = Callable[[F64, F64, F64], None]  # (sos, x in place, state in place), as SciPy's compiled cascade
_FilterOut = tuple[int, float, F64 | None]  # a channel's sample peak and hop energies (LoudnessMeter._filter)

ABSOLUTE_GATE_LUFS = -70.0
RELATIVE_GATE_LU = -10.0
LRA_RELATIVE_GATE_LU = -20.0
SURROUND_WEIGHT = 1.41  # +1.5 dB, BS.1770-4 Table 3
_OFFSET = -0.691
_TP_TAPS_PER_PHASE = 12  # 48 taps at 4x, as the BS.1770-4 Annex 2 interpolator
_TP_KAISER_BETA = 4.0
_TP_ROW = 8  # samples per row of the true-peak scan
_TP_BLOCK_ROWS = 64  # rows per block of its coarse pass
# Multiply-adds per matrix product: below OpenBLAS's threading threshold (its threads thrash on a busy machine).
_TP_BATCH_MACS = 1 << 18
_SERIES_CAP = 8192  # M and S curves: every 100 ms up to ~27 minutes, then the loudest of 2, 4 ... readings
_CHUNK = 1 << 18

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


def k_weighting_sos(sample_rate: int) -> F64:
    """K-weighting (shelf pre-filter, then RLB high-pass) as two biquads, from the analog prototypes.

    Same derivation as libebur128: the BS.1770 48 kHz coefficients are the bilinear transform of
    these prototypes, so at 48 kHz this reproduces the standard's table to ~1e-8.
    """
    if sample_rate <= 0:
        raise InvalidInput(
            N_("sample rate must be positive, got %(sample_rate)s"),
            field="sample_rate",
            params={"sample_rate": sample_rate},
        )
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


def true_peak_phases(factor: int, taps_per_phase: int = _TP_TAPS_PER_PHASE) -> F64:
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


def worker_count(jobs: int, limit: int = 4) -> int:
    """Worker threads worth starting: one per core, at most one per job and `limit`."""
    return max(1, min(jobs, limit, os.cpu_count() or 1))


def _load_sosfilt() -> SosFilt:
    """SciPy's compiled biquad cascade (in place, state updated), loaded without importing scipy.signal.

    `import scipy.signal` costs 0.3-0.7 s of start-up (it pulls in scipy.stats); the filter itself is
    one small extension module. It is loaded by file under its own name (so scipy.signal, imported
    later, shares it) and checked against a direct-form reference on a short signal; any surprise
    (another SciPy layout or signature) falls back to the public import.
    """
    name = "scipy.signal._sosfilt"
    try:
        loaded = sys.modules.get(name)
        if loaded is not None:
            found: SosFilt = loaded._sosfilt  # an extension module's attribute: typed here, checked below
            if _sosfilt_ok(found):
                return found
        spec = importlib.util.find_spec("scipy")
        if spec is None or spec.origin is None:
            raise ImportError("scipy")
        folder = Path(spec.origin).parent / "signal"
        path = next(folder / f"_sosfilt{s}" for s in importlib.machinery.EXTENSION_SUFFIXES
                    if (folder / f"_sosfilt{s}").is_file())  # fmt: skip
        loader = importlib.machinery.ExtensionFileLoader(name, str(path))
        mod_spec = importlib.util.spec_from_file_location(name, path, loader=loader)
        if mod_spec is None:
            raise ImportError(name)
        module = importlib.util.module_from_spec(mod_spec)
        loader.exec_module(module)
        fn: SosFilt = module._sosfilt
        if not _sosfilt_ok(fn):
            raise ImportError(f"unexpected {name}")
        # An extension module initialises once per process: register it, so that a later
        # `import scipy.signal` finds this very module instead of an empty second copy.
        sys.modules.setdefault(name, module)
        return fn
    except (ImportError, OSError, StopIteration, AttributeError, TypeError, ValueError):
        from scipy.signal import sosfilt  # the fallback only: scipy.signal costs ~0.3 s to import

        def fallback(sos: F64, x: F64, zi: F64) -> None:
            y, zf = sosfilt(sos, x, axis=1, zi=zi.transpose(1, 0, 2))  # public layout: (sections, signals, 2)
            x[...] = y
            zi[...] = zf.transpose(1, 0, 2)

        return fallback


def _sosfilt_ok(fn: SosFilt) -> bool:
    """Whether fn filters like a direct-form biquad cascade and keeps its state across calls."""
    sos = np.array([[0.5, 0.25, -0.125, 1.0, -0.5, 0.25], [1.0, -2.0, 1.0, 1.0, -1.9, 0.91]])
    x = np.linspace(-1.0, 1.0, 16)
    want = x.copy()
    for b0, b1, b2, _, a1, a2 in sos:
        y, x1, x2, y1, y2 = np.zeros_like(want), 0.0, 0.0, 0.0, 0.0
        for i, v in enumerate(want):
            y[i] = b0 * v + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2
            x1, x2, y1, y2 = v, x1, y[i], y1
        want = y
    a, b = x[None, :7].copy(), x[None, 7:].copy()
    zi = np.zeros((1, 2, 2))
    fn(sos, a, zi)
    fn(sos, b, zi)
    return bool(np.allclose(np.concatenate([a[0], b[0]]), want, rtol=1e-12, atol=1e-12))


_SOSFILT: SosFilt | None = None
_SOSFILT_LOCK = threading.Lock()


def _sosfilt_fn() -> SosFilt:
    """The filter, loaded once (under a lock: imports must not race between threads)."""
    global _SOSFILT
    with _SOSFILT_LOCK:
        if _SOSFILT is None:
            _SOSFILT = _load_sosfilt()
        return _SOSFILT


def _sosfilt(sos: F64, x: F64, zi: F64) -> None:
    """Filter x (signals, samples), float64 C-contiguous, in place; zi (signals, sections, 2) is updated."""
    (_SOSFILT or _sosfilt_fn())(sos, x, zi)


class _TruePeak:
    """Streaming true peak of one channel: exact polyphase interpolation where the peak could be beaten.

    Samples are cut in rows of L; the interpolated values around row r depend on rows r-1..r+1 only, so
    a row's values are at most `gain` (the largest sum of |taps| of a phase) times the largest sample
    magnitude in those three rows. Rows whose bound cannot beat the running peak are skipped; the others
    are computed exactly, loudest first, as one small matrix product per batch (float64).
    """

    def __init__(self, phases: F64) -> None:
        nph, taps = phases.shape
        half = taps // 2
        self.nph = nph
        self.L = max(_TP_ROW, half)
        size = self.L
        # Output (q, p) of a row is sum_j w_p[j] * x[row start + q + j], j in -(half-1)..half, w_p[j] = phases[p][half-j];
        # the 3-row window starts one row earlier, hence index size + q + j.
        a = np.zeros((3 * size, size * nph))
        for q in range(size):
            for p in range(nph):
                for j in range(-(half - 1), half + 1):
                    a[size + q + j, q * nph + p] = phases[p][half - j]
        self.a = a
        self.batch = max(16, _TP_BATCH_MACS // a.size)
        # |interpolated| <= gain * max|samples under the filter|; the margin covers rounding.
        self.gain = float(np.abs(phases).sum(axis=1).max()) * (1.0 + 1e-9)
        self.tail: Samples = np.zeros(size)  # left context (zeros before the start), then unprocessed samples
        self.fed = 0  # samples added, to leave out positions past the last sample at the end
        self.peak = 0.0

    def add(self, x: Samples) -> None:
        """Feed consecutive samples of the channel."""
        if x.shape[0] == 0:
            return
        self.fed += x.shape[0]
        size = self.L
        ext = np.concatenate([self.tail.astype(x.dtype, copy=False), x])
        rows = ext.shape[0] // size
        if rows < 3:
            self.tail = ext
            return
        # Coarse pass (SIMD reductions over long rows): blocks of _TP_BLOCK_ROWS rows and their neighbours.
        per = _TP_BLOCK_ROWS
        full = rows // per
        bmax = np.zeros(full + 3)  # one zero block either side
        body = ext[: full * per * size].reshape(full, per * size)
        np.maximum(body.max(axis=1), -body.min(axis=1), out=bmax[1 : full + 1])
        if rows > full * per:
            rest = ext[full * per * size : rows * size]
            bmax[full + 1] = max(float(rest.max()), -float(rest.min()))
        self.peak = max(self.peak, float(bmax.max()))  # phase 0: the samples themselves
        coarse = np.maximum(np.maximum(bmax[:-2], bmax[1:-1]), bmax[2:]) * self.gain
        blocks = np.flatnonzero(coarse > self.peak)
        if blocks.size:
            self._fine(ext, rows, blocks)
        self.tail = ext[(rows - 2) * size :].copy()

    def _fine(self, ext: Samples, rows: int, blocks: NDArray[np.intp]) -> None:
        """Row bounds inside the candidate blocks, then the exact values of the rows that can beat the peak."""
        per = _TP_BLOCK_ROWS
        grid = ext[: rows * self.L].reshape(rows, self.L)
        idx = blocks[:, None] * per + np.arange(-1, per + 1)[None, :]  # each block's rows and one either side
        mags = np.abs(grid[np.clip(idx, 0, rows - 1)])
        mag = mags[..., 0]
        for k in range(1, self.L):
            np.maximum(mag, mags[..., k], out=mag)
        bound = np.maximum(np.maximum(mag[:, :-2], mag[:, 1:-1]), mag[:, 2:]) * self.gain
        centre = idx[:, 1:-1]
        keep = (centre >= 1) & (centre <= rows - 2) & (bound > self.peak)
        self._rows(ext, centre[keep], bound[keep])

    def _rows(self, ext: Samples, centre: NDArray[np.intp], bound: F64) -> None:
        """Exact values of the given centre rows (window = the row and its neighbours), loudest bound first."""
        if centre.size == 0:
            return
        order = np.argsort(-bound, kind="stable")
        centre, bound = centre[order], bound[order]
        windows = sliding_window_view(ext, 3 * self.L)[:: self.L]
        for start in range(0, centre.size, self.batch):
            sel = slice(start, start + self.batch)
            batch = centre[sel][bound[sel] > self.peak]
            if batch.size == 0:
                break  # sorted by bound: no later row can beat the peak either
            y = windows[batch - 1].astype(np.float64) @ self.a
            self.peak = max(self.peak, float(y.max()), float(-y.min()))

    def finish(self) -> float:
        """Flush the last rows (zeros after the end; only positions between two samples count); the peak."""
        size = self.L
        have = self.tail.shape[0]
        unprocessed = have - size
        if unprocessed > 0:
            self.peak = max(self.peak, float(np.abs(self.tail[size:]).max()))
            centres = -(-unprocessed // size)
            ext = np.zeros((centres + 2) * size)
            ext[:have] = self.tail
            y = sliding_window_view(ext, 3 * size)[::size][:centres] @ self.a
            # sample index of each output's left neighbour: tail index i holds sample fed - have + i
            base = self.fed - have + size * np.arange(1, centres + 1)[:, None] + np.arange(size)[None, :]
            valid = base < self.fed - 1
            if valid.any():
                self.peak = max(self.peak, float(np.abs(y.reshape(centres, size, self.nph))[valid].max()))
        self.tail = np.zeros(size)
        return self.peak


class _MaxSeries:
    """A 10 Hz reading over time, kept to at most ~2 * cap points: the loudest of each 2^k readings when long."""

    def __init__(self, cap: int = _SERIES_CAP) -> None:
        self.cap = cap
        self.stride = 1
        self.t = np.zeros(0, dtype=np.int64)
        self.v = np.zeros(0)
        self.carry_t = np.zeros(0, dtype=np.int64)
        self.carry_v = np.zeros(0)

    def add(self, t: NDArray[np.int64], v: F64) -> None:
        t = np.concatenate([self.carry_t, t])
        v = np.concatenate([self.carry_v, v])
        whole = (t.shape[0] // self.stride) * self.stride
        self.carry_t, self.carry_v = t[whole:], v[whole:]
        if whole:
            gt, gv = self._groups(t[:whole], v[:whole], self.stride)
            self.t = np.concatenate([self.t, gt])
            self.v = np.concatenate([self.v, gv])
        while self.t.shape[0] > 2 * self.cap:
            keep = (self.t.shape[0] // 2) * 2  # an odd last point stays as it is
            gt, gv = self._groups(self.t[:keep], self.v[:keep], 2)
            self.t = np.concatenate([gt, self.t[keep:]])
            self.v = np.concatenate([gv, self.v[keep:]])
            self.stride *= 2

    @staticmethod
    def _groups(t: NDArray[np.int64], v: F64, size: int) -> tuple[NDArray[np.int64], F64]:
        if size == 1:
            return t, v
        tv, vv = t.reshape(-1, size), v.reshape(-1, size)
        pick = vv.argmax(axis=1)
        rows = np.arange(vv.shape[0])
        return tv[rows, pick], vv[rows, pick]

    def points(self) -> tuple[NDArray[np.int64], F64]:
        if self.carry_t.shape[0]:
            i = int(self.carry_v.argmax())
            return np.append(self.t, self.carry_t[i]), np.append(self.v, self.carry_v[i])
        return self.t, self.v


class LoudnessMeter:
    """Streaming BS.1770-4 meter: add() chunks of samples, then result().

    Channels are filtered and peak-scanned in worker threads (NumPy and the filter release the GIL), and
    add_planar() returns before the work is done, so the caller decodes the next chunk meanwhile: the
    array passed in must not be modified afterwards. A problem in a chunk (NaN) is raised by the next
    add or by result().
    """

    def __init__(
        self,
        sample_rate: int,
        layout: Sequence[str] | None = None,
        channels: int | None = None,
        true_peak: bool = True,
        threads: int | None = None,
    ) -> None:
        if sample_rate < 1000:
            raise InvalidInput(
                N_("sample rate %(sample_rate)s Hz is too low to measure loudness"),
                field="sample_rate",
                params={"sample_rate": sample_rate},
            )
        if layout is None:
            if channels is None:
                raise InvalidInput("give a channel layout or a channel count", field="layout")
            layout = default_layout(channels)
        if channels is not None and len(layout) != channels:
            raise InvalidInput(
                N_("layout has %(n)s names for %(channels)s channels"),
                field="layout",
                params={"n": len(layout), "channels": channels},
            )
        if not layout:
            raise InvalidInput("no audio channels to measure", field="layout")
        self.rate = int(sample_rate)
        self.layout = list(layout)
        self.nch = len(self.layout)
        self.weights = np.array([channel_weight(n) for n in self.layout])
        self.sos = k_weighting_sos(self.rate)
        _sosfilt_fn()  # load the filter here, in the calling thread, not in a worker
        self.zi = np.zeros((self.nch, 2, 2))
        self.step = max(1, round(self.rate / 10))  # 100 ms
        hop = max(1, self.rate // 1000)
        while self.step % hop:
            hop -= 1
        self.hop = hop  # ~1 ms: maxima of M and S are found to the millisecond
        self.hps = self.step // hop
        self.win_m = 4 * self.hps
        self.win_s = 30 * self.hps
        self.hist = np.zeros(self.win_s)
        self.leftover = [np.zeros(0) for _ in range(self.nch)]  # filtered samples short of a whole hop
        self.hops_done = 0
        self.samples_done = 0
        self.m_max = 0.0
        self.s_max = 0.0
        self.blocks_m: list[F64] = []
        self.blocks_s: list[F64] = []
        self.series_m = _MaxSeries()
        self.series_s = _MaxSeries()
        self.factor = true_peak_factor(self.rate)
        self.tp = [_TruePeak(true_peak_phases(self.factor)) for _ in range(self.nch)] if true_peak else []
        self.sample_peak = np.zeros(self.nch)
        workers = worker_count(2 * self.nch) if threads is None else threads
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="loudness") if workers > 1 else None
        self._pending: list[Future[_FilterOut | None]] = []
        self._finished: LoudnessResult | None = None

    def add(self, samples: Samples) -> None:
        """Feed interleaved samples shaped (frames, channels), floats in [-1, 1]."""
        x = np.asarray(samples)
        if x.ndim == 1 and self.nch == 1:
            x = x[:, None]
        if x.ndim != 2 or x.shape[1] != self.nch:
            raise InvalidInput(
                N_("expected samples shaped (frames, %(nch)s), got %(shape)s"),
                field="samples",
                params={"nch": self.nch, "shape": x.shape},
            )
        self.add_planar(np.ascontiguousarray(x.T))

    def add_planar(self, planar: Samples) -> None:
        """Feed planar samples shaped (channels, frames), float32 or float64; kept (unmodified) until the next call."""
        x = np.asarray(planar)
        if x.dtype != np.float32:
            x = x.astype(np.float64, copy=False)
        if x.ndim != 2 or x.shape[0] != self.nch:
            raise InvalidInput(
                N_("expected %(nch)s channels, got shape %(shape)s"),
                field="samples",
                params={"nch": self.nch, "shape": x.shape},
            )
        self._collect()
        if x.shape[1] == 0:
            return
        self.samples_done += x.shape[1]
        jobs: list[Callable[[], _FilterOut | None]] = []
        for c in range(self.nch):
            jobs.append(partial(self._filter, c, x[c]))
            if self.tp:
                jobs.append(partial(self.tp[c].add, x[c]))
        if self._pool is None:
            self._pending = []
            self._fold([job() for job in jobs])
        else:
            self._pending = [self._pool.submit(job) for job in jobs]

    def _filter(self, c: int, x: Samples) -> _FilterOut:
        """Sample peak, and hop energies of the K-weighted channel (None for a zero-weight channel)."""
        peak = max(float(x.max()), -float(x.min()))
        if not math.isfinite(peak):
            raise InvalidInput("samples hold NaN or infinite values", field="samples")
        if self.weights[c] == 0.0:
            return c, peak, None
        y = np.array(x, dtype=np.float64, ndmin=2)  # a copy: the filter runs in place
        _sosfilt(self.sos, y, self.zi[c : c + 1])
        f = y[0]
        lo = self.leftover[c]
        hop = self.hop
        first = None
        if lo.shape[0]:
            need = hop - lo.shape[0]
            if f.shape[0] < need:
                self.leftover[c] = np.concatenate([lo, f])
                return c, peak, np.zeros(0)
            first = float(lo @ lo + f[:need] @ f[:need])
            f = f[need:]
        m = f.shape[0] // hop
        r = f[: m * hop].reshape(m, hop)
        energies = np.einsum("mh,mh->m", r, r)
        if first is not None:
            energies = np.concatenate([[first], energies])
        self.leftover[c] = f[m * hop :].copy()
        return c, peak, energies

    def _collect(self) -> None:
        """Wait for the jobs of the previous chunk and fold their results in."""
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        results = []
        error: BaseException | None = None
        for job in pending:
            try:
                results.append(job.result())
            except BaseException as exc:  # wait for every job before raising
                error = error or exc
        if error is not None:
            raise error
        self._fold(results)

    def _fold(self, results: list[_FilterOut | None]) -> None:
        hops: F64 | None = None
        for item in results:
            if item is None:  # a true-peak job
                continue
            c, peak, energies = item
            self.sample_peak[c] = max(self.sample_peak[c], peak)
            if energies is None:
                continue
            hops = energies * self.weights[c] if hops is None else hops + energies * self.weights[c]
        if hops is None:  # every channel weighs 0 (LFE only): count the hops all the same
            m = (self.samples_done // self.hop) - self.hops_done
            hops = np.zeros(max(0, m))
        self._windows(hops)

    def _windows(self, hops: F64) -> None:
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
        self.series_m.add(g[at_step], em[at_step])
        self.series_s.add(g[at_step], es[at_step])
        self.blocks_m.append(em[at_step & (g >= self.win_m)])
        self.blocks_s.append(es[at_step & (g >= self.win_s)])
        self.hops_done += m
        self.hist = ext[-self.win_s :].copy()

    def close(self) -> None:
        """Stop the worker threads (result() does it too)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def result(self) -> LoudnessResult:
        """The readings (call once, at the end)."""
        if self._finished is not None:
            return self._finished
        try:
            self._collect()
        finally:
            self.close()
        blocks = np.concatenate(self.blocks_m) if self.blocks_m else np.zeros(0)
        short = np.concatenate(self.blocks_s) if self.blocks_s else np.zeros(0)
        if self.tp:
            tps = [max(t.finish(), float(sp)) for t, sp in zip(self.tp, self.sample_peak, strict=True)]
        else:
            tps = [math.nan] * self.nch
        channels = [
            ChannelLevels(name, _db(tp), _db(float(sp)))
            for name, tp, sp in zip(self.layout, tps, self.sample_peak, strict=True)
        ]
        sec = self.hop / self.rate
        self._finished = LoudnessResult(
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
        return self._finished


def _series(series: _MaxSeries, sec: float) -> list[tuple[float, float | None]]:
    t, v = series.points()
    return [(round(float(g) * sec, 4), _lufs(float(e))) for g, e in zip(t.tolist(), v.tolist(), strict=True)]


def _energy(lufs: float) -> float:
    return float(10.0 ** ((lufs - _OFFSET) / 10.0))  # float ** float is typed Any (a negative base gives complex)


def gated_mean(blocks: F64) -> float:
    """Mean energy of the 400 ms blocks kept by the absolute (-70 LUFS) and relative (-10 LU) gates."""
    kept = blocks[blocks > _energy(ABSOLUTE_GATE_LUFS)]
    if kept.size == 0:
        return 0.0
    relative = kept.mean() * 10.0 ** (RELATIVE_GATE_LU / 10.0)
    kept = kept[kept > relative]
    return float(kept.mean()) if kept.size else 0.0


def loudness_range(short_term: F64) -> float | None:
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
    samples: Samples,
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
        raise InvalidInput(
            N_("expected samples shaped (frames, channels), got %(shape)s"),
            field="samples",
            params={"shape": samples.shape},
        )
    meter = LoudnessMeter(sample_rate, layout, channels=samples.shape[1], true_peak=true_peak)
    total = samples.shape[0]
    for start in range(0, total, _CHUNK):
        meter.add(samples[start : start + _CHUNK])
        if progress is not None:
            progress(min(1.0, (start + _CHUNK) / total))
    return meter.result()
