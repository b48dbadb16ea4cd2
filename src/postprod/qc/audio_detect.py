"""Streaming audio fault detectors: silence, clipping, DC offset, phase, silent and identical channels."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from postprod.qc.loudness import Samples

PHASE_WINDOW_SECONDS = 1.0
CLIP_MERGE_SECONDS = 0.5
IDENTICAL_TOLERANCE = 10.0 ** (-90.0 / 20.0)

_MIRROR = {
    "FL": "FR", "SL": "SR", "BL": "BR", "FLC": "FRC", "TFL": "TFR", "TBL": "TBR", "WL": "WR",
    "SDL": "SDR", "TSL": "TSR", "BFL": "BFR", "L": "R", "LS": "RS", "LSS": "RSS", "LRS": "RRS",
    "LSR": "RSR", "LW": "RW", "LT": "RT", "LO": "RO", "LB": "RB", "LC": "RC", "LTF": "RTF", "LTR": "RTR",
}  # fmt: skip


@dataclass
class AudioEvent:
    """A finding in time: seconds from the audio stream's first sample, end exclusive."""

    kind: str  # "silence" | "clipping" | "dc_offset" | "phase" | "silent_channel" | "identical_channels"
    start_seconds: float
    end_seconds: float
    stream: int
    channel: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "start_seconds": self.start_seconds,
            "end_seconds": self.end_seconds,
            "stream": self.stream,
            "channel": self.channel,
            "detail": self.detail,
        }


def channel_pairs(layout: list[str]) -> list[tuple[int, int]]:
    """Left/right pairs of a layout (L/R, Ls/Rs, Lrs/Rrs ...) as channel index pairs."""
    upper = [n.upper() for n in layout]
    pairs = []
    for i, name in enumerate(upper):
        mirror = _MIRROR.get(name)
        if mirror and mirror in upper:
            pairs.append((i, upper.index(mirror)))
    if not pairs and len(layout) == 2:
        pairs.append((0, 1))
    return pairs


def _db(value: float) -> float | None:
    return round(20.0 * math.log10(value), 2) if value > 0.0 else None


def _dots(a: Samples, b: Samples) -> tuple[float, float, float]:
    """Sums of a*b, a*a and b*b in float64 (einsum, not BLAS: OpenBLAS threads thrash on a busy machine)."""
    return (
        float(np.einsum("i,i->", a, b, dtype=np.float64)),
        float(np.einsum("i,i->", a, a, dtype=np.float64)),
        float(np.einsum("i,i->", b, b, dtype=np.float64)),
    )


def _same(a: Samples, b: Samples) -> bool:
    """Whether two channels match within the tolerance (a cheap look at the start first)."""
    if np.abs(a[:256] - b[:256]).max(initial=0.0) > IDENTICAL_TOLERANCE:
        return False
    return bool(np.abs(a - b).max(initial=0.0) <= IDENTICAL_TOLERANCE)


Bounds = tuple[NDArray[np.intp], NDArray[np.intp]]  # the starts and ends of runs (sample indices)


class _Runs:
    """Runs of True in a boolean stream fed in chunks; yields (start, end) sample indices, end exclusive."""

    def __init__(self) -> None:
        self.open_start: int | None = None

    def feed(self, mask: NDArray[np.bool_], offset: int) -> Bounds:
        """Runs that ended within this chunk (global indices); a run still open is carried over."""
        if mask.shape[0] == 0:
            return np.zeros(0, np.intp), np.zeros(0, np.intp)
        d = np.diff(mask.view(np.int8), prepend=np.int8(0), append=np.int8(0))
        starts = np.flatnonzero(d == 1) + offset
        ends = np.flatnonzero(d == -1) + offset
        if self.open_start is not None:
            if mask[0]:
                starts[0] = self.open_start
            else:
                starts = np.concatenate([[self.open_start], starts])
                ends = np.concatenate([[offset], ends])
        self.open_start = None
        if mask[-1]:
            self.open_start = int(starts[-1])
            starts, ends = starts[:-1], ends[:-1]
        return starts, ends

    def finish(self, total: int) -> Bounds:
        """The run still open at the end of the stream, if any."""
        if self.open_start is None:
            return np.zeros(0, np.intp), np.zeros(0, np.intp)
        run = np.array([self.open_start], np.intp), np.array([total], np.intp)
        self.open_start = None
        return run


