"""Shot changes from the video pass's own samples: no second decode.

For each decoded frame, VideoPass hands the sampled luma and chroma it already made to a ShotTrack,
which keeps two numbers of change from the frame before and a small signature of the picture:

- `pixel`: the mean absolute difference of the sampled luma, plus half that of the two chroma planes
  (8-bit levels), as PySceneDetect's ContentDetector scores a frame (it averages H, S and V);
- `signature`: the mean of the luma in a 4 x 4 grid of blocks and of each chroma plane in 2 x 2,
  which moves little when the camera or the subject moves and jumps at a cut. Measured on the
  generated masters of tests/qc/test_qc_conform_masters.py: within shots panning up to 14 pixels a
  frame the signature moves at most 2.4 levels, at cuts at least 7.7; the pixel score of a fast pan
  (25) comes close to that of a cut between two fast pans (47), which the signature tells apart.

A cut is a frame whose change stands out from the frames around it (adaptive threshold, as
PySceneDetect's AdaptiveDetector does): at least `ratio` times the median of the 2 x `window` frames
around it, and above an absolute floor, on the signature or on the pixel score. Dissolves and fades
change every frame of their length a little and stand out nowhere; a flash frame makes two cuts in a
row. Keeping the per-frame numbers (about 110 bytes a frame, 10 MB for an hour at 25 fps) lets the
conform check look at the picture around each edit of the cut afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

SIG_SIZE = 16 + 4 + 4  # luma 4 x 4, each chroma plane 2 x 2
Plane = NDArray[np.uint8 | np.uint16]  # a sampled picture plane (luma or chroma), as the video pass makes it
Signature = NDArray[np.float64]
Samples = tuple[Plane, list[Plane], Signature]  # a frame's luma, chroma and signature


@dataclass
class ShotOptions:
    """Thresholds of the cut detector (8-bit levels)."""

    window: int = 6  # frames each side whose median change is the background a cut must stand out from
    ratio: float = 3.0
    min_signature: float = 5.0  # a cut moves the signature by at least this much (mean over its cells)
    min_pixel: float = 20.0  # or the pixel score by this much, standing out as much


def _grid(plane: Plane, n: int) -> Signature:
    """Means of an n x n grid of blocks (the last rows and columns that do not fill a block are left out)."""
    h, w = plane.shape
    bh, bw = h // n, w // n
    if bh == 0 or bw == 0:
        return np.full(n * n, float(plane.mean()))
    cols = np.add.reduceat(plane[: bh * n, : bw * n], np.arange(0, bw * n, bw), axis=1, dtype=np.uint32)
    cells = np.add.reduceat(cols, np.arange(0, bh * n, bh), axis=0)
    means: Signature = cells.ravel() / (bh * bw)  # NumPy types ufuncs as returning Any
    return means


def _mad(a: Plane, b: Plane) -> float:
    """Mean absolute difference of two sample arrays of one type, without widening them."""
    d = np.maximum(a, b)
    d -= np.minimum(a, b)
    return int(d.sum(dtype=np.uint64)) / a.size


class ShotTrack:
    """Per-frame change numbers of one stretch of the picture (the whole, or one segment of it)."""

    def __init__(self, start_frame: int = 0, scale: int = 1) -> None:
        self.start = start_frame
        self.scale = scale  # 1 << (bit depth - 8): numbers are kept in 8-bit levels
        self.n = 0
        self.pixel = np.zeros(1024, np.float32)
        self.sig = np.zeros(1024, np.float32)  # change of the signature from the frame before
        self.sigs = np.zeros((1024, SIG_SIZE), np.float32)
        self.first: Samples | None = None
        self.last: Samples | None = None

    def _room(self, k: int) -> None:
        if self.n + k > len(self.pixel):
            size = max(2 * len(self.pixel), self.n + k)
            self.pixel = np.resize(self.pixel, size)
            self.sig = np.resize(self.sig, size)
            self.sigs = np.resize(self.sigs, (size, SIG_SIZE))

    def add(self, y: Plane, chroma: list[Plane], count: int = 1) -> None:
        """The next frame's samples; count > 1: the frames before it repeat the last picture."""
        sig = _grid(y, 4)
        for c in chroma[:2]:
            sig = np.concatenate((sig, _grid(c, 2)))
        if len(sig) < SIG_SIZE:
            sig = np.concatenate((sig, np.full(SIG_SIZE - len(sig), 128.0 * self.scale)))
        sig = sig / self.scale
        self._room(count)
        last = self.last
        if count > 1:
            self.hold(count - 1)
        i = self.n
        if last is None:
            self.pixel[i] = self.sig[i] = np.nan  # the change from a frame this track has not seen
            self.first = (y, chroma, sig)
        else:
            self.pixel[i], self.sig[i] = self._change(last, (y, chroma, sig))
        self.sigs[i] = sig
        self.n += 1
        self.last = (y, chroma, sig)

    def _change(self, a: Samples, b: Samples) -> tuple[float, float]:
        pixel = _mad(a[0], b[0])
        for ca, cb in zip(a[1][:2], b[1][:2], strict=False):
            if ca.shape == cb.shape:
                pixel += _mad(ca, cb) / 2
        return pixel / self.scale, float(np.abs(a[2] - b[2]).mean())

    def hold(self, count: int) -> None:
        """`count` frames repeat the last picture."""
        if self.last is None or count <= 0:
            return
        self._room(count)
        self.pixel[self.n : self.n + count] = 0.0
        self.sig[self.n : self.n + count] = 0.0
        self.sigs[self.n : self.n + count] = self.last[2]
        self.n += count

    def join(self, other: ShotTrack) -> None:
        """Append the track of the next segment (starting where this one ends), measuring the seam."""
        if other.n == 0:
            return
        if other.start > self.start + self.n:
            self.hold(other.start - self.start - self.n)
        self._room(other.n)
        i = self.n
        self.pixel[i : i + other.n] = other.pixel[: other.n]
        self.sig[i : i + other.n] = other.sig[: other.n]
        self.sigs[i : i + other.n] = other.sigs[: other.n]
        if self.last is not None and other.first is not None:
            self.pixel[i], self.sig[i] = self._change(self.last, other.first)
        self.n += other.n
        self.last = other.last

    def arrays(self) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float32]]:
        """(pixel, signature change, signatures) of the frames measured, the first frame's changes 0."""
        pixel = np.nan_to_num(self.pixel[: self.n].astype(np.float64), nan=0.0)
        sig = np.nan_to_num(self.sig[: self.n].astype(np.float64), nan=0.0)
        return pixel, sig, self.sigs[: self.n]


