"""VFX pull lists with handles, cue retiming through a change list, and the OTIO round trip."""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio
import pytest

from postprod.editorial.diff import diff_cuts
from postprod.editorial.otio_writer import cut_to_otio
from postprod.editorial.pulls import pull_list, pulls_csv, pulls_edl, pulls_otio
from postprod.editorial.readers import read_cut
from postprod.editorial.readers.cmx3600 import parse_edl
from postprod.editorial.readers.otio_reader import cut_from_otio
from postprod.editorial.retime import Cue, retime_cues
from postprod.editorial.synth import generate_cut, make_pair
from postprod.errors import InvalidInput

PULL_EDL = """TITLE: pulls
FCM: NON-DROP FRAME
001  A001 V     C        10:00:00:00 10:00:02:00 01:00:00:00 01:00:02:00
* FROM CLIP NAME:  1A-1
*VFX  010_SKY_0010 replace sky
002  A002 V     C        11:00:00:00 11:00:01:00 01:00:02:00 01:00:03:00
* FROM CLIP NAME:  1B-2
003  A003 V     C        00:00:00:04 00:00:01:00 01:00:03:00 01:00:04:00
* LOC: 01:00:03:12 WHITE   010_SKY_0020 sky
004  A004 V     C        12:00:00:00 12:00:00:12 01:00:04:00 01:00:05:00
M2   A004       012.0                12:00:00:00
* FROM CLIP NAME:  010_SKY_0030_plate_v002
"""


def test_pull_list_with_handles_and_comp_range(tmp_path: Path) -> None:
    cut = parse_edl(PULL_EDL, rate=Fraction(24))
    pl = pull_list(cut, handles=8)
    rows = {p.shot_id: p.to_dict(cut.rate) for p in pl.pulls}
    assert list(rows) == ["010_SKY_0010", "010_SKY_0020", "010_SKY_0030"]
    sky = rows["010_SKY_0010"]
    assert (sky["pull_in_tc"], sky["pull_out_tc"]) == ("09:59:59:16", "10:00:02:08")
    assert (sky["comp_in"], sky["comp_out"]) == (1001, 1001 + 48 + 16 - 1)
    assert (sky["comp_cut_in"], sky["comp_cut_out"]) == (1009, 1056)
    assert sky["duration"] == 48 and sky["record_in_tc"] == "01:00:00:00"
    near_zero = rows["010_SKY_0020"]
    assert near_zero["pull_in"] == 0 and any("clipped" in w for w in pl.warnings)
    slow = rows["010_SKY_0030"]
    assert slow["speed_fps"] == 12.0 and slow["source_frames"] == 12 and slow["duration"] == 24
    assert pull_list(cut, handles=16).pulls[0].pull_in == sky["source_in"] - 16
    with pytest.raises(InvalidInput):
        pull_list(cut, handles=-1)
    csv_text = pulls_csv(pl)
    assert csv_text.splitlines()[1].startswith("010_SKY_0010,1,A001,1A-1")
    back = parse_edl(pulls_edl(pl), rate=Fraction(24))
    assert [e.source_in for e in back.events] == [p.pull_in for p in pl.pulls]
    assert [e.vfx_ids for e in back.events] == [[p.shot_id] for p in pl.pulls]
    tl = pulls_otio(pl)
    out = tmp_path / "pulls.otio"
    otio.adapters.write_to_file(tl, str(out))
    clips = list(read_cut(out, 24).events)
    assert [c.clip_name for c in clips] == [p.shot_id for p in pl.pulls]


def test_real_world_pull_list() -> None:
    root = Path(__file__).resolve().parents[2]
    d = Path(os.environ.get("POSTPROD_SHARED_DATA", root / ".." / "shared" / "data")) / "edl"
    if not (d / "pycmx__cdl_frmc_example02.edl").is_file():
        pytest.skip(f"real-world EDLs not found in {d}")
    pl = pull_list(read_cut(d / "pycmx__cdl_frmc_example02.edl", 24))
    first = pl.pulls[0]
    assert first.shot_id == "000_trl_0010" and first.clip_name == "000_trl_0010_bg01_v01"
    # the file's own "*FRMC duration:88" is the plate length of the cut without handles
    assert first.source_frames == 88 and first.comp_out - first.comp_in + 1 == 88 + 16


