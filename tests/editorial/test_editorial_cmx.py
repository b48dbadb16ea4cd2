"""The CMX 3600 reader: each OTIO shortfall fixed, real-world EDLs, broken lines and bad input."""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

import pytest
from otio_cmx3600_adapter import cmx_3600

from postprod.editorial.readers import read_cut
from postprod.editorial.readers.cmx3600 import parse_edl
from postprod.errors import FileFormatError, InvalidInput

NTSC = Fraction(30000, 1001)


def _edl_dir() -> Path:
    root = Path(__file__).resolve().parents[2]
    d = Path(os.environ.get("POSTPROD_SHARED_DATA", root / ".." / "shared" / "data")) / "edl"
    if not d.is_dir() or not list(d.glob("*.edl")):
        pytest.skip(f"real-world EDLs not found in {d} (set POSTPROD_SHARED_DATA)")
    return d


def test_fcm_drop_frame_is_honoured_where_otio_ignores_it() -> None:
    text = "TITLE: DF\nFCM: DROP FRAME\n001  A001 V     C        01:00:00:00 01:00:01:00 01:00:00:00 01:00:01:00\n"
    otio_tl = cmx_3600.read_from_string(text, rate=float(NTSC))
    assert otio_tl.tracks[0][0].source_range.start_time.value == 108000  # OTIO: read as non-drop
    cut = parse_edl(text, rate=NTSC)
    e = cut.events[0]
    assert cut.drop_frame and e.drop_frame
    assert (e.source_in, e.record_in) == (107892, 107892)
    assert cut.tc(e.record_in) == "01:00:00;00"


def test_drop_frame_inferred_from_fcm_and_semicolon() -> None:
    cut = parse_edl("FCM: DROP FRAME\n001  A001 V C 00:01:00;02 00:01:00;12 01:00:00;00 01:00:00;10\n")
    assert cut.rate == NTSC and cut.rate_source.startswith("FCM")
    assert cut.events[0].source_in == 1800  # 00:01:00;02 is frame 1800 in drop-frame
    semi = parse_edl("001  A001 V C 00:01:00;02 00:01:00;12 01:00:00;00 01:00:00;10\n", rate=NTSC)
    assert semi.events[0].source_in == 1800 and semi.events[0].drop_frame


def test_aud_3_and_4_channels_kept() -> None:
    text = "TITLE: x\n001  AX       AA    C        00:00:00:00 00:00:01:00 00:00:00:00 00:00:01:00\nAUD  3    4\n"
    otio_tl = cmx_3600.read_from_string(text)
    assert [t.name for t in otio_tl.tracks] == ["A1", "A2"]  # OTIO loses A3/A4
    cut = parse_edl(text, rate=Fraction(24))
    assert cut.events[0].tracks == ("A1", "A2", "A3", "A4")


def test_transition_at_start_of_track_accepted() -> None:
    text = (
        "TITLE: x\n001  BL V     C        00:00:00:00 00:00:00:00 01:00:00:00 01:00:00:00\n"
        "001  A001 V     D    024 01:00:00:00 01:00:02:00 01:00:00:00 01:00:02:00\n"
    )
    with pytest.raises(cmx_3600.EDLParseError):
        cmx_3600.read_from_string(text)
    cut = parse_edl(text, rate=Fraction(24))
    assert len(cut.events) == 1
    e = cut.events[0]
    assert (e.transition, e.transition_frames, e.from_reel, e.record_duration) == ("D", 24, "BL", 48)
    alone = parse_edl("001  A001 V     D    012 01:00:00:00 01:00:02:00 01:00:00:00 01:00:02:00\n", rate=Fraction(24))
    assert alone.events[0].transition == "D" and alone.events[0].from_reel is None


