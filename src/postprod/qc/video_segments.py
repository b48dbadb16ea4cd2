"""The picture decoded in segments side by side: one single-threaded decoder per core, each on its own
stretch of the file between two keyframes; the runs of flagged frames are joined at the seams.

Why not FFmpeg's frame threads alone: on H.264 they keep about 1.6 of 2 cores busy (a frame waits for
the rows of its reference) and spend ~15 % more CPU per frame than one thread (measured on a 60 s
1080p25 file here: 4.9 CPU-s threaded against 4.2 single-threaded; two single-threaded decoders on two
halves took 2.3 s of wall time against 3.0 s). PyAV releases the GIL while FFmpeg decodes, so plain
threads give the parallelism; each has its own container (demuxers are not shareable).

A segment starts at a keyframe K (seeked to) and drops frames presented before K (the leading pictures
of an open GOP, which its predecessor decodes with their references); it ends at the first frame
presented at or after the next segment's K. Only containers with an index that seeks to exact
keyframes are split (QuickTime/MP4, MXF, Matroska); other files, short files, small pictures and
one-core machines keep the sequential pass.

At a seam, the freeze test of the segment's first frame is redone against the previous segment's still
and runs that touch are joined, so black, freeze, range and bars come out as from one pass (a freeze
that drifts slowly across a seam is compared with the seam's frame instead of the still's first frame).
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import av

from postprod.qc.probe import ProbeResult, open_media
from postprod.qc.video import DEMUX_ERRORS, EXACT, REPEAT, FrameRun, VideoOptions, VideoPass, VideoReport

if TYPE_CHECKING:
    from av.container import InputContainer

Progress = Callable[[float], None]
SEEKABLE = {"mov,mp4,m4a,3gp,3g2,mj2", "mxf", "matroska,webm"}
MIN_SEGMENT_SECONDS = 5.0
# Below this picture size the per-frame Python work, which holds the GIL, outweighs the decoding that
# threads share: 160x90 ran 25 % slower in segments, 720x576 MPEG-2 20 % faster (measured here).
MIN_SEGMENT_PIXELS = 640 * 360
MAX_WORKERS = 8


class SeekMissed(Exception):
    """A segment could not be placed exactly (an inexact seek, frames without times): read in one pass instead."""


@dataclass(frozen=True)
class Segment:
    """A stretch of the stream: frames presented in [start_pts, end_pts); None is the stream's start or end."""

    index: int
    start_pts: int | None
    seek_ts: int | None  # where to seek (the keyframe's decode time; the index is in decode times)
    end_pts: int | None
    start_frame: int


