"""Probe: exact rates as Fractions, start timecode read back from MOV tmcd and MXF, stream facts, bad files."""

from __future__ import annotations

from fractions import Fraction

import pytest
from qc_media_synth import make_clip

from postprod.errors import FileFormatError
from postprod.qc.probe import probe
from postprod.timecode import tc_to_frames


@pytest.mark.parametrize(
    ("fmt", "ext", "codec", "rate", "tc", "pix"),
    [
        ("mov", "mov", "prores_ks", Fraction(30000, 1001), "01:00:00;00", "yuv422p10le"),
        ("mp4", "mp4", "libx264", Fraction(24000, 1001), "00:59:58:00", "yuv420p"),
        ("mxf", "mxf", "mpeg2video", Fraction(25), "10:00:00:00", "yuv420p"),
        ("mxf", "mxf", "mpeg2video", Fraction(30000, 1001), "00:59:59;28", "yuv420p"),
    ],
)
def test_probe_reads_exact_rate_and_start_timecode(tmp_path, fmt, ext, codec, rate, tc, pix):
    path = make_clip(tmp_path / f"clip.{ext}", fmt=fmt, codec=codec, rate=rate, timecode=tc, frames=12, pix_fmt=pix)
    info = probe(path)
    v = info.video[0]
    assert isinstance(v.frame_rate, Fraction) and v.frame_rate == rate
    assert info.start_timecode == tc
    assert info.drop_frame == (";" in tc)
    assert info.start_frame_number() == tc_to_frames(tc, rate)
    assert info.container == ext
    assert (v.width, v.height, v.pixel_format) == (160, 90, pix)
    assert v.bit_depth == (10 if pix.endswith("10le") else 8)
    assert v.scan == "progressive"
    assert info.timecode_source.startswith("tmcd") if fmt in ("mov", "mp4") else info.timecode_source == "format tag"
    a = info.audio[0]
    assert (a.codec, a.sample_rate, a.bit_depth, a.channels) == ("pcm_s16le", 48000, 16, 2)
    d = info.to_dict()
    assert d["video"][0]["frame_rate"] == (
        f"{rate.numerator}/{rate.denominator}" if rate.denominator > 1 else str(rate.numerator)
    )
    assert d["video"][0]["resolution"] == "160x90"


def test_probe_29_97_drop_frame_hour_is_frame_107892(tmp_path):
    path = make_clip(
        tmp_path / "df.mov",
        fmt="mov",
        codec="libx264",
        rate=Fraction(30000, 1001),
        timecode="01:00:00;00",
        frames=6,
        audio=False,
    )
    info = probe(path)
    assert info.start_frame_number() == 107892
    assert info.audio == []


@pytest.mark.parametrize(("field_opt", "scan"), [("tff=1", "interlaced-tff"), ("bff=1", "interlaced-bff")])
def test_probe_scan_type_from_field_order(tmp_path, field_opt, scan):
    path = make_clip(
        tmp_path / "i.mp4", fmt="mp4", codec="libx264", rate=Fraction(25), timecode=None, frames=6, audio=False,
        options={"x264-params": f"interlaced=1:{field_opt}"}, size=(160, 96),
    )  # fmt: skip
    assert probe(path).video[0].scan == scan


def test_probe_bad_files_give_one_line_errors(tmp_path):
    empty = tmp_path / "empty.mov"
    empty.write_bytes(b"")
    text = tmp_path / "notes.mov"
    text.write_text("this is not a movie\n" * 20)
    for path, words in (
        (empty, "empty file"),
        (text, "not a readable media file"),
        (tmp_path / "missing.mxf", "no such file"),
    ):
        with pytest.raises(FileFormatError) as exc:
            probe(path)
        msg = str(exc.value)
        assert str(path) in msg and words in msg and "\n" not in msg


def _gop_header(tc: str) -> bytes:
    """The 4 bytes after a GOP start code carrying this timecode (closed GOP)."""
    hh, mm, ss, ff = (int(x) for x in tc.replace(";", ":").split(":"))
    bits = (";" in tc) << 24 | hh << 19 | mm << 13 | 1 << 12 | ss << 6 | ff
    return ((bits << 7) | 1 << 6).to_bytes(4, "big")  # then closed_gop = 1, broken_link = 0


@pytest.mark.parametrize(
    ("fmt", "ext", "rate", "tc"),
    [("mpeg", "mpg", Fraction(25), "10:00:00:00"), ("mpegts", "ts", Fraction(30000, 1001), "00:59:59;28")],
)
def test_probe_reads_the_mpeg2_gop_timecode(tmp_path, fmt, ext, rate, tc):
    """DVD and broadcast MPEG-2 carry their start timecode in the GOP header, not in any tag."""
    import av
    import numpy as np

    from postprod.qc.probe import gop_timecode
    from postprod.timecode import frames_to_tc

    df = ";" in tc
    start = tc_to_frames(tc, rate, df)
    path = tmp_path / f"dvd.{ext}"
    out = av.open(str(path), "w", format=fmt)
    v = out.add_stream("mpeg2video", rate=rate)
    v.width, v.height, v.pix_fmt, v.gop_size = 720, 576 if rate == 25 else 480, "yuv420p", 6

    def mux(packets):
        for p in packets:  # every GOP header rewritten with the timecode of the frame that opens it
            data = bytearray(bytes(p))
            at = data.find(b"\x00\x00\x01\xb8")
            if at >= 0:
                data[at + 4 : at + 8] = _gop_header(frames_to_tc(start + int(p.pts), rate, df))
                q = av.Packet(bytes(data))
                q.pts, q.dts, q.time_base, q.stream = p.pts, p.dts, p.time_base, p.stream
                p = q
            out.mux(p)

    for i in range(18):
        frame = av.VideoFrame.from_ndarray(np.full((v.height, 720, 3), 10 * i, np.uint8), format="rgb24")
        frame.pts = i
        mux(v.encode(frame))
    mux(v.encode())
    out.close()
    info = probe(path)
    assert info.start_timecode == tc
    assert info.timecode_source.startswith("MPEG GOP header")
    assert info.drop_frame == df
    assert gop_timecode(_gop_header("23:59:59:24")) == "23:59:59:24"
    assert gop_timecode(b"\xff\xff\xff\xff") is None  # hours 31: not a timecode