class AudioDetectors:
    """Fed planar float chunks (channels, frames), gathers events and per-channel statistics."""

    def __init__(
        self,
        sample_rate: int,
        layout: list[str],
        stream: int,
        *,
        silence_threshold_db: float = -60.0,
        silence_min_seconds: float = 2.0,
        clip_min_run: int = 3,
        clip_level: float = 1.0 - 1.5 / 32768.0,
        dc_threshold_db: float = -50.0,
        phase_threshold: float = -0.5,
    ) -> None:
        self.rate = sample_rate
        self.layout = layout
        self.nch = len(layout)
        self.stream = stream
        self.silence_thr = 10.0 ** (silence_threshold_db / 20.0)
        self.silence_threshold_db = silence_threshold_db
        self.silence_min = max(1, round(silence_min_seconds * sample_rate))
        self.clip_min_run = max(1, clip_min_run)
        self.clip_level = clip_level
        self.dc_thr = 10.0 ** (dc_threshold_db / 20.0)
        self.phase_threshold = phase_threshold
        self.total = 0
        self.silence = _Runs()
        self.clip_runs = [_Runs() for _ in range(self.nch)]
        self.clip_open: list[list[int] | None] = [None] * self.nch  # [start, end, clipped samples, runs]
        self.events: list[AudioEvent] = []
        self.sums = np.zeros(self.nch)
        self.peaks = np.zeros(self.nch)
        self.pairs = channel_pairs(layout)
        self.pair_sums = np.zeros((len(self.pairs), 3))  # sum xy, sum xx, sum yy
        self.win = max(1, round(PHASE_WINDOW_SECONDS * sample_rate))
        self.pending: Samples = np.zeros((self.nch, 0))
        self.windows_done = 0
        self.phase_open: list[list[float] | None] = [None] * len(self.pairs)  # [start window, min corr]
        self.same = {(i, j) for i in range(self.nch) for j in range(i + 1, self.nch)}

    def add(self, x: Samples) -> None:
        """Feed one planar chunk (channels, frames), float32 or float64."""
        n = x.shape[1]
        if n == 0:
            return
        hi, lo = x.max(axis=1), x.min(axis=1)
        amax = np.maximum(hi, -lo).astype(np.float64)
        self.peaks = np.maximum(self.peaks, amax)
        self.sums += x.sum(axis=1)  # pairwise sums: float32 error ~1e-6 of the level, far below a DC threshold
        if amax.max() <= self.silence_thr:
            quiet = np.ones(n, dtype=bool)
        else:
            thr = x.dtype.type(self.silence_thr)
            quiet = (x.max(axis=0) <= thr) & (x.min(axis=0) >= -thr)
        self._silence(*self.silence.feed(quiet, self.total))
        for c in range(self.nch):
            if amax[c] >= self.clip_level or self.clip_runs[c].open_start is not None:
                self._clips(c, *self.clip_runs[c].feed(np.abs(x[c]) >= self.clip_level, self.total))
        for i, j in list(self.same):
            if not _same(x[i], x[j]):
                self.same.discard((i, j))
        if self.pairs:
            self._phase(x)
        self.total += n

    def _silence(self, starts: NDArray[np.intp], ends: NDArray[np.intp]) -> None:
        keep = ends - starts >= self.silence_min
        for s, e in zip(starts[keep].tolist(), ends[keep].tolist(), strict=True):
            self.events.append(
                AudioEvent(
                    "silence",
                    s / self.rate,
                    e / self.rate,
                    self.stream,
                    None,
                    {"threshold_dbfs": self.silence_threshold_db},
                )  # fmt: skip
            )

    def _clips(self, c: int, starts: NDArray[np.intp], ends: NDArray[np.intp]) -> None:
        keep = ends - starts >= self.clip_min_run
        for s, e in zip(starts[keep].tolist(), ends[keep].tolist(), strict=True):
            self._clip(c, s, e)

    def _clip(self, c: int, s: int, e: int) -> None:
        cur = self.clip_open[c]
        if cur is not None and s - cur[1] <= CLIP_MERGE_SECONDS * self.rate:
            cur[1] = e
            cur[2] += e - s
            cur[3] += 1
            return
        self._close_clip(c)
        self.clip_open[c] = [s, e, e - s, 1]

    def _close_clip(self, c: int) -> None:
        cur = self.clip_open[c]
        if cur is None:
            return
        self.clip_open[c] = None
        self.events.append(
            AudioEvent("clipping", cur[0] / self.rate, cur[1] / self.rate, self.stream, self.layout[c],
                       {"clipped_samples": cur[2], "runs": cur[3], "start_sample": cur[0], "end_sample": cur[1]})
        )  # fmt: skip

    def _phase(self, x: Samples) -> None:
        """Correlation of each pair per 1 s window (sums in float64); the whole-stream sums from the windows."""
        have = self.pending.shape[1]
        if have + x.shape[1] < self.win:
            self.pending = np.concatenate([self.pending, x], axis=1)
            return
        head = None
        if have:  # complete the window begun in the last chunk
            take = self.win - have
            head = np.concatenate([self.pending, x[:, :take]], axis=1)
            x = x[:, take:]
        nwin = x.shape[1] // self.win
        used = nwin * self.win
        for p, (i, j) in enumerate(self.pairs):
            wa = x[i, :used].reshape(nwin, self.win)
            wb = x[j, :used].reshape(nwin, self.win)
            xy = np.einsum("ij,ij->i", wa, wb, dtype=np.float64)
            xx = np.einsum("ij,ij->i", wa, wa, dtype=np.float64)
            yy = np.einsum("ij,ij->i", wb, wb, dtype=np.float64)
            if head is not None:
                u = _dots(head[i], head[j])
                xy, xx, yy = (np.concatenate([[h], v]) for h, v in zip(u, (xy, xx, yy), strict=True))
            self.pair_sums[p] += (xy.sum(), xx.sum(), yy.sum())
            loud = np.minimum(xx, yy) > self.win * self.silence_thr**2
            corr = np.where(loud, xy / np.sqrt(np.maximum(xx * yy, 1e-300)), 1.0)
            for k, r in enumerate(corr.tolist()):
                self._phase_window(p, self.windows_done + k, r)
        self.windows_done += nwin + (head is not None)
        self.pending = x[:, used:].copy()

    def _phase_window(self, p: int, w: int, r: float) -> None:
        cur = self.phase_open[p]
        if r < self.phase_threshold:
            if cur is None:
                self.phase_open[p] = [float(w), r, float(w + 1)]
            else:
                cur[1] = min(cur[1], r)
                cur[2] = float(w + 1)
            return
        self._close_phase(p)

    def _close_phase(self, p: int) -> None:
        cur = self.phase_open[p]
        if cur is None:
            return
        self.phase_open[p] = None
        i, j = self.pairs[p]
        self.events.append(
            AudioEvent("phase", cur[0] * self.win / self.rate, min(cur[2] * self.win, self.total) / self.rate,
                       self.stream, f"{self.layout[i]}/{self.layout[j]}", {"min_correlation": round(cur[1], 3)})
        )  # fmt: skip

    def finish(self) -> None:
        """Close open runs and add the whole-stream findings."""
        if self.pending.shape[1]:  # the last part-window counts in the whole-stream correlation
            for p, (i, j) in enumerate(self.pairs):
                self.pair_sums[p] += _dots(self.pending[i], self.pending[j])
            self.pending = self.pending[:, :0]
        self._silence(*self.silence.finish(self.total))
        for c in range(self.nch):
            self._clips(c, *self.clip_runs[c].finish(self.total))
            self._close_clip(c)
        for p in range(len(self.pairs)):
            self._close_phase(p)
        end = self.total / self.rate
        for c, mean in enumerate(self.dc_offsets()):
            if abs(mean) >= self.dc_thr:
                self.events.append(
                    AudioEvent("dc_offset", 0.0, end, self.stream, self.layout[c],
                               {"mean": round(mean, 6), "dbfs": _db(abs(mean))})
                )  # fmt: skip
        silent = [c for c in range(self.nch) if self.peaks[c] <= self.silence_thr]
        for c in silent:
            self.events.append(
                AudioEvent("silent_channel", 0.0, end, self.stream, self.layout[c],
                           {"peak_dbfs": _db(float(self.peaks[c])), "threshold_dbfs": self.silence_threshold_db})
            )  # fmt: skip
        for i, j in sorted(self.same):
            if i in silent or j in silent:
                continue
            self.events.append(
                AudioEvent("identical_channels", 0.0, end, self.stream, self.layout[j], {"same_as": self.layout[i]})
            )
        self.events.sort(key=lambda e: (e.start_seconds, e.kind, e.channel or ""))

    def dc_offsets(self) -> list[float]:
        """Mean of each channel over the whole stream."""
        return [float(s / self.total) if self.total else 0.0 for s in self.sums]

    def correlations(self) -> list[tuple[str, float | None]]:
        """Whole-stream phase correlation of each left/right pair (+1 in phase, -1 opposite)."""
        out: list[tuple[str, float | None]] = []
        for (i, j), (xy, xx, yy) in zip(self.pairs, self.pair_sums, strict=True):
            den = math.sqrt(xx * yy)
            out.append((f"{self.layout[i]}/{self.layout[j]}", round(xy / den, 4) if den > 0 else None))
        return out
