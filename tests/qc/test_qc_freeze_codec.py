"""Freezes through compression: a held still in long-GOP MPEG-2 and in low-bit-rate H.264 is found within
one frame; a locked-off shot with grain and a slow pan, on the same picture and in the same files, are not.

The held frames of these files differ from their first frame by up to 2-4 levels of 255 (the codec's noise,
rising at each I-frame), so the exact test of ffmpeg's freezedetect (0.1 % of full scale) misses the still;
the test checks that too.
"""

from __future__ import annotations

from fractions import Fraction

import av
import numpy as np
import pytest
from scipy.ndimage import gaussian_filter, zoom

from postprod.qc.analyze import analyze
from postprod.qc.check import check
from postprod.qc.spec import parse_spec_text
from postprod.qc.video import FRESH, MOVED, REPEAT, VideoOptions, held_span

W, H = 640, 360
RATE = Fraction(25)
HD = 1920 * 1080
# (start, end, what): end exclusive
PLAN = [(0, 40, "moving"), (40, 90, "held"), (90, 115, "moving"), (115, 190, "grain"),
        (190, 215, "moving"), (215, 290, "pan"), (290, 310, "moving")]  # fmt: skip
HELD = (40, 90)
FRAMES = PLAN[-1][1]


def _texture(seed: int, width: int) -> np.ndarray:
    """A natural-looking picture: smooth shapes and fine detail, mid-grey, 8-bit range 16-235."""
    rng = np.random.default_rng(seed)
    coarse = zoom(rng.standard_normal((H // 8 + 2, width // 8 + 2)), 8, order=3)[:H, :width]
    fine = gaussian_filter(rng.standard_normal((H, width)), 1.2)
    return coarse * 28 + fine * 24 + 110


TEX = _texture(3, W + 200)


def _frame(i: int) -> np.ndarray:
    kind, start = next((k, a) for a, b, k in PLAN if a <= i < b)
    if kind == "held":
        img = TEX[:, :W]
    elif kind == "grain":  # locked-off on the same picture, grain of 4 levels (sigma), new every frame
        img = TEX[:, :W] + np.random.default_rng(i).standard_normal((H, W)) * 4.0
    elif kind == "pan":  # half a pixel a frame (1.5 px at 1920 wide: 37 px a second)
        x = (i - start) * 0.5
        xi, fr = int(x), x - int(x)
        img = TEX[:, xi : xi + W] * (1 - fr) + TEX[:, xi + 1 : xi + 1 + W] * fr
    else:  # a fast move with a bright square
        x = (i * 7) % 200
        img = TEX[:, x : x + W].copy()
        img[120:220, (i * 11) % (W - 100) :][:, :100] = 225
    y = np.clip(img, 16, 235).astype(np.uint8)
    return np.ascontiguousarray(np.repeat(y[:, :, None], 3, axis=2))


def _encode(path, codec: str, fmt: str, mbps_at_hd: float, pix_fmt: str, **opts):
    out = av.open(str(path), "w", format=fmt)
    s = out.add_stream(codec, rate=RATE)
    s.width, s.height, s.pix_fmt = W, H, pix_fmt
    s.bit_rate = int(mbps_at_hd * 1e6 * W * H / HD)  # the same bits per pixel as at 1920x1080
    if codec == "mpeg2video":
        s.gop_size = 12
        s.codec_context.max_b_frames = 2
    if opts:
        s.options = opts
    for i in range(FRAMES):
        vf = av.VideoFrame.from_ndarray(_frame(i), format="rgb24")
        vf.pts = i
        for p in s.encode(vf):
            out.mux(p)
    for p in s.encode():
        out.mux(p)
    out.close()
    return path


CASES = {
    # XDCAM-like: long-GOP MPEG-2 4:2:2 at 8 Mbit/s (scaled to the picture), I-frame every 12, two B-frames
    "mpeg2-long-gop-8mbps": ("mpeg2video", "mxf", 8.0, "yuv422p", {}),
    # H.264 at 3 Mbit/s (scaled), x264's defaults otherwise (one GOP of 250 frames, B-frames)
    "h264-3mbps": ("libx264", "mp4", 3.0, "yuv420p", {"preset": "fast"}),
}


@pytest.fixture(scope="module", params=list(CASES))
def master(request, tmp_path_factory):
    codec, fmt, rate, pix, opts = CASES[request.param]
    return _encode(tmp_path_factory.mktemp("freeze") / f"m.{fmt}", codec, fmt, rate, pix, **opts)


def _freezes(result):
    return [(e.start_frame, e.end_frame) for e in result.events if e.kind == "freeze"]


def test_held_still_found_within_one_frame_and_grain_and_pan_are_not(master):
    seg = analyze(master, audio=False)  # in segments decoded side by side (MXF and MP4 seek exactly)
    one = analyze(master, audio=False, workers=1)
    assert seg.video is not None and seg.video.frames == FRAMES
    assert _freezes(seg) == _freezes(one)
    found = _freezes(seg)
    assert len(found) == 1, found  # not the grain (115-190) nor the pan (215-290)
    (s, e) = found[0]
    assert abs(s - HELD[0]) <= 1 and abs(e - HELD[1]) <= 1, found


def test_exact_repeats_only_miss_the_compressed_still(master):
    """What ffmpeg's freezedetect (n=0.001) sees: the held frames are not repeated exactly."""
    exact = analyze(master, audio=False, workers=1, video_options=VideoOptions(freeze_tolerance=0.0))
    assert not [(s, e) for s, e in _freezes(exact) if abs(s - HELD[0]) <= 1 and abs(e - HELD[1]) <= 1]


def test_spec_noise_setting(master):
    strict = parse_spec_text("[freeze]\nmax_seconds = 1.0\nnoise = 0.0\n", "strict.toml")
    default = parse_spec_text("[freeze]\nmax_seconds = 1.0\n", "default.toml")
    clause = next(c for c in check(master, default).clauses if c.id == "freeze.longest")
    assert clause.status == "fail" and [(f.start_frame, f.end_frame) for f in clause.findings] == _freezes(
        analyze(master, audio=False, workers=1)
    )
    assert clause.measured == "2.00 s" or abs(float(clause.measured.split()[0]) - 2.0) <= 0.04
    strict_clause = next(c for c in check(master, strict).clauses if c.id == "freeze.longest")
    assert strict_clause.status == "pass"


def test_held_span_weighs_repeats_against_new_pictures():
    R, F, M = REPEAT, FRESH, MOVED
    assert held_span(bytes([R] * 30), 0.3) == (0, 30)  # exact repeats: the whole run
    assert held_span(bytes([F] * 30), 0.3) is None  # grain: every frame new
    # the frames refined after motion, an I-frame and its neighbours stay in the held picture
    assert held_span(bytes([F, F, F, R, F, F, R, R, F, M, R, R, F, F]), 0.3) == (0, 14)
    # a long grainy shot, then the picture held: only the held part
    grain_then_held = [F] * 80 + [R, R, F, R, R, R, R, F, R, R] * 3
    assert held_span(bytes(grain_then_held), 0.3) == (80, 110)
    # a first frame that moved from the frame before the run is the still's first frame
    assert held_span(bytes([M] + [R] * 20), 0.3) == (1, 21)
    assert held_span(bytes([M]), 0.3) is None


def test_spec_noise_is_a_fraction():
    from postprod.errors import FileFormatError

    with pytest.raises(FileFormatError, match=r"bad.toml: freeze.noise: expected a fraction of full scale"):
        parse_spec_text("[freeze]\nnoise = 2\n", "bad.toml")
