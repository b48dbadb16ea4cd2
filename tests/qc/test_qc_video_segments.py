"""The picture decoded in segments side by side gives what one sequential pass gives.

Events are planted across the seams (a black run, a freeze, a freeze that starts exactly on a
keyframe) in H.264 with B-frames and closed or open GOPs, ProRes in MOV and MPEG-2 in MXF.
"""

from __future__ import annotations

from fractions import Fraction

import av
import pytest
from qc_media_synth import make_clip, picture

from postprod.qc import video_segments
from postprod.qc.analyze import analyze
from postprod.qc.probe import probe

FRAMES = 300
BLACK, FREEZE, SEAM_FREEZE = (50, 110), (150, 230), (240, 270)
CASES = {
    "mp4-h264-bframes": ("mp4", "libx264", Fraction(25), "yuv420p",
                         {"preset": "veryfast", "crf": "0", "bf": "2", "g": "24", "x264-params": "scenecut=0"}),
    "mov-h264-open-gop": ("mov", "libx264", Fraction(24000, 1001), "yuv420p",
                          {"preset": "veryfast", "crf": "0", "bf": "3", "g": "30", "x264-params": "open-gop=1:scenecut=0"}),
    "mov-prores-2997": ("mov", "prores_ks", Fraction(30000, 1001), "yuv422p10le", None),
    "mxf-mpeg2-25": ("mxf", "mpeg2video", Fraction(25), "yuv420p", None),
    "mxf-mpeg2-long-gop": ("mxf", "mpeg2video", Fraction(25), "yuv422p", {"gop": "12"}),
}  # fmt: skip


def _freezes(i: int) -> int:
    """Frame i shows the picture of this frame (two stills: FREEZE and SEAM_FREEZE)."""
    for a, b in (FREEZE, SEAM_FREEZE):
        if a <= i < b:
            return a
    return i


@pytest.fixture(autouse=True)
def short_segments(monkeypatch):
    monkeypatch.setattr(video_segments, "MIN_SEGMENT_SECONDS", 1.0)
    monkeypatch.setattr(video_segments, "MIN_SEGMENT_PIXELS", 1)  # small test pictures, split all the same


def _clip(tmp_path, case, **kw):
    fmt, codec, rate, pix, options = CASES[case]
    if options and "gop" in options:
        kw["gop_size"], options = int(options["gop"]), None
    return make_clip(
        tmp_path / f"seg.{fmt}", fmt=fmt, codec=codec, rate=rate, timecode="01:00:00:00", frames=FRAMES,
        pix_fmt=pix, black=BLACK, options=options, picture_fn=lambda i: picture(_freezes(i)), **kw,
    )  # fmt: skip


@pytest.mark.parametrize("case", list(CASES))
def test_segments_give_the_sequential_result(tmp_path, case):
    path = _clip(tmp_path, case)
    info = probe(path)
    plan = video_segments.plan_segments(str(path), info, 6)
    assert plan is not None and len(plan[1]) >= 3, "the file was not split"
    starts = [s.start_frame for s in plan[1]]
    assert starts == sorted(set(starts)) and starts[0] == 0

    one = analyze(path, workers=1)
    many = analyze(path, workers=3)
    assert many.video is not None and one.video is not None
    assert many.video.frames == one.video.frames == FRAMES
    assert [e.to_dict() for e in many.events] == [e.to_dict() for e in one.events]
    for key in ("luma_min", "luma_max", "max_luma_out_percent", "max_chroma_out_percent"):
        assert getattr(many.video, key) == getattr(one.video, key), key
    assert many.video.luma_mean == pytest.approx(one.video.luma_mean, rel=1e-12)

    kinds = {(e.kind, e.start_frame, e.end_frame) for e in many.events if e.kind in ("black", "freeze")}
    if "long-gop" in case:  # lossy P/B pictures of a still differ a little at first: its start is late
        freezes = sorted((s, e) for k, s, e in kinds if k == "freeze")
        assert ("black", *BLACK) in kinds and len(freezes) == 2, kinds
        assert all(0 <= s - a <= 10 and e == b for (s, e), (a, b) in zip(freezes, (FREEZE, SEAM_FREEZE), strict=True))
    else:
        assert kinds == {("black", *BLACK), ("freeze", *FREEZE), ("freeze", *SEAM_FREEZE)}, kinds
    # the runs did cross seams: the plan put at least one seam inside each planted span
    for a, b in (BLACK, FREEZE):
        assert any(a < s < b for s in starts), (a, b, starts)


def test_freeze_starting_on_a_seam_is_joined(tmp_path):
    """A still whose first frame is the last frame before a seam: only the seam test can see it."""
    path = _clip(tmp_path, "mp4-h264-bframes")
    plan = video_segments.plan_segments(str(path), probe(path), 6)
    assert plan is not None
    seam = plan[1][-1].start_frame  # the new clip has the same keyframes, hence the same seams
    still = (seam - 1, seam + 40)
    p2 = make_clip(
        tmp_path / "seam.mp4", fmt="mp4", codec="libx264", rate=Fraction(25), timecode=None, frames=FRAMES,
        options=CASES["mp4-h264-bframes"][4],
        picture_fn=lambda i: picture(still[0] if still[0] <= i < still[1] else i),
    )  # fmt: skip
    assert [s.start_frame for s in video_segments.plan_segments(str(p2), probe(p2), 6)[1]][-1] == seam
    one = analyze(p2, workers=1, audio=False)
    many = analyze(p2, workers=2, audio=False)
    assert [e.to_dict() for e in many.events] == [e.to_dict() for e in one.events]
    assert ("freeze", *still) in {(e.kind, e.start_frame, e.end_frame) for e in many.events}