def workers_available() -> int:
    """Cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def plan_segments(path: str, info: ProbeResult, count: int) -> tuple[int, list[Segment]] | None:
    """The first frame's presentation time and up to `count` segments; None when the file is read in one pass."""
    vinfo = info.video[0] if info.video else None
    duration = float(info.duration_seconds or 0)
    count = min(count, int(duration // MIN_SEGMENT_SECONDS))
    if vinfo is None or count < 2 or vinfo.width * vinfo.height < MIN_SEGMENT_PIXELS:
        return None
    rate = vinfo.frame_rate
    try:
        container = open_media(path)
    except Exception:  # noqa: BLE001 - the sequential pass reports the file's error in its own words
        return None
    try:
        if container.format.name not in SEEKABLE:
            return None
        stream = container.streams.video[0]
        tb = stream.time_base
        if not tb or not rate:
            return None
        stream.codec_context.thread_count = 1
        first = next(iter(container.decode(stream)), None)
        if first is None or first.pts is None:
            return None
        first_pts = int(first.pts)
        spacing = duration / count / tb  # between two targets, in the stream's time base
        found: dict[int, int] = {}  # pts -> seek timestamp of each later segment's keyframe
        for j in range(1, count):
            target = first_pts + int(j * spacing)
            # The keyframe nearest the target: with long GOPs, the one before may be far (10 s for x264's default).
            near = _keyframe(container, stream, target, backward=True)
            if near is not None and target - near[0] > spacing / 4:
                after = _keyframe(container, stream, target, backward=False)
                if after is not None and abs(after[0] - target) < target - near[0]:
                    near = after
            if near is not None and near[0] > first_pts:
                found[near[0]] = near[1]
        bounds = sorted(found.items())
    except DEMUX_ERRORS:
        return None  # a damaged file: the sequential pass says where it stops
    finally:
        container.close()
    if not bounds:
        return None

    def frame_at(pts: int) -> int:
        num = (pts - first_pts) * tb.numerator * rate.numerator
        den = tb.denominator * rate.denominator
        return int((2 * num + den) // (2 * den))

    starts: list[tuple[int | None, int | None, int]] = [(None, None, 0)]
    starts += [(pts, ts, frame_at(pts)) for pts, ts in bounds]
    segments = []
    for i, (pts, ts, frame) in enumerate(starts):
        end = starts[i + 1][0] if i + 1 < len(starts) else None
        segments.append(Segment(i, pts, ts, end, frame))
    return first_pts, segments


def _keyframe(container: InputContainer, stream: av.VideoStream, target: int, backward: bool) -> tuple[int, int] | None:
    """(pts, seek timestamp) of the keyframe a seek to `target` lands on; None when it lands on no keyframe."""
    try:
        container.seek(target, stream=stream, backward=backward, any_frame=False)
        pkt = next((p for p in container.demux(stream) if p.size), None)
    except av.FFmpegError:  # no keyframe that side of the target (past the last one, say)
        return None
    if pkt is None or pkt.pts is None or not pkt.is_keyframe:
        return None
    return int(pkt.pts), int(pkt.dts if pkt.dts is not None else pkt.pts)


class SegmentedVideo:
    """Runs the segments in worker threads; result() joins them into one VideoReport."""

    def __init__(
        self,
        path: str,
        info: ProbeResult,
        options: VideoOptions | None,
        first_pts: int,
        segments: list[Segment],
        workers: int,
    ) -> None:
        self.path = path
        self.info = info
        self.options = options or VideoOptions()
        self.first_pts = first_pts
        self.segments = segments
        self.passes: list[VideoPass | None] = [None] * len(segments)
        self.failures: list[BaseException] = []
        self._todo: queue.SimpleQueue[Segment] = queue.SimpleQueue()
        for seg in segments:
            self._todo.put(seg)
        self._cancel = threading.Event()
        vinfo = info.video[0]
        estimate = round(float(info.duration_seconds or 0) * float(vinfo.frame_rate or 25))
        self.expected_frames = max(1, int(vinfo.frames or 0) or estimate)
        self._threads = [
            threading.Thread(target=self._work, name=f"qc-video-{i}", daemon=True)
            for i in range(min(workers, len(segments)))
        ]

    def start(self) -> SegmentedVideo:
        for t in self._threads:
            t.start()
        return self

    def fraction(self) -> float:
        """Share of the frames measured so far."""
        done = sum(p.frames - p.start_frame for p in self.passes if p is not None)
        return min(1.0, done / self.expected_frames)

    def cancel(self) -> None:
        self._cancel.set()
        for t in self._threads:
            t.join()

    def _work(self) -> None:
        container = None
        try:
            container = open_media(self.path)
            stream = container.streams.video[0]
            while not self._cancel.is_set():
                try:
                    seg = self._todo.get_nowait()
                except queue.Empty:
                    return
                self._segment(container, stream, seg)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread by result()
            self.failures.append(exc)
            self._cancel.set()  # the result is lost anyway: the other workers stop too
        finally:
            if container is not None:
                container.close()

    def _segment(self, container: InputContainer, stream: av.VideoStream, seg: Segment) -> None:
        vpass = VideoPass(
            stream,
            self.info,
            self.options,
            self.path,
            first_pts=self.first_pts,
            start_frame=seg.start_frame,
            decode_threads=1,
        )
        self.passes[seg.index] = vpass
        start, end = seg.start_pts, seg.end_pts
        try:
            if seg.seek_ts is not None:
                container.seek(seg.seek_ts, stream=stream, backward=True, any_frame=False)
            stream.codec_context.flush_buffers()
            first = True
            for packet in container.demux(stream):
                try:
                    frames = packet.decode()
                except (av.FFmpegError, ValueError) as exc:  # damaged: its frames are unreadable, go on
                    ppts = packet.pts  # a picture of another segment (a leading B-frame, one past the end)
                    if ppts is None or not ((start is not None and ppts < start) or (end is not None and ppts >= end)):
                        vpass.damaged(exc)
                    if vpass.error is not None:
                        return
                    continue
                for frame in frames:
                    pts = frame.pts
                    if pts is None:
                        raise SeekMissed(f"segment {seg.index}: a frame without a presentation time")
                    if first and start is not None and pts > start and vpass.damage_at is None:
                        raise SeekMissed(f"segment {seg.index}: decoding began at {pts}, after {start}")
                    first = False
                    if start is not None and pts < start:
                        continue
                    if end is not None and pts >= end:
                        vpass.seal(vpass.index_of(end))  # damage pending here stops at the next segment
                        return
                    vpass.feed(frame)
                if self._cancel.is_set():
                    return
            vpass.seal(None)
        except DEMUX_ERRORS as exc:
            vpass.stop(exc)

    def result(self, progress: Progress | None = None, share: tuple[float, float] = (0.0, 1.0)) -> VideoReport:
        """Wait for the workers (reporting progress meanwhile), then join the segments."""
        try:
            for t in self._threads:
                while t.is_alive():
                    t.join(0.2)
                    if progress is not None:
                        progress(share[0] + share[1] * self.fraction())
        except BaseException:
            self.cancel()
            raise
        if self.failures:
            raise self.failures[0]
        return join_segments([p for p in self.passes if p is not None])


def join_segments(passes: list[VideoPass]) -> VideoReport:
    """One report from the segments' passes, in order: runs touching at a seam are joined.

    Decoding that stopped in a segment ends the whole there (as the sequential pass would stop).
    """
    head = passes[0]
    kept = [head]
    for p in passes[1:]:
        if kept[-1].error is not None:
            break
        if p.first is None:  # nothing decoded from this seam on: the whole ends here, as one pass would
            if p.error is not None:
                kept[-1].stop(RuntimeError(p.error))
            break
        if p.start_frame < kept[-1].frames:  # frames come faster than the rate: only one pass counts them
            raise SeekMissed(f"segment {p.start_frame}: the frames before it overrun its place")
        kept.append(p)
    for a, b in zip(kept, kept[1:], strict=False):
        a.hold_until(b.start_frame)
    runs: list[tuple[str, int, int, FrameRun]] = []
    last: dict[str, int] = {}  # kind -> position in runs of its latest run
    for i, p in enumerate(kept):
        part = sorted(p.runs.close(p.frames), key=lambda r: r[1])
        if i and p.first is not None:
            prev, seam = kept[i - 1], p.start_frame
            y, rows, blk = p.first
            level = 0 if blk else prev.still(y, rows, prev.ref, prev.ref_rows)
            if level:
                run = FrameRun(seam)
                run.held.append(REPEAT if level == EXACT else prev.step(y, rows))
                part.insert(0, ("freeze", seam, seam + 1, run))
        for kind, s, e, run in part:
            at = last.get(kind)
            if at is not None and runs[at][2] == s:  # touches the previous run of its kind: one run
                k, s0, _, r0 = runs[at]
                r0.peak = max(r0.peak, run.peak)
                r0.counts.update(run.counts)
                r0.held += run.held
                runs[at] = (k, s0, e, r0)
                continue
            last[kind] = len(runs)
            runs.append((kind, s, e, run))
    if head.shots is not None:
        for p in kept[1:]:
            if p.shots is not None:
                head.shots.join(p.shots)
    tail = kept[-1]
    head.runs.done = runs
    head.runs.open = {}
    head.frames = tail.frames
    head.error = tail.error
    head.luma_sum = sum(p.luma_sum for p in kept)
    head.lmin = min(p.lmin for p in kept)
    head.lmax = max(p.lmax for p in kept)
    head.max_lout = max(p.max_lout for p in kept)
    head.max_cout = max(p.max_cout for p in kept)
    return head.report()
