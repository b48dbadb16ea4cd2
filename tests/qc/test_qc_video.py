"""Video pass and events: black, freeze, silence and clipping at known frames, in MOV, MP4 and MXF, at 23.976, 25 and 29.97 DF."""

from __future__ import annotations

from fractions import Fraction

import av
import numpy as np
import pytest
from qc_media_synth import make_clip

from postprod.qc.analyze import analyze
from postprod.qc.probe import probe
from postprod.qc.video import VideoOptions, analyze_video
from postprod.timecode import frames_to_tc, tc_to_frames

BLACK, FREEZE, SILENCE, CLIP = (10, 22), (40, 80), (90, 160), (170, 175)
CASES = [
    ("mov", "prores_ks", Fraction(30000, 1001), "01:00:00;00", "yuv422p10le"),
    ("mp4", "libx264", Fraction(24000, 1001), "01:00:00:00", "yuv420p"),
    ("mxf", "mpeg2video", Fraction(25), "10:00:00:00", "yuv420p"),
    ("mxf", "mpeg2video", Fraction(30000, 1001), "00:00:59;20", "yuv420p"),
]


def _one(events, kind):
    found = [e for e in events if e.kind == kind]
    assert found, f"no {kind} event in {[e.kind for e in events]}"
    return found


def _near(ev, span):
    return abs(ev.start_frame - span[0]) <= 1 and abs(ev.end_frame - span[1]) <= 1


@pytest.mark.parametrize(
    ("fmt", "codec", "rate", "tc", "pix"), CASES, ids=["mov-2997df", "mp4-23976", "mxf-25", "mxf-2997df"]
)
def test_events_found_within_one_frame_with_programme_timecode(tmp_path, fmt, codec, rate, tc, pix):
    path = make_clip(
        tmp_path / f"prog.{fmt}", fmt=fmt, codec=codec, rate=rate, timecode=tc, frames=180, pix_fmt=pix,
        black=BLACK, freeze=FREEZE, silence=SILENCE, clipping=CLIP,
    )  # fmt: skip
    result = analyze(path)
    df = ";" in tc
    start = tc_to_frames(tc, rate)
    assert result.video is not None and result.video.frames == 180
    for kind, span in (("black", BLACK), ("freeze", FREEZE), ("silence", SILENCE), ("clipping", CLIP)):
        evs = [e for e in _one(result.events, kind) if _near(e, span)]
        assert evs, (
            f"{kind} not within one frame of {span}: {[(e.start_frame, e.end_frame) for e in result.events if e.kind == kind]}"
        )
        ev = evs[0]
        assert ev.start_tc == frames_to_tc(start + ev.start_frame, rate, df)
        assert ev.end_tc == frames_to_tc(start + ev.end_frame, rate, df)
    # nothing else is black or frozen: the rest of the picture moves
    assert len([e for e in result.events if e.kind == "black"]) == 1
    assert len([e for e in result.events if e.kind == "freeze"]) == 1
    if tc == "00:00:59;20":  # black starts 10 frames later: 59;29 is followed by 01:00;02 (;00 and ;01 dropped)
        assert _one(result.events, "black")[0].start_tc == "00:01:00;02"
    d = result.to_dict()
    assert {"kind", "start_frame", "end_frame", "start_tc", "end_tc", "stream", "channel"} <= set(d["events"][0])


def _yuv_clip(path, frames, make):
    out = av.open(str(path), "w", format="matroska")
    s = out.add_stream("ffv1", rate=25)
    s.width, s.height, s.pix_fmt = 160, 96, "yuv420p"
    for i in range(frames):
        y = np.full((96, 160), 120, np.uint8)
        u = np.full((48, 80), 128, np.uint8)
        v = np.full((48, 80), 128, np.uint8)
        make(i, y, u, v)
        arr = np.concatenate([y, u.reshape(-1, 160), v.reshape(-1, 160)])
        vf = av.VideoFrame.from_ndarray(arr, format="yuv420p")
        vf.pts = i
        for p in s.encode(vf):
            out.mux(p)
    for p in s.encode():
        out.mux(p)
    out.close()
    return path


def test_out_of_range_luma_chroma_and_letterbox(tmp_path):
    def make(i, y, u, v):
        y += i % 7  # keep frames different so nothing reads as frozen
        if 5 <= i < 10:
            y[:48] = 250  # super-white over half the picture
        if 15 <= i < 20:
            u[:, :40] = 250  # chroma outside 16-240
        if 20 <= i < 30:
            y[:12] = 16
            y[-12:] = 16

    path = _yuv_clip(tmp_path / "range.mkv", 32, make)
    rep = analyze_video(path, options=VideoOptions(bars_min_seconds=0.2))
    spans = {(e.kind, e.start_frame, e.end_frame) for e in rep.events}
    assert ("luma_range", 5, 10) in spans
    assert ("chroma_range", 15, 20) in spans
    assert ("letterbox", 20, 30) in spans
    assert not any(e.kind in ("black", "freeze", "pillarbox") for e in rep.events)
    assert rep.max_luma_out_percent == pytest.approx(50.0, abs=1.0)
    lb = next(e for e in rep.events if e.kind == "letterbox")
    assert lb.detail["bar_pixels"] == 12


def test_truncated_file_reports_where_it_stopped(tmp_path):
    path = make_clip(
        tmp_path / "cut.mxf",
        fmt="mxf",
        codec="mpeg2video",
        rate=Fraction(25),
        timecode="10:00:00:00",
        frames=100,
        audio=False,
    )
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    info = probe(path)
    rep = analyze_video(path, info=info)
    assert 20 < rep.frames < 90
    assert rep.events == [] or all(e.end_frame <= rep.frames for e in rep.events)


def test_one_demux_reads_a_file_whose_sound_comes_before_its_picture(tmp_path):
    # At the end of a demux PyAV yields one empty packet per stream to flush its decoder, all with stream
    # index 0: each must reach its own stream's decoder (the picture's last frames are in its flush).
    made = make_clip(tmp_path / "v.mov", fmt="mov", codec="libx264", rate=Fraction(25), timecode=None, frames=50)
    path = tmp_path / "audio_first.mov"
    with av.open(str(made)) as src, av.open(str(path), "w") as out:
        a_in, v_in = src.streams.audio[0], src.streams.video[0]
        a_out = out.add_stream_from_template(a_in)
        v_out = out.add_stream_from_template(v_in)
        for packet in src.demux(a_in, v_in):
            if packet.dts is None:
                continue
            packet.stream = a_out if packet.stream is a_in else v_out
            out.mux(packet)
    assert probe(path).audio[0].index == 0
    result = analyze(path, workers=1)
    assert result.video is not None and result.video.frames == 50 and result.video.error is None
    assert result.audio is not None and result.audio.duration_seconds == pytest.approx(2.0, abs=0.05)