def test_truncated_file_stops_where_the_sequential_pass_stops(tmp_path):
    path = _clip(tmp_path, "mp4-h264-bframes", container_options={"movflags": "faststart"})
    data = path.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: int(len(data) * 0.6)])
    one = analyze(cut, workers=1)
    many = analyze(cut, workers=3)
    assert one.video is not None and many.video is not None
    assert one.video.stopped_at_frame is not None
    assert many.video.frames == one.video.frames
    assert many.video.stopped_at_frame == one.video.stopped_at_frame
    assert [e.to_dict() for e in many.events if e.kind != "silence"] == [
        e.to_dict() for e in one.events if e.kind != "silence"
    ]


def test_unsplittable_files_keep_one_pass(tmp_path, monkeypatch):
    short = make_clip(tmp_path / "short.mov", fmt="mov", codec="prores_ks", rate=Fraction(25), timecode=None,
                      frames=20, pix_fmt="yuv422p10le")  # fmt: skip
    assert video_segments.plan_segments(str(short), probe(short), 4) is None  # under two segments' length
    long = make_clip(tmp_path / "long.mov", fmt="mov", codec="prores_ks", rate=Fraction(25), timecode=None,
                     frames=100, pix_fmt="yuv422p10le")  # fmt: skip
    assert video_segments.plan_segments(str(long), probe(long), 4) is not None
    monkeypatch.setattr(video_segments, "MIN_SEGMENT_PIXELS", 640 * 360)
    assert video_segments.plan_segments(str(long), probe(long), 4) is None  # 160x90: one pass is faster
    ts = make_clip(tmp_path / "clip.ts", fmt="mpegts", codec="mpeg2video", rate=Fraction(25), timecode=None,
                   frames=100)  # fmt: skip
    assert video_segments.plan_segments(str(ts), probe(ts), 4) is None  # no index: seeks are not exact
    assert analyze(ts, workers=4).video.frames == 100


def test_an_inexact_seek_falls_back_to_one_pass(tmp_path, monkeypatch):
    """If a segment's decoding begins after its keyframe (a seek that is not exact), one pass is used."""
    path = _clip(tmp_path, "mov-prores-2997")
    one = analyze(path, workers=1)
    real_seek = av.container.InputContainer.seek
    monkeypatch.setattr(video_segments, "_keyframe", lambda c, s, t, backward: (t, t))  # claims every target
    missed = []

    def late_seek(self, offset, *args, **kwargs):  # lands two frames late
        missed.append(offset)
        return real_seek(self, offset + 2 * 1001, *args, **kwargs)

    monkeypatch.setattr(av.container.InputContainer, "seek", late_seek)
    many = analyze(path, workers=3)
    assert missed  # the segments were tried
    assert [e.to_dict() for e in many.events] == [e.to_dict() for e in one.events]
    assert many.video.frames == one.video.frames == FRAMES


@pytest.mark.parametrize("workers", [1, 3])
def test_damaged_packets_are_unreadable_frames_and_the_rest_is_measured(tmp_path, workers, monkeypatch):
    """Packets that fail to decode: an 'unreadable' event at their frames, then decoding goes on."""
    path = make_clip(tmp_path / "hit.mov", fmt="mov", codec="prores_ks", rate=Fraction(25), timecode="10:00:00:00",
                     frames=FRAMES, pix_fmt="yuv422p10le", black=(200, 215), audio=False)  # fmt: skip
    with av.open(str(path)) as c:  # where frames 60-62 sit in the file (intra-only: one packet per frame)
        where = [int(p.pos) for p in sorted((p for p in c.demux(c.streams.video[0]) if p.size), key=lambda p: p.pts)]
    data = bytearray(path.read_bytes())
    for frame in (60, 61, 62, 99, 100):  # 99-100 straddle a seam when split (segments of 25 frames)
        data[where[frame] + 4 : where[frame] + 8] = b"XXXX"  # ProRes frame header 'icpf' broken
    path.write_bytes(bytes(data))
    if workers > 1:  # the damage is handled in the segments, not by falling back to one pass
        import postprod.qc.analyze as analyze_mod

        def no_fallback(*_a, **_k):
            raise AssertionError("fell back to one pass")

        monkeypatch.setattr(analyze_mod, "analyze_video", no_fallback)
    result = analyze(path, workers=workers)
    v = result.video
    assert v.frames == FRAMES and v.stopped_at_frame is None and v.error is None
    spans = {(e.kind, e.start_frame, e.end_frame) for e in result.events}
    assert ("unreadable", 60, 63) in spans and ("unreadable", 99, 101) in spans, spans
    if workers > 1:
        plan = video_segments.plan_segments(str(path), probe(path), 4 * workers)
        assert plan is not None and 100 in [seg.start_frame for seg in plan[1]]
    assert ("black", 200, 215) in spans  # measured after the damage
    assert not [e for e in result.events if e.kind == "freeze"]  # lost frames are not a held picture
    ev = next(e for e in result.events if e.kind == "unreadable")
    assert ev.start_tc == "10:00:02:10" and ev.detail["message"]

    from postprod.qc.check import check
    from postprod.qc.spec import parse_spec_text

    judged = check(path, parse_spec_text("[black]\nmax_seconds = 5\n", "v.toml"))  # decodes the picture
    integrity = next(c for c in judged.clauses if c.id == "file.integrity")
    assert integrity.status == "fail" and "5 unreadable frame(s) in 2 place(s), from 10:00:02:10" in integrity.measured
