"""Video QC in one decode pass: black, freeze, luma/chroma outside the legal range, letterbox and pillarbox bars."""

from __future__ import annotations

import os
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import av
import numpy as np
from numpy.typing import NDArray

from postprod.errors import N_, FileFormatError
from postprod.qc.events import Event, Timebase, frame_event
from postprod.qc.probe import ProbeResult, open_media, probe, timebase_for
from postprod.qc.shots import Plane, ShotTrack

if TYPE_CHECKING:
    from av.packet import Packet
    from av.stream import Stream

Progress = Callable[[float], None]
RowSums = NDArray[np.uint32]  # of a sampled luma plane
DEMUX_ERRORS = (av.FFmpegError, ValueError, EOFError)
MAX_BAD_PACKETS = 250  # packets in a row that fail to decode before decoding is given up (10 s at 25 fps)
_DECODE_THREADS = 0  # FFmpeg's pick (cores + 1 frame threads); more measured slower here
_THREAD_TYPE = "FRAME"


@dataclass
class VideoOptions:
    """Detection thresholds; the defaults follow ffmpeg's blackdetect, freezedetect and cropdetect."""

    black_pixel_threshold: float = 0.10  # a pixel is black below black + 10 % of the legal luma span (pix_th)
    black_ratio: float = 0.98  # a frame is black when 98 % of its pixels are (picture_black_ratio_th)
    black_min_frames: int = 1
    freeze_noise: float = 0.001  # mean absolute luma difference to the still's first frame, fraction of full scale
    # Through compression a held picture is not repeated exactly: it drifts from its first frame by the
    # codec's noise (0.01 to 2.3 levels of 255 in long-GOP MPEG-2, up to ~4 in low-rate H.264, rising at
    # each I-frame). A run of frames within freeze_tolerance of its first frame is a freeze when the stream
    # itself shows the picture held: at least freeze_held_share of its frames repeat one of the REPEAT_LAGS
    # frames before within freeze_repeat (the codec skipped their blocks). Grain or slow motion makes every
    # frame a new picture, so it is not held. (Measured on the material of tests/qc/test_qc_freeze_codec.py:
    # a still after fast motion repeats in 47 to 82 % of its frames in MPEG-2 at 6 to 12 Mbit/s, 100 % in
    # H.264 at 1.5 to 4; grain of 4 levels in 5 to 14 %, except in H.264 under 3 Mbit/s, where the encoder
    # skips the grain for stretches and 40 % or more of the frames do repeat.)
    freeze_tolerance: float = 0.02  # 0: exact repeats only (ffmpeg's freezedetect)
    freeze_repeat: float = 0.0006  # 0.15 levels of 255
    freeze_held_share: float = 0.3
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
    shots: bool = False  # keep the per-frame change numbers that shot changes are found from (qc.shots)


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
    shots: ShotTrack | None = None  # per-frame change numbers, when VideoOptions.shots asked for them

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


