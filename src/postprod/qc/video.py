"""Video QC in one decode pass: black, freeze, luma/chroma outside the legal range, letterbox and pillarbox bars."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import av
import numpy as np

from postprod.errors import FileFormatError
from postprod.qc.events import Event, Timebase, frame_event
from postprod.qc.probe import ProbeResult, open_media, probe, timebase_for

Progress = Callable[[float], None]
_DECODE_THREADS = 0  # FFmpeg's pick (cores + 1 frame threads); more measured slower here
_THREAD_TYPE = "FRAME"


@dataclass
class VideoOptions:
    """Detection thresholds; the defaults follow ffmpeg's blackdetect, freezedetect and cropdetect."""

    black_pixel_threshold: float = 0.10  # a pixel is black below black + 10 % of the legal luma span (pix_th)
    black_ratio: float = 0.98  # a frame is black when 98 % of its pixels are (picture_black_ratio_th)
    black_min_frames: int = 1
    freeze_noise: float = 0.001  # mean absolute luma difference to the still's first frame, fraction of full scale
    freeze_min_seconds: float = 1.0
    luma_range: tuple[int, int] = (16, 235)  # 8-bit codes, scaled for higher bit depths
    chroma_range: tuple[int, int] = (16, 240)
    range_max_percent: float = 1.0  # a frame is out of range when more than this percent of its pixels are
    check_range: bool = True
    bars_threshold: float = 0.05  # a bar line averages below black + 5 % of the luma span (cropdetect limit)
    bars_min_fraction: float = 0.03  # bars thinner than 3 % of the picture are ignored
    bars_min_seconds: float = 1.0
    check_bars: bool = True
    max_width: int = 320  # luma is sampled with a stride that brings the width under this


@dataclass
class VideoReport:
    """Frame-level measurements and the events found in one pass."""

    stream: int
    frames: int
    frame_rate: Fraction
    width: int
    height: int
    pixel_format: str
    bit_depth: int
    events: list[Event] = field(default_factory=list)
    luma_mean: float = 0.0
    luma_min: int = 0
    luma_max: int = 0
    max_luma_out_percent: float = 0.0
    max_chroma_out_percent: float = 0.0
    stopped_at_frame: int | None = None
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "stream": self.stream,
            "frames": self.frames,
            "frame_rate": f"{self.frame_rate.numerator}/{self.frame_rate.denominator}"
            if self.frame_rate.denominator != 1
            else str(self.frame_rate.numerator),
            "width": self.width,
            "height": self.height,
            "pixel_format": self.pixel_format,
            "bit_depth": self.bit_depth,
            "luma_mean": round(self.luma_mean, 3),
            "luma_min": self.luma_min,
            "luma_max": self.luma_max,
            "max_luma_out_percent": round(self.max_luma_out_percent, 3),
            "max_chroma_out_percent": round(self.max_chroma_out_percent, 3),
            "stopped_at_frame": self.stopped_at_frame,
            "error": self.error,
            "events": [e.to_dict() for e in self.events],
        }