def test_loc_and_vfx_remarks_give_shot_ids() -> None:
    text = (
        "TITLE: x\n001  A001 V     C        01:00:00:00 01:00:02:00 01:00:00:00 01:00:02:00\n"
        "*VFX  117_GUD_0030 ADD LANDSCAPE\n*LOC: 01:00:00:12 White   VFX  117_GUD_0040 add Norway\n* LOC: 01:00:01:00 ORANGE note\n"
    )
    otio_clip = cmx_3600.read_from_string(text).tracks[0][0]
    assert "117_GUD_0030 ADD LANDSCAPE" in " ".join(otio_clip.metadata["cmx_3600"]["comments"])  # left as a comment
    e = parse_edl(text, rate=Fraction(24)).events[0]
    assert e.vfx_ids == ["117_GUD_0030", "117_GUD_0040"]
    assert [(loc.record_frame - e.record_in, loc.colour, loc.text) for loc in e.locators] == [
        (12, "WHITE", "VFX  117_GUD_0040 add Norway"),
        (24, "ORANGE", "note"),
    ]


def test_file128_names_with_spaces() -> None:
    text = "TITLE: x\n001  A001 CAM B V     C        01:00:00:00 01:00:02:00 01:00:00:00 01:00:02:00\n"
    with pytest.raises(cmx_3600.EDLParseError):
        cmx_3600.read_from_string(text)
    e = parse_edl(text, rate=Fraction(24)).events[0]
    assert (e.reel, e.channels, e.record_duration) == ("A001 CAM B", "V", 48)
    long32 = "B_0031C010_241010_133208_h1C2T"
    e2 = parse_edl(
        f"000001  {long32}   V     C        13:30:27:13 13:30:29:01 02:13:08:12 02:13:10:00\n", rate=Fraction(24)
    ).events[0]
    assert e2.reel == long32 and e2.number == 1


def test_m2_speeds_reverse_freeze_and_drop_frame() -> None:
    rev = "TITLE: x\n001  A001 V     C        01:00:00:00 01:00:01:00 01:00:00:00 01:00:01:00\nM2   A001       -024.0                01:00:00:23\n"
    assert not cmx_3600.read_from_string(rev).tracks[0][0].effects  # OTIO drops the reverse
    assert parse_edl(rev, rate=Fraction(24)).events[0].speed == -24
    df = "FCM: DROP FRAME\n001  A001 V     C        01:00:00;00 01:00:01;00 01:00:00;00 01:00:02;00\nM2   A001       015.0                01:00:00;00\n"
    with pytest.raises(AttributeError):
        cmx_3600.read_from_string(df, rate=float(NTSC))  # OTIO crashes on a drop-frame M2 line
    e = parse_edl(df, rate=NTSC).events[0]
    assert e.speed == 15 and e.source_duration == 30 and e.record_duration == 60
    frz = parse_edl(
        "001  A001 V C 01:00:00:00 01:00:00:01 01:00:00:00 01:00:01:00\nM2   A001  000.0  01:00:00:00\n",
        rate=Fraction(24),
    )
    assert frz.events[0].speed == 0
    assert "no M2" not in " ".join(str(w) for w in frz.warnings)


def test_all_real_world_edls_import() -> None:
    d = _edl_dir()
    found = {}
    for path in sorted(d.glob("*.edl")):
        cut = read_cut(path)
        assert cut.events, path.name
        found[path.name] = cut
    ins4 = found["pycmx__INS4_R1_010417.edl"]
    assert len(ins4.events) == 287
    assert sorted({float(e.speed) for e in ins4.events if e.speed is not None}) == [
        -24.0,
        0.0,
        18.6,
        19.2,
        21.3,
        28.4,
        60.0,
    ]
    assert found["otio_cmx__timecode_mismatch.edl"].rate == 25  # frames up to :24 seen
    assert any("record duration" in str(w) for w in found["otio_cmx__timecode_mismatch.edl"].warnings)
    test = found["pycmx__TEST.edl"]
    assert len(test.events) == 120
    assert any("no source range" in str(w) for w in test.warnings)
    assert sum(1 for e in test.events for loc in e.locators if loc.origin == "marker list") + len(test.markers) == 30
    assert found["otio_cmx__multi_audio.edl"].events[0].tracks == ("A1", "A2", "A3")
    assert len({v for e in found["pycmx__cdl_example01.edl"].events for v in e.vfx_ids}) == 31
    diss = found["otio_cmx__dissolve_test_4.edl"]
    assert [(e.number, e.transition, e.transition_frames) for e in diss.events if e.transition != "C"] == [
        (3, "D", 35),
        (4, "D", 64),
    ]
    assert [e.number for e in diss.events] == [1, 2, 3, 4, 5, 60]