def _background(x: NDArray[np.float64], window: int) -> NDArray[np.float64]:
    """For each frame, the median of the `window` frames each side of it (itself left out)."""
    n = len(x)
    if n == 0:
        return x
    pad = np.concatenate((np.full(window, np.nan), x, np.full(window, np.nan)))
    view = np.lib.stride_tricks.sliding_window_view(pad, 2 * window + 1)
    around = np.delete(view, window, axis=1)
    with np.errstate(all="ignore"):
        med: NDArray[np.float64] = np.nanmedian(around, axis=1)
    return np.nan_to_num(med, nan=0.0)


def find_cuts(track: ShotTrack, options: ShotOptions | None = None) -> list[int]:
    """Frames (from the track's first) that start a new shot."""
    o = options or ShotOptions()
    pixel, sig, _ = track.arrays()
    if len(pixel) < 2:
        return []
    floor = 0.5  # a change out of a still picture still has to reach the absolute floors
    by_sig = (sig >= o.min_signature) & (sig >= o.ratio * np.maximum(_background(sig, o.window), floor))
    by_pixel = (pixel >= o.min_pixel) & (pixel >= o.ratio * np.maximum(_background(pixel, o.window), floor))
    hits = by_sig | by_pixel
    hits[0] = False
    return [int(i) for i in np.flatnonzero(hits)]


def signature_distance(track: ShotTrack, a: int, b: int) -> float:
    """How far apart the pictures of two frames are (mean over the signature's cells, 8-bit levels)."""
    sigs = track.sigs
    n = track.n
    a, b = min(max(a, 0), n - 1), min(max(b, 0), n - 1)
    return float(np.abs(sigs[a] - sigs[b]).mean())
