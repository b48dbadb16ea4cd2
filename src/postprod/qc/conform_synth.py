"""Generated masters cut from a cut (fixed seeds, exact answers), for the conform tests and benchmarks.

Every source reel is a picture of its own (a coloured texture that moves at the reel's own speed, some
fast, with an object crossing it), rendered at any source frame; a master lays the cut's video events
on the record side, dissolves and fades mixed over their length, black where the cut has nothing.
Errors are planted by changing the cut the master is rendered from (a cut slipped, an edit missing),
by laying a frame of another reel inside a shot (a flash frame) or by cutting the end short.
"""

from __future__ import annotations

import bisect
import random
import zlib
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from numpy.typing import NDArray

from postprod.editorial.model import Cut, Event
from postprod.errors import N_, InvalidInput
from postprod.timecode import frames_to_tc, nominal_fps, supports_drop_frame, tc_to_frames

BLACK_REELS = {"BL", "BLK", "BLACK"}
Picture = NDArray[np.uint8]  # RGB, (height, width, 3)
# a reel: its texture (twice the picture each way), velocity, the object's colour and velocity, phase
Reel = tuple[Picture, tuple[float, float], NDArray[np.uint8], tuple[float, float], int]


class Sources:
    """Source reels as moving pictures of the given size (RGB, uint8), deterministic per reel name."""

    def __init__(self, width: int, height: int) -> None:
        self.w, self.h = width, height
        self._reels: dict[str, Reel] = {}

    def _reel(self, reel: str) -> Reel:
        got = self._reels.get(reel)
        if got is None:
            rng = np.random.default_rng(zlib.crc32(reel.encode()))
            w, h = self.w, self.h
            # smooth coloured shapes with fine detail, periodic in both directions so that the picture
            # moves on without a seam however far the source runs
            fy, fx = np.fft.fftfreq(h)[:, None], np.fft.rfftfreq(w)[None, :]
            low = np.exp(-(fx**2 + fy**2) * (max(4, h // 6) ** 2))
            shapes = np.fft.irfft2(np.fft.rfft2(rng.standard_normal((3, h, w))) * low, s=(h, w))
            shapes /= shapes.std(axis=(1, 2), keepdims=True)
            base = rng.uniform(40, 190, 3)
            amp = rng.uniform(15, 45, 3)
            detail = rng.standard_normal((h, w)) * rng.uniform(3, 10)
            one = np.clip(base[:, None, None] + amp[:, None, None] * shapes + detail[None], 0, 255).astype(np.uint8)
            tex = np.tile(one, (1, 2, 2))
            fast = rng.random() < 0.25
            speed = (w / 320) * (rng.uniform(6, 14) if fast else rng.uniform(0.3, 4))
            angle = rng.uniform(0, 2 * np.pi)
            obj = rng.integers(0, 256, 3).astype(np.uint8)
            ov = (rng.uniform(-1, 1) * w / 40, rng.uniform(-1, 1) * h / 40)
            got = (np.ascontiguousarray(tex.transpose(1, 2, 0)), (speed * np.cos(angle), speed * np.sin(angle)), obj,
                   ov, int(rng.integers(0, 1000)))  # fmt: skip
            self._reels[reel] = got
        return got

    def frame(self, reel: str, source_frame: int) -> Picture:
        """The picture of a reel at a source frame (black for a black reel)."""
        if reel.upper() in BLACK_REELS:
            return np.zeros((self.h, self.w, 3), np.uint8)
        tex, (vx, vy), colour, (ox, oy), phase = self._reel(reel)
        w, h = self.w, self.h
        s = source_frame + phase
        x, y = int(s * vx) % w, int(s * vy) % h
        img = tex[y : y + h, x : x + w].copy()
        bw, bh = w // 6, h // 5
        bx = int(abs((s * ox) % (2 * (w - bw)) - (w - bw)))
        by = int(abs((s * oy) % (2 * (h - bh)) - (h - bh)))
        img[by : by + bh, bx : bx + bw] = colour
        return img


def make_cut(
    rate: Fraction,
    *,
    drop_frame: bool = False,
    events: int = 16,
    seed: int = 1,
    start_tc: str = "01:00:00:00",
    shortest: int = 10,
    longest: int = 48,
    dissolve_at: int | None = 6,
    dissolve_frames: int = 12,
    fade_in_frames: int = 12,
) -> Cut:
    """A reel of contiguous video cuts from start_tc, each from a reel of its own: the first fades up from
    black over fade_in_frames (0: a cut), event `dissolve_at` (from 1) dissolves in over dissolve_frames."""
    rng = random.Random(seed)
    df = drop_frame and supports_drop_frame(rate)
    pos = tc_to_frames(start_tc, rate, df)
    evs: list[Event] = []
    for i in range(events):
        length = rng.randrange(shortest, longest + 1)
        reel = f"R{seed:02d}{i + 1:03d}"
        src = rng.randrange(1, 20) * 3600 * nominal_fps(rate) + rng.randrange(0, 5000)
        ev = Event(i + 1, reel, "V", src, src + length, pos, pos + length, drop_frame=df, clip_name=f"shot {i + 1}")
        evs.append(ev)
        pos += length
    if fade_in_frames:
        e = evs[0]
        e.transition, e.transition_frames, e.from_reel, e.from_source_in = "D", fade_in_frames, None, None
    if dissolve_at is not None and 1 < dissolve_at <= len(evs):
        e, prev = evs[dissolve_at - 1], evs[dissolve_at - 2]
        e.transition, e.transition_frames = "D", dissolve_frames
        e.from_reel, e.from_source_in = prev.reel, prev.source_out
    return Cut(events=evs, rate=rate, drop_frame=df, title=f"CONFORM_{seed}")


@dataclass
class Planted:
    """Errors to plant in a master, by event number (from 1) of the cut."""

    slip: dict[int, int] = field(default_factory=dict)  # event -> frames its cut comes late (+) or early (-)
    missing: list[int] = field(default_factory=list)  # events whose edit is not made: the shot before goes on
    flash: list[int] = field(default_factory=list)  # events with one frame of another reel in their middle
    short_frames: int = 0  # frames cut off the end
    long_frames: int = 0  # frames of the last shot going on after the end
    no_dissolve: list[int] = field(default_factory=list)  # events whose dissolve is made a hard cut


def planted_cut(cut: Cut, planted: Planted) -> Cut:
    """The cut the master is actually made from."""
    evs = [replace(e) for e in cut.events]
    by_number = {e.number: e for e in evs}
    for number, n in planted.slip.items():
        e = by_number[number]
        i = evs.index(e)
        e.record_in += n
        e.source_in += n
        if i:
            evs[i - 1].record_out += n
            evs[i - 1].source_out += n
    for number in planted.no_dissolve:
        by_number[number].transition, by_number[number].transition_frames = "C", 0
    if planted.long_frames and evs:
        evs[-1].record_out += planted.long_frames
        evs[-1].source_out += planted.long_frames
    for number in planted.missing:
        e = by_number[number]
        i = evs.index(e)
        prev = evs[i - 1]
        prev.record_out, prev.source_out = e.record_out, prev.source_out + e.record_duration
        evs.remove(e)
    return replace(cut, events=evs)


@dataclass
class Master:
    """A generated master: its file, the frame its timecode starts at, and where errors were planted."""

    path: Path
    start_frame: int  # record frame (absolute, in the cut's timecode) of the master's first frame
    frames: int
    flash_frames: list[int] = field(default_factory=list)  # record frames of the planted flash frames


def render_master(
    path: str | Path,
    cut: Cut,
    *,
    planted: Planted | None = None,
    size: tuple[int, int] = (256, 144),
    head_frames: int = 0,
    codec: str = "libx264",
    options: dict[str, str] | None = None,
    sources: Sources | None = None,
    scale: int = 1,
) -> Master:
    """Render the cut (with the planted errors) as a movie whose timecode starts head_frames of black before
    the cut's first record frame; scale > 1 draws the pictures that many times smaller and enlarges them
    (a large master made quickly)."""
    planted = planted or Planted()
    made = planted_cut(cut, planted)
    w, h = size[0] // scale, size[1] // scale
    src = sources or Sources(w, h)
    video = sorted((e for e in made.events if e.is_video and e.record_duration > 0), key=lambda e: e.record_in)
    starts = [e.record_in for e in video]
    first = cut.record_start - head_frames
    end = cut.record_end - planted.short_frames + planted.long_frames
    flashes: dict[int, str] = {}
    for number in planted.flash:
        e = next(x for x in made.events if x.number == number)
        flashes[(e.record_in + e.record_out) // 2] = f"FLASH{number}"

    def picture(rec: int) -> Picture:
        if rec in flashes:
            return src.frame(flashes[rec], rec)
        i = bisect.bisect_right(starts, rec) - 1
        if i < 0 or rec >= video[i].record_out:
            return np.zeros((h, w, 3), np.uint8)
        e = video[i]
        img = src.frame(e.reel, e.source_in + rec - e.record_in)
        k = rec - e.record_in
        if e.transition != "C" and k < e.transition_frames:
            if e.from_reel is None or e.from_reel.upper() in BLACK_REELS:
                out = np.zeros_like(img)
            else:
                out = src.frame(e.from_reel, (e.from_source_in or 0) + k)
            a = (k + 1) / (e.transition_frames + 1)
            img = np.round(img * a + out * (1 - a)).astype(np.uint8)
        return img

    rate = cut.rate
    out = av.open(str(path), "w")
    tc = frames_to_tc(first, rate, cut.drop_frame)
    out.metadata["timecode"] = tc
    stream = out.add_stream(codec, rate=rate)
    if not isinstance(stream, av.VideoStream):
        out.close()
        raise InvalidInput(N_("%(codec)s is not a video codec"), field="codec", params={"codec": codec})
    stream.width, stream.height, stream.pix_fmt = w * scale, h * scale, "yuv420p"
    stream.metadata["timecode"] = tc
    stream.options = (  # a copy: PyAV types a stream's options as dict[str, object]
        {**options} if options is not None else ({"preset": "ultrafast", "crf": "16"} if codec == "libx264" else {})
    )
    n = 0
    for rec in range(first, end):
        img = picture(rec)
        if scale > 1:
            img = np.repeat(np.repeat(img, scale, axis=0), scale, axis=1)
        vf = av.VideoFrame.from_ndarray(img, format="rgb24")
        vf.pts = n
        vf.time_base = 1 / rate
        for p in stream.encode(vf):
            out.mux(p)
        n += 1
    for p in stream.encode():
        out.mux(p)
    out.close()
    return Master(Path(path), first, n, sorted(flashes))