def test_retime_cues_through_changes() -> None:
    pair = make_pair(100, Fraction(24), seed=31, trims=3, inserts=2, deletes=2, moves=1, replaces=2, version_bumps=0)
    cl = diff_cuts(pair.old, pair.new)
    changed_old = {id(c.old): c for c in cl.changes if c.old is not None}
    cues = []
    for e in pair.old.events:
        mid = (e.record_in + e.record_out) // 2
        cues.append(Cue(f"c{e.number}", mid - 2, mid + 2))
    cues.append(Cue("point", pair.old.events[5].record_in + 1, pair.old.events[5].record_in + 1))
    res = retime_cues(cues, cl)
    assert len(res) == len(cues)
    by_id = {r.id: r for r in res}
    unchanged_new = {id(o): n for o, n in cl.unchanged}
    for e in pair.old.events:
        r = by_id[f"c{e.number}"]
        if id(e) in changed_old:
            c = changed_old[id(e)]
            assert r.status == "review" and r.reasons and c.type.rstrip("e") in r.reasons[0]
            if c.type in ("delete", "replace"):
                assert r.new_in is None
        else:
            n = unchanged_new[id(e)]
            assert r.status in ("shifted", "unchanged")
            assert r.new_in == r.old_in + n.record_in - e.record_in and r.new_out - r.new_in == 4
    moved = next(c for c in cl.changes if c.type == "move")
    r = by_id[f"c{moved.old.number}"]  # type: ignore[union-attr]
    assert r.new_in is not None and moved.new is not None and moved.new.record_in <= r.new_in < moved.new.record_out
    assert by_id["point"].new_in == by_id["point"].new_out


def test_retime_cue_spanning_an_insert_is_flagged() -> None:
    pair = make_pair(30, Fraction(25), seed=2, trims=0, inserts=1, deletes=0, moves=0, replaces=0, version_bumps=0)
    cl = diff_cuts(pair.old, pair.new)
    ins = cl.changes[0].new
    assert ins is not None
    before = pair.new.events[ins.number - 2]
    old_before = next(o for o, n in cl.unchanged if n is before)
    cue = Cue("span", old_before.record_out - 5, old_before.record_out + 5)
    (r,) = retime_cues([cue], cl)
    assert r.status == "review" and "inserted or removed" in r.reasons[0]
    with pytest.raises(InvalidInput):
        retime_cues([Cue("bad", 10, 5)], cl)


def test_otio_round_trip_keeps_events() -> None:
    cut = generate_cut(50, Fraction(30000, 1001), drop_frame=True, seed=4)
    cut.events[3].speed = Fraction(12)
    cut.events[3].tracks = ("V", "A1", "A2", "A3")
    tl = cut_to_otio(cut)
    text = otio.adapters.write_to_string(tl, "otio_json")
    back = cut_from_otio(otio.adapters.read_from_string(text, "otio_json"))
    assert back.rate == cut.rate and back.drop_frame
    key = [
        (e.number, e.reel, e.source_in, e.source_out, e.record_in, e.record_out, e.vfx_ids, e.speed) for e in cut.events
    ]
    assert [
        (e.number, e.reel, e.source_in, e.source_out, e.record_in, e.record_out, e.vfx_ids, e.speed)
        for e in back.events
    ] == key
    assert back.events[3].tracks == ("V", "A1", "A2", "A3")
    assert [len(e.locators) for e in back.events] == [len(e.locators) for e in cut.events]
    assert not diff_cuts(cut, back).changes


def test_fcp_xml_via_adapter(tmp_path: Path) -> None:
    cut = generate_cut(12, Fraction(25), seed=8)
    xml = tmp_path / "cut.xml"
    otio.adapters.write_to_file(cut_to_otio(cut), str(xml), adapter_name="fcp_xml")
    back = read_cut(xml)
    assert back.format == "fcp7" and back.rate == 25
    assert [(e.source_in, e.record_duration) for e in back.events] == [
        (e.source_in, e.record_duration) for e in cut.events
    ]
    bad = tmp_path / "bad.xml"
    bad.write_text("<xmeml><sequence>")
    with pytest.raises(Exception, match="bad.xml: cannot read as fcp7"):
        read_cut(bad)