def _plane(frame: av.VideoFrame, i: int, dtype: np.dtype[np.uint8 | np.uint16]) -> Plane:
    """A view of one plane of a decoded frame, without copying (the line stride is sliced off)."""
    p = frame.planes[i]
    item = dtype.itemsize
    # memoryview: the plane's own memory, no copy (NumPy's stubs for Python 3.11 name the buffer types
    # they take, and a PyAV plane is none of them)
    arr = np.frombuffer(memoryview(p), dtype=dtype)
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
        self.dtype: np.dtype[np.uint8 | np.uint16] = np.dtype(np.uint8) if self.bits <= 8 else np.dtype("<u2")
        self.has_chroma = not pix_fmt.startswith("gray")
        self.step = max(1, -(-width // max_width))
        self.rgb_source = self.convert is not None
        self.chroma_steps: tuple[int, int] | None = None  # (rows, columns), set from the first frame

    def get(self, frame: av.VideoFrame, want_chroma: bool = True) -> tuple[Plane, list[Plane]]:
        if self.convert:
            frame = frame.reformat(format=self.convert)
        s = self.step
        # One strided copy into a small contiguous array: every later reduction runs on it at full speed.
        y = np.ascontiguousarray(_plane(frame, 0, self.dtype)[::s, ::s])
        chroma: list[Plane] = []
        if want_chroma and self.has_chroma and len(frame.planes) >= 3:
            if self.chroma_steps is None:
                # As densely as 4:2:0 chroma at the luma step, whatever the subsampling: 4:2:2 and 4:4:4
                # planes take every other sampled row (and column), so a 10-bit 4:2:2 master costs no more
                # than 4:2:0 (the range check needs the share of pixels out of range, not every pixel).
                p = frame.planes[1]
                self.chroma_steps = (
                    max(1, s * 2 * p.height // max(1, frame.height)),
                    max(1, s * 2 * p.width // max(1, frame.width)),
                )
            sy, sx = self.chroma_steps
            # copied: min and max then run on contiguous memory (5x faster than on the strided view)
            chroma = [np.ascontiguousarray(_plane(frame, i, self.dtype)[::sy, ::sx]) for i in (1, 2)]
        return y, chroma


EXACT, NEAR = 2, 1  # a frame's closeness to the first frame of its still (0: a new picture)
FRESH, REPEAT, MOVED = 0, 1, 2  # how a frame of a still follows the frame before (VideoPass.step)


def _within(y: Plane, rows: RowSums, ref: Plane, ref_rows: RowSums, bound: float) -> int | None:
    """sum|y - ref| over the sampled picture when it is at most bound, else None."""
    if int(np.abs(rows.astype(np.int64) - ref_rows).sum()) > bound:
        return None  # sum|y - ref| >= sum over rows of |row sum difference|: too different
    diff = np.maximum(y, ref)
    diff -= np.minimum(y, ref)  # |y - ref| without leaving the sample type
    total = int(diff.sum(dtype=np.uint64))
    return total if total <= bound else None


def _leading(mask: NDArray[np.bool_]) -> int:
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
    info = info or probe(path)
    if not info.video:
        raise FileFormatError(str(path), "no video stream")
    container = open_media(path)
    try:
        stream = container.streams.video[0]
        vpass = VideoPass(stream, info, options, str(path), progress)
        try:
            for packet in container.demux(stream):
                vpass.decode(packet)
                if vpass.error is not None:
                    break
        except DEMUX_ERRORS as exc:  # the container: nothing can be read from here on
            vpass.stop(exc)
        return vpass.report()
    finally:
        container.close()


def prepare_stream(stream: av.VideoStream, threads: int = _DECODE_THREADS) -> None:
    """Decoder threading for a video stream about to be decoded (nothing once its decoder is open)."""
    if stream.codec_context.is_open:
        return
    stream.thread_type = _THREAD_TYPE
    stream.codec_context.thread_count = threads


class VideoPass:
    """The video measurements, fed one decoded frame at a time (by analyze_video or a shared demux loop).

    Per-frame flags become runs as they come, so memory does not grow with duration.
    """

    def __init__(
        self,
        stream: av.VideoStream,
        info: ProbeResult,
        options: VideoOptions | None,
        path: str,
        progress: Progress | None = None,
        *,
        first_pts: int | None = None,
        start_frame: int = 0,
        decode_threads: int = _DECODE_THREADS,
    ) -> None:
        """first_pts and start_frame place a segment of the stream (see video_segments) on the whole's frame grid."""
        prepare_stream(stream, decode_threads)
        self.stream = stream
        self.opts = opts = options or VideoOptions()
        self.stream_index = int(stream.index)
        self.info = info
        self.path = path
        self.progress = progress
        vinfo = info.video[0]
        self.pix_fmt = vinfo.pixel_format or "yuv420p"
        self.rate = rate = vinfo.frame_rate or Fraction(25)
        self.tb: Timebase = timebase_for(info)
        self.duration = float(info.duration_seconds or 0)
        self.runs = _FrameRuns(opts, rate)
        tbase = stream.time_base
        if tbase is None:
            raise FileFormatError(path, N_("video stream %(index)s has no time base"), params={"index": stream.index})
        self.tb_num, self.tb_den = tbase.numerator, tbase.denominator
        self.planes: _Planes | None = None
        self.frames = self.start_frame = start_frame
        self.first: tuple[Plane, RowSums, bool] | None = None  # first frame: sampled luma, row sums, black
        self.last_flags: tuple[bool, float, float, int, int] = (False, 0.0, 0.0, 0, 0)
        self.luma_sum = self.last_mean = 0.0
        self.max_lout = self.max_cout = 0.0
        self.lmin, self.lmax = 1 << 20, -1
        self.ref: Plane | None = None  # first frame of the current still (sampled luma)
        self.ref_rows: RowSums | None = None  # its row sums
        # the frames before (sampled luma, row sums), latest last
        self.recent: deque[tuple[Plane, RowSums]] = deque(maxlen=REPEAT_LAGS)
        self.first_pts = first_pts
        self.damage_at: int | None = None  # frame where packets that failed to decode began (pending)
        self.damage_msg = ""
        self.bad_packets = 0  # in a row
        self.error: str | None = None
        self.last_report = 0
        self.width = self.height = 0
        self.bits = 8
        self.black_thr = self.freeze_thr = self.soft_thr = self.repeat_thr = self.bar_thr = 0.0
        self.lo = self.hi = self.clo = self.chi = 0
        self.full_range = False
        self.shots = ShotTrack(start_frame) if opts.shots else None

    def _setup(self, frame: av.VideoFrame) -> _Planes:
        opts = self.opts
        fmt_name = frame.format.name
        planes = self.planes = _Planes(fmt_name, frame.width, opts.max_width)
        self.width, self.height = frame.width, frame.height
        self.runs.dims = (self.width, self.height)
        bits = self.bits = planes.bits
        scale = 1 << (bits - 8)
        self.full_range = full = (
            fmt_name.startswith("yuvj") or self.info.video[0].colour_range == "pc" or planes.rgb_source
        )
        black_lvl, white_lvl = (0, 255 * scale) if full else (16 * scale, 235 * scale)
        self.black_thr = black_lvl + opts.black_pixel_threshold * (white_lvl - black_lvl)
        self.bar_thr = black_lvl + opts.bars_threshold * (white_lvl - black_lvl)
        full_scale = (1 << bits) - 1
        self.freeze_thr = opts.freeze_noise * full_scale
        self.soft_thr = max(self.freeze_thr, opts.freeze_tolerance * full_scale)
        self.repeat_thr = opts.freeze_repeat * full_scale
        if self.shots is not None:
            self.shots.scale = scale
        self.lo, self.hi = opts.luma_range[0] * scale, opts.luma_range[1] * scale
        self.clo, self.chi = opts.chroma_range[0] * scale, opts.chroma_range[1] * scale
        return planes

    def index_of(self, pts: int) -> int:
        """The frame index of a presentation time: round((pts - first) * time_base * rate), in integers."""
        num = (pts - (self.first_pts or 0)) * self.tb_num * self.rate.numerator
        den = self.tb_den * self.rate.denominator
        return int((2 * num + den) // (2 * den))

    def seal(self, upto: int | None) -> None:
        """A segment ends before frame `upto` (None: at the end of the stream): pending damage stops there."""
        at = self.damage_at
        if at is None:
            return
        if upto is None:
            self._close_damage(self.frames)
        elif at < upto:
            self._close_damage(upto)
        else:  # the damaged packet's frames belong to the next segment, which decodes them too
            self.damage_at = None

    def decode(self, packet: Packet[av.VideoStream] | Packet[Stream]) -> None:
        """Decode one packet and measure its frames; a packet that fails to decode marks its frames unreadable.

        Decoding goes on after a damaged packet (as ffmpeg does), so the rest of the programme is still
        measured and the damage is an event with its timecodes; MAX_BAD_PACKETS in a row give up.
        """
        try:
            # packet.decode() would do the same, but PyAV types its result as any stream's frames
            frames = self.stream.decode(packet)
        except (av.FFmpegError, ValueError) as exc:
            self.damaged(exc)
            return
        for frame in frames:
            self.feed(frame)

    def damaged(self, exc: BaseException) -> None:
        """A packet failed to decode: the frames it carried are unreadable."""
        if self.damage_at is None:
            self.damage_at = self.frames
            self.damage_msg = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        self.bad_packets += 1
        if self.bad_packets > MAX_BAD_PACKETS:
            self.stop(exc)

    def _close_damage(self, upto: int) -> bool:
        """Mark the pending damage unreadable up to frame `upto` (at least one frame); True when there was some."""
        at = self.damage_at
        if at is None:
            return False
        self.runs.unreadable(at, max(upto, at + 1), self.damage_msg)
        self.damage_at = None
        self.bad_packets = 0
        return True

    def feed(self, frame: av.VideoFrame) -> None:
        """Measure one decoded frame."""
        if self.error is not None:
            return
        opts = self.opts
        planes = self.planes or self._setup(frame)
        frames = self.frames
        # Frame index from the presentation time: a gap (VFR duplicate dropping) repeats the last picture.
        idx = frames
        if frame.pts is not None:
            if self.first_pts is None:
                self.first_pts = frame.pts
            idx = max(idx, self.index_of(frame.pts))
        check_range = opts.check_range and not self.full_range
        y, chroma = planes.get(frame, check_range or self.shots is not None)
        n = y.size
        # Row sums fit in uint32 (NumPy sums uint8/uint16 into uint32 several times faster than into 64
        # bits): the sampled picture is at most max_width wide, and rows * 65535 stays far below 2**32.
        row_sums = y.sum(axis=1, dtype=np.uint32)  # mean, freeze bound and letterbox from one pass
        total = int(row_sums.sum())
        mean = total / n
        ymin, ymax = int(y.min()), int(y.max())
        black_thr = self.black_thr
        # Black needs black_ratio of the pixels <= black_thr, so the sum is at most
        # ratio*n*thr + (1-ratio)*n*ymax: above that, no need to count.
        if ymin > black_thr or total > n * (opts.black_ratio * black_thr + (1 - opts.black_ratio) * ymax):
            blk = False
        else:
            blk = bool(np.count_nonzero(y <= black_thr) >= opts.black_ratio * n)
        if self.first is None:
            self.first = (y, row_sums, blk)
        same = 0 if blk else self.still(y, row_sums, self.ref, self.ref_rows)
        if not same:
            self.ref, self.ref_rows = y, row_sums
        repeat = REPEAT if same == EXACT else self.step(y, row_sums) if same == NEAR else FRESH
        self.recent.append((y, row_sums))
        l_pct = c_pct = 0.0
        if check_range:
            lo, hi, clo, chi = self.lo, self.hi, self.clo, self.chi
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
            bar_thr = self.bar_thr
            rows = row_sums <= bar_thr * y.shape[1]
            cols = y.sum(axis=0, dtype=np.uint32) <= bar_thr * y.shape[0]
            top = min(_leading(rows), _leading(rows[::-1])) * planes.step
            side = min(_leading(cols), _leading(cols[::-1])) * planes.step
        self.lmin, self.lmax = min(self.lmin, ymin), max(self.lmax, ymax)
        count = idx - frames + 1  # more than 1 after a pts gap (VFR duplicate dropping, or damage)
        held = not self._close_damage(idx)  # frames lost to damage are unreadable, not a held picture
        self.bad_packets = 0
        self.runs.add(frames, count, blk, same, l_pct, c_pct, top, side, held=held, step=repeat)
        if self.shots is not None:
            self.shots.add(y, chroma, count)
        self.last_flags = (blk, l_pct, c_pct, top, side)
        self.frames = frames = frames + count
        self.luma_sum += mean * count
        self.last_mean = mean
        self.max_lout, self.max_cout = max(self.max_lout, l_pct), max(self.max_cout, c_pct)
        if self.progress and self.duration > 0 and frames - self.last_report >= 25:
            self.last_report = frames
            self.progress(min(1.0, float(frames / self.rate) / self.duration))

    def still(self, y: Plane, rows: RowSums, ref: Plane | None, ref_rows: RowSums | None) -> int:
        """How close a sampled frame is to the first frame of a still: EXACT within the freeze noise, NEAR within
        the compression tolerance, else 0."""
        if ref is None or ref_rows is None:
            return 0
        total = _within(y, rows, ref, ref_rows, self.soft_thr * y.size)
        if total is None:
            return 0
        return EXACT if total <= self.freeze_thr * y.size else NEAR

    def step(self, y: Plane, rows: RowSums) -> int:
        """How a frame follows the ones before: REPEAT when it repeats one of them within the repeat noise (the
        codec skipped its blocks; in long GOPs a B-frame repeats the B-frame of the GOP before rather than the
        P-frame next to it), FRESH when it is within half the compression tolerance of the frame before (coded
        afresh, as an I-frame is), else MOVED (a new picture)."""
        if not self.recent:
            return MOVED
        last, last_rows = self.recent[-1]
        total = _within(y, rows, last, last_rows, self.soft_thr * y.size / 2)
        if total is None:
            return MOVED
        bound = self.repeat_thr * y.size
        if total <= bound:
            return REPEAT
        for earlier, earlier_rows in list(self.recent)[:-1]:
            if _within(y, rows, earlier, earlier_rows, bound) is not None:
                return REPEAT
        return FRESH

    def hold_until(self, frame: int) -> None:
        """The last picture is held up to `frame` (a gap in the presentation times before the next segment)."""
        if frame > self.frames and self.first is not None:
            blk, lout, cout, top, side = self.last_flags
            self.runs.add(self.frames, frame - self.frames, blk, EXACT, lout, cout, top, side)
            if self.shots is not None:
                self.shots.hold(frame - self.frames)
            self.luma_sum += self.last_mean * (frame - self.frames)
            self.frames = frame

    def stop(self, exc: BaseException) -> None:
        """Decoding failed here: later frames are ignored and the report says where it stopped."""
        if self.error is None:
            self.error = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__

    def announced_frames(self) -> int:
        """Frames the file's header announces: its frame count, else duration x rate; 0 when unknown."""
        return int(self.info.video[0].frames or 0) or round(self.duration * self.rate)

    def report(self) -> VideoReport:
        """The measurements; raises when not one frame could be measured."""
        self._close_damage(self.frames)
        frames, error, planes = self.frames, self.error, self.planes
        if not frames:
            if error:
                raise FileFormatError(
                    self.path, N_("no video frame could be decoded (%(error)s)"), params={"error": error}
                )
            raise FileFormatError(self.path, "no video frame in the file")
        if self.progress:
            self.progress(1.0)
        report = VideoReport(
            stream=self.stream_index,
            frames=frames,
            frame_rate=self.rate,
            width=self.width,
            height=self.height,
            pixel_format=planes.convert or self.pix_fmt if planes else self.pix_fmt,
            bit_depth=self.bits,
            luma_mean=self.luma_sum / frames,
            luma_min=self.lmin,
            luma_max=self.lmax,
            max_luma_out_percent=float(self.max_lout),
            max_chroma_out_percent=float(self.max_cout),
            shots=self.shots,
        )
        announced = self.announced_frames()
        if error:
            report.stopped_at_frame = frames
            report.error = f"decoding stopped at frame {frames} ({self.tb.tc(frames)}): {error}"
        elif announced and frames < announced - max(2, round(self.rate / 2)):  # half a second short
            report.stopped_at_frame = frames
            report.error = f"decoding stopped at frame {frames} ({self.tb.tc(frames)}) of about {announced}"
        report.events = self.runs.events(self.tb, self.stream_index, frames, self.width, self.height)
        return report


class FrameRun:
    """One open run of frames: where it began and what its frames measured."""

    __slots__ = ("start", "peak", "counts", "message", "held")

    def __init__(self, start: int) -> None:
        self.start = start
        self.peak = 0.0
        self.counts: Counter[int] = Counter()
        self.message = ""
        self.held = bytearray()  # freeze runs: how each frame follows the one before (FRESH, REPEAT, MOVED)


class _FrameRuns:
    """Turns per-frame flags into runs of frames (black, freeze, range, bars) as the frames come."""

    def __init__(self, opts: VideoOptions, rate: Fraction) -> None:
        self.opts = opts
        self.rate = rate
        self.open: dict[str, FrameRun] = {}
        self.done: list[tuple[str, int, int, FrameRun]] = []
        self.dims = (0, 0)

    def add(
        self,
        frame: int,
        count: int,
        black: bool,
        still: int,
        lout: float,
        cout: float,
        top: int,
        side: int,
        held: bool = True,
        step: int = REPEAT,
    ) -> None:
        """Frames [frame, frame + count) with these measurements (count > 1 repeats a held picture).

        still: EXACT, NEAR or 0 (VideoPass.still); step: how the frame follows the one before (VideoPass.step).
        """
        o = self.opts
        self._step("black", black, frame)
        if count > 1:  # a pts gap: the frames before this picture repeat the held one, so they are still
            self._freeze(held, frame, count - 1, REPEAT)
        self._freeze(bool(still), frame + count - 1, 1, REPEAT if still == EXACT else step)
        self._step("luma_range", lout > o.range_max_percent, frame, lout)
        self._step("chroma_range", cout > o.range_max_percent, frame, cout)
        w, h = self.dims
        self._step("letterbox", h > 0 and top >= o.bars_min_fraction * h, frame, count=(top, count))
        self._step("pillarbox", w > 0 and side >= o.bars_min_fraction * w, frame, count=(side, count))

    def _freeze(self, on: bool, frame: int, count: int, step: int) -> None:
        """`count` frames from `frame` within the tolerance of their still's first frame (on), or a new picture."""
        self._step("freeze", on, frame)
        if on:
            self.open["freeze"].held.extend(bytes((step,)) * count)

    def _step(self, kind: str, on: bool, frame: int, value: float = 0.0, count: tuple[int, int] | None = None) -> None:
        run = self.open.get(kind)
        if on:
            if run is None:
                run = self.open[kind] = FrameRun(frame)
            run.peak = max(run.peak, value)
            if count is not None:
                run.counts[count[0]] += count[1]
        elif run is not None:
            self.done.append((kind, run.start, frame, self.open.pop(kind)))

    def unreadable(self, start: int, end: int, message: str) -> None:
        """Frames [start, end) that could not be decoded."""
        run = FrameRun(start)
        run.message = message
        self.done.append(("unreadable", start, end, run))

    def close(self, frames: int) -> list[tuple[str, int, int, FrameRun]]:
        """Every run, the open ones closed at `frames` (the end of what was decoded)."""
        for kind in list(self.open):
            self.done.append((kind, self.open[kind].start, frames, self.open.pop(kind)))
        return self.done

    def events(self, tb: Timebase, sidx: int, frames: int, width: int, height: int) -> list[Event]:
        """Close the open runs at the last frame and keep the runs long enough to count."""
        return runs_to_events(self.close(frames), self.opts, self.rate, tb, sidx, width, height)


def runs_to_events(
    runs: list[tuple[str, int, int, FrameRun]],
    o: VideoOptions,
    rate: Fraction,
    tb: Timebase,
    sidx: int,
    width: int,
    height: int,
) -> list[Event]:
    """Runs of flagged frames as events, keeping the runs long enough to count."""
    min_freeze = max(2, round(o.freeze_min_seconds * rate))
    min_bars = max(1, round(o.bars_min_seconds * rate))
    events: list[Event] = []
    for kind, s, e, run in runs:
        if kind == "black" and e - s >= o.black_min_frames:
            events.append(frame_event(tb, "black", s, e, stream=sidx))
        elif kind == "freeze":
            span = held_span(run.held, o.freeze_held_share) if len(run.held) == e - s else (0, e - s)
            if span is None:
                continue
            s0, e = max(0, s + span[0] - 1), s + span[1]  # the frame before a still frame is its still's first
            if e - s0 >= min_freeze:
                detail = {"seconds": round(float((e - s0) / rate), 3)}
                events.append(frame_event(tb, "freeze", s0, e, stream=sidx, detail=detail))
        elif kind in ("luma_range", "chroma_range"):
            events.append(frame_event(tb, kind, s, e, stream=sidx, detail={"max_percent": round(run.peak, 3)}))
        elif kind == "unreadable":
            events.append(frame_event(tb, "unreadable", s, e, stream=sidx, detail={"message": run.message}))
        elif kind in ("letterbox", "pillarbox") and e - s >= min_bars:
            detail = {"bar_pixels": _median(run.counts), "of": height if kind == "letterbox" else width}
            events.append(frame_event(tb, kind, s, e, stream=sidx, detail=detail))
    events.sort(key=lambda ev: (ev.start_frame, ev.kind))
    return events


REPEAT_LAGS = 3  # a frame of a held picture repeats one of the 3 frames before it (IBBP: the same kind of frame)
HELD_SLACK = 2.0  # a run's ends join its held part when they weigh at most this (about 7 frames at 0.3)


def held_span(held: bytes | bytearray, share: float) -> tuple[int, int] | None:
    """The part [a, b) of a run of still frames where the picture is held, or None (`held`: how each frame
    follows the ones before, FRESH, REPEAT or MOVED, as VideoPass.step gives).

    The run's frames are within the tolerance of the frame before the run. When the run's first frame MOVED
    from it, that frame is the still's first frame and the still is what follows; otherwise the still began
    with the frame before the run. Each frame that repeats weighs 1 - share, any other -share: a run that
    weighs at least nothing is held whole (repeats are at least `share` of it, the other frames being those
    the codec coded afresh: an I-frame and its neighbours, or the frames it refined after motion). Otherwise
    the held part is the part of greatest weight, widened to the run's ends when what lies beyond weighs
    little. A locked-off shot with grain, or a slow pan, makes a new picture of nearly every frame: no part
    of it weighs anything.
    """
    marks = np.frombuffer(bytes(held), dtype=np.uint8)
    first = 1 if len(marks) and marks[0] == MOVED else 0
    w = (marks[first:] == REPEAT).astype(np.float64) - share
    n = len(w)
    if n == 0:
        return None
    cum = np.concatenate(([0.0], np.cumsum(w)))
    a, b = 0, n
    if cum[n] < 0:
        low = np.minimum.accumulate(cum)
        b = int(np.argmax(cum - low))
        if cum[b] - low[b] <= 1e-9:
            return None
        a = int(np.argmin(cum[: b + 1]))
        if cum[a] >= -HELD_SLACK:
            a = 0
        if cum[n] - cum[b] >= -HELD_SLACK:
            b = n
    return first + a, first + b


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