def _plane(frame: Any, i: int, dtype: Any) -> np.ndarray:
    """A view of one plane of a decoded frame, without copying (the line stride is sliced off)."""
    p = frame.planes[i]
    item = np.dtype(dtype).itemsize
    arr = np.frombuffer(p, dtype=dtype)
    return arr.reshape(p.height, p.line_size // item)[:, : p.width]


class _Planes:
    """Turns decoded frames into sampled luma and chroma arrays for a pixel format."""

    def __init__(self, pix_fmt: str, width: int, max_width: int) -> None:
        fmt = av.VideoFormat(pix_fmt)
        comps = fmt.components
        self.bits = max(c.bits for c in comps) if comps else 8
        planar_yuv = (pix_fmt.startswith(("yuv", "yuvj", "gray")) and "p" in pix_fmt[3:]) or pix_fmt.startswith("gray")
        self.convert: str | None = None
        if not planar_yuv:
            self.convert = "yuv444p" if self.bits <= 8 else "yuv444p16le"
            self.bits = 8 if self.bits <= 8 else 16
        self.dtype = np.uint8 if self.bits <= 8 else np.dtype("<u2")
        self.has_chroma = not pix_fmt.startswith("gray")
        self.step = max(1, -(-width // max_width))
        self.rgb_source = self.convert is not None

    def get(self, frame: Any, want_chroma: bool = True) -> tuple[np.ndarray, list[np.ndarray]]:
        if self.convert:
            frame = frame.reformat(format=self.convert)
        s = self.step
        # One strided copy into a small contiguous array: every later reduction runs on it at full speed.
        y = np.ascontiguousarray(_plane(frame, 0, self.dtype)[::s, ::s])
        chroma: list[np.ndarray] = []
        if want_chroma and self.has_chroma and len(frame.planes) >= 3:
            # chroma sampled as sparsely as luma, copied: min and max then run on contiguous memory (5x faster)
            chroma = [np.ascontiguousarray(_plane(frame, i, self.dtype)[::s, ::s]) for i in (1, 2)]
        return y, chroma


def _leading(mask: np.ndarray) -> int:
    """How many leading entries of a 1-D boolean array are True."""
    if mask.size == 0 or not mask[0]:
        return 0
    false = np.flatnonzero(~mask)
    return int(false[0]) if false.size else int(mask.size)


def analyze_video(
    path: str | os.PathLike[str],
    *,
    info: ProbeResult | None = None,
    options: VideoOptions | None = None,
    progress: Progress | None = None,
) -> VideoReport:
    """Decode the first video stream once and find black, freeze, out-of-range and bars, as runs of frames."""
    opts = options or VideoOptions()
    info = info or probe(path)
    if not info.video:
        raise FileFormatError(str(path), "no video stream")
    vinfo = info.video[0]
    rate = vinfo.frame_rate or Fraction(25)
    tb: Timebase = timebase_for(info)
    container = open_media(path)
    try:
        stream = container.streams.video[0]
        stream.thread_type = _THREAD_TYPE
        stream.codec_context.thread_count = _DECODE_THREADS
        return _run(container, stream, vinfo.pixel_format or "yuv420p", rate, tb, info, opts, progress, str(path))
    finally:
        container.close()


def _run(
    container: Any,
    stream: Any,
    pix_fmt: str,
    rate: Fraction,
    tb: Timebase,
    info: ProbeResult,
    opts: VideoOptions,
    progress: Progress | None,
    path: str,
) -> VideoReport:
    planes: _Planes | None = None
    tbase = stream.time_base
    duration = float(info.duration_seconds or 0)
    runs = _FrameRuns(opts, rate)  # per-frame flags become runs as they come: memory does not grow with duration
    frames = 0
    luma_sum = 0.0
    max_lout = max_cout = 0.0
    lmin, lmax = 1 << 20, -1
    ref: np.ndarray | None = None  # first frame of the current still (sampled luma)
    ref_rows: np.ndarray | None = None  # its row sums
    # Row and column sums fit in uint32 (NumPy sums uint8/uint16 into uint32 several times faster than
    # into 64 bits): the sampled picture is at most max_width wide, and rows * 65535 stays far below 2**32.
    first_pts: int | None = None
    tb_num, tb_den = tbase.numerator, tbase.denominator
    error: str | None = None
    last_report = 0
    width = height = 0
    bits = 8
    black_thr = freeze_thr = 0.0
    lo = hi = clo = chi = 0
    bar_thr = 0.0
    full_range = False

    try:
        for frame in container.decode(stream):
            if planes is None:
                fmt_name = frame.format.name
                planes = _Planes(fmt_name, frame.width, opts.max_width)
                width, height = frame.width, frame.height
                runs.dims = (width, height)
                bits = planes.bits
                scale = 1 << (bits - 8)
                full_range = fmt_name.startswith("yuvj") or info.video[0].colour_range == "pc" or planes.rgb_source
                black_lvl, white_lvl = (0, 255 * scale) if full_range else (16 * scale, 235 * scale)
                black_thr = black_lvl + opts.black_pixel_threshold * (white_lvl - black_lvl)
                bar_thr = black_lvl + opts.bars_threshold * (white_lvl - black_lvl)
                freeze_thr = opts.freeze_noise * ((1 << bits) - 1)
                lo, hi = opts.luma_range[0] * scale, opts.luma_range[1] * scale
                clo, chi = opts.chroma_range[0] * scale, opts.chroma_range[1] * scale
            # Frame index from the presentation time: a gap (VFR duplicate dropping) repeats the last picture.
            idx = frames
            if frame.pts is not None:
                if first_pts is None:
                    first_pts = frame.pts
                # round((pts - first) * time_base * rate) in integers: no Fraction per frame
                num = (frame.pts - first_pts) * tb_num * rate.numerator
                den = tb_den * rate.denominator
                idx = max(idx, (2 * num + den) // (2 * den))
            y, chroma = planes.get(frame, opts.check_range and not full_range)
            n = y.size
            row_sums = y.sum(axis=1, dtype=np.uint32)  # mean, freeze bound and letterbox from one pass
            total = int(row_sums.sum())
            mean = total / n
            ymin, ymax = int(y.min()), int(y.max())
            # Black needs black_ratio of the pixels <= black_thr, so the sum is at most
            # ratio*n*thr + (1-ratio)*n*ymax: above that, no need to count.
            if ymin > black_thr or total > n * (opts.black_ratio * black_thr + (1 - opts.black_ratio) * ymax):
                blk = False
            else:
                blk = bool(np.count_nonzero(y <= black_thr) >= opts.black_ratio * n)
            if ref is None or blk:
                same = False
            elif int(np.abs(row_sums.astype(np.int64) - ref_rows).sum()) > freeze_thr * n:
                same = False  # sum|y - ref| >= sum over rows of |row sum difference|: too different
            else:
                diff = np.maximum(y, ref)
                diff -= np.minimum(y, ref)  # |y - ref| without leaving the sample type
                same = int(diff.sum(dtype=np.uint64)) <= freeze_thr * n
            if not same:
                ref, ref_rows = y, row_sums
            l_pct = c_pct = 0.0
            if opts.check_range and not full_range:
                if ymin < lo or ymax > hi:  # most frames are legal: min and max settle it without counting
                    l_pct = float(100.0 * (np.count_nonzero(y < lo) + np.count_nonzero(y > hi)) / n)
                bad = 0
                for c in chroma:
                    if int(c.min()) < clo or int(c.max()) > chi:
                        bad += int(np.count_nonzero(c < clo) + np.count_nonzero(c > chi))
                if bad:
                    c_pct = float(100.0 * bad / sum(c.size for c in chroma))
            top = side = 0
            if opts.check_bars and not blk:
                rows = row_sums <= bar_thr * y.shape[1]
                cols = y.sum(axis=0, dtype=np.uint32) <= bar_thr * y.shape[0]
                top = min(_leading(rows), _leading(rows[::-1])) * planes.step
                side = min(_leading(cols), _leading(cols[::-1])) * planes.step
            lmin, lmax = min(lmin, ymin), max(lmax, ymax)
            count = idx - frames + 1  # more than 1 after a pts gap (VFR duplicate dropping)
            runs.add(frames, count, blk, same, l_pct, c_pct, top, side)
            frames += count
            luma_sum += mean * count
            max_lout, max_cout = max(max_lout, l_pct), max(max_cout, c_pct)
            if progress and duration > 0 and frames - last_report >= 25:
                last_report = frames
                progress(min(1.0, float(frames / rate) / duration))
    except (av.FFmpegError, ValueError, EOFError) as exc:
        error = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    if not frames:
        if error:
            raise FileFormatError(path, f"no video frame could be decoded ({error})")
        raise FileFormatError(path, "no video frame in the file")
    if progress:
        progress(1.0)
    report = VideoReport(
        stream=stream.index,
        frames=frames,
        frame_rate=rate,
        width=width,
        height=height,
        pixel_format=planes.convert or pix_fmt if planes else pix_fmt,
        bit_depth=bits,
        luma_mean=luma_sum / frames,
        luma_min=lmin,
        luma_max=lmax,
        max_luma_out_percent=float(max_lout),
        max_chroma_out_percent=float(max_cout),
    )
    if error:
        report.stopped_at_frame = frames
        report.error = f"decoding stopped at frame {frames} ({tb.tc(frames)}): {error}"
    report.events = runs.events(tb, stream.index, frames, width, height)
    return report


class _Run:
    """One open run of frames: where it began and what its frames measured."""

    __slots__ = ("start", "peak", "counts")

    def __init__(self, start: int) -> None:
        self.start = start
        self.peak = 0.0
        self.counts: Counter[int] = Counter()


class _FrameRuns:
    """Turns per-frame flags into runs of frames (black, freeze, range, bars) as the frames come."""

    def __init__(self, opts: VideoOptions, rate: Fraction) -> None:
        self.opts = opts
        self.rate = rate
        self.min_freeze = max(2, round(opts.freeze_min_seconds * rate))
        self.min_bars = max(1, round(opts.bars_min_seconds * rate))
        self.open: dict[str, _Run] = {}
        self.done: list[tuple[str, int, int, _Run]] = []
        self.dims = (0, 0)

    def add(
        self, frame: int, count: int, black: bool, still: bool, lout: float, cout: float, top: int, side: int
    ) -> None:
        """Frames [frame, frame + count) with these measurements (count > 1 repeats a held picture)."""
        o = self.opts
        self._step("black", black, frame)
        if count > 1:  # a pts gap: the frames before this picture repeat the held one, so they are still
            self._step("freeze", True, frame)
        self._step("freeze", still, frame + count - 1)
        self._step("luma_range", lout > o.range_max_percent, frame, lout)
        self._step("chroma_range", cout > o.range_max_percent, frame, cout)
        w, h = self.dims
        self._step("letterbox", h > 0 and top >= o.bars_min_fraction * h, frame, count=(top, count))
        self._step("pillarbox", w > 0 and side >= o.bars_min_fraction * w, frame, count=(side, count))

    def _step(self, kind: str, on: bool, frame: int, value: float = 0.0, count: tuple[int, int] | None = None) -> None:
        run = self.open.get(kind)
        if on:
            if run is None:
                run = self.open[kind] = _Run(frame)
            run.peak = max(run.peak, value)
            if count is not None:
                run.counts[count[0]] += count[1]
        elif run is not None:
            self.done.append((kind, run.start, frame, self.open.pop(kind)))

    def events(self, tb: Timebase, sidx: int, frames: int, width: int, height: int) -> list[Event]:
        """Close the open runs at the last frame and keep the runs long enough to count."""
        for kind in list(self.open):
            self.done.append((kind, self.open[kind].start, frames, self.open.pop(kind)))
        o = self.opts
        events: list[Event] = []
        for kind, s, e, run in self.done:
            if kind == "black" and e - s >= o.black_min_frames:
                events.append(frame_event(tb, "black", s, e, stream=sidx))
            elif kind == "freeze":
                s0 = max(0, s - 1)  # a frame is still when it matches the first frame of its still
                if e - s0 >= self.min_freeze:
                    detail = {"seconds": round(float((e - s0) / self.rate), 3)}
                    events.append(frame_event(tb, "freeze", s0, e, stream=sidx, detail=detail))
            elif kind in ("luma_range", "chroma_range"):
                events.append(frame_event(tb, kind, s, e, stream=sidx, detail={"max_percent": round(run.peak, 3)}))
            elif kind in ("letterbox", "pillarbox") and e - s >= self.min_bars:
                detail = {"bar_pixels": _median(run.counts), "of": height if kind == "letterbox" else width}
                events.append(frame_event(tb, kind, s, e, stream=sidx, detail=detail))
        events.sort(key=lambda ev: (ev.start_frame, ev.kind))
        return events


def _median(counts: Counter[int]) -> int:
    """Median of values given as value -> count (the lower middle for an even total, as np.median rounds down here)."""
    total = sum(counts.values())
    seen = 0
    values = sorted(counts)
    for i, v in enumerate(values):
        seen += counts[v]
        if 2 * seen > total:
            return v
        if 2 * seen == total:
            return int((v + values[i + 1]) // 2) if i + 1 < len(values) else v
    return 0