def test_wrong_rate_names_file_and_line(tmp_path: Path) -> None:
    d = _edl_dir()
    with pytest.raises(FileFormatError) as exc:
        read_cut(d / "otio_cmx__timecode_mismatch.edl", "24")
    assert "timecode_mismatch.edl:" in str(exc.value) and "frame 24" in str(exc.value)
    assert exc.value.line is not None


BROKEN = (
    "TITLE: broken\nFCM: NON-DROP FRAME\n"
    "001  A001 V     C        01:00:00:00 01:00:01:00 01:00:00:00 01:00:01:00\n"
    "002  A002 V     C        01:00:00:00 01:00:01:00 01:00:01:00\n"
    "003  A003 V     C        01:00:00:00 01:00:00:25 01:00:01:00 01:00:02:00\n"
    "004  A004 V     C        01:00:00:00 01:00:01:00 01:00:02:00 01:00:03:00\n"
    "005  A005 Q     C        01:00:00:00 01:00:01:00 01:00:03:00 01:00:04:00\n"
)


def test_broken_lines_strict_error_and_lenient_skip(tmp_path: Path) -> None:
    p = tmp_path / "broken.edl"
    p.write_text(BROKEN)
    with pytest.raises(FileFormatError) as exc:
        read_cut(p, 25)
    assert str(exc.value).startswith(f"{p}:4: malformed event line")
    cut = read_cut(p, 25, lenient=True)
    assert [e.number for e in cut.events] == [1, 4]
    assert [w.line for w in cut.skipped] == [4, 5, 7]
    assert "frame 25 is not below 25" in cut.skipped[1].message


def test_bad_files(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.edl"
    garbage.write_bytes(bytes(range(256)) * 20)
    with pytest.raises(FileFormatError, match="binary data"):
        read_cut(garbage)
    empty = tmp_path / "empty.edl"
    empty.write_text("")
    assert read_cut(empty).events == []
    with pytest.raises(FileFormatError, match="no such file"):
        read_cut(tmp_path / "missing.edl")
    with pytest.raises(FileFormatError, match="unknown cut format"):
        read_cut(tmp_path / "cut.doc")
    with pytest.raises(InvalidInput):
        read_cut(empty, "banana")
    df25 = tmp_path / "df25.edl"
    df25.write_text("FCM: DROP FRAME\n001  A001 V C 01:00:00:00 01:00:01:00 01:00:00:00 01:00:01:00\n")
    with pytest.raises(FileFormatError, match=r"df25.edl:1: FCM: DROP FRAME but the rate is 25"):
        read_cut(df25, 25)
    bad_df = "001  A001 V C 00:01:00;00 00:01:00;12 01:00:00;00 01:00:00;10\n"
    with pytest.raises(FileFormatError, match="dropped in minute 1"):
        parse_edl(bad_df, rate=NTSC)


def test_rate_inference_warns_when_guessing() -> None:
    cut = parse_edl("001  A001 V C 01:00:00:00 01:00:01:00 01:00:00:00 01:00:01:00\n")
    assert cut.rate == 24 and cut.rate_source == "default"
    assert any("assumed 24" in str(w) for w in cut.warnings)
    cut30 = parse_edl("001  A001 V C 01:00:00:00 01:00:01:27 01:00:00:00 01:00:01:27\n")
    assert cut30.rate == NTSC and not cut30.drop_frame
