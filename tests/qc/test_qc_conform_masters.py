"""Conform check on masters generated from EDLs at 23.976, 24, 25 and 29.97 drop-frame.

Each master starts one second of black before the cut (its timecode says so), fades up from black,
carries a dissolve, and is cut per the record side from sources of their own moving pictures. The
planted errors (a cut 2 frames late, a missing edit, a flash frame, a master one second short) are
each found at their frame; the correct master gives no finding at all.
"""

from __future__ import annotations

from fractions import Fraction

import pytest

from postprod.editorial.edl_writer import cut_to_edl
from postprod.editorial.model import Event
from postprod.editorial.readers import read_cut
from postprod.qc.conform import conform_file, expected_edits
from postprod.qc.conform_synth import Planted, make_cut, render_master
from postprod.timecode import frames_to_tc

RATES = {
    "23.976": (Fraction(24000, 1001), False, "01:00:00:00"),
    "24": (Fraction(24), False, "01:00:00:00"),
    "25": (Fraction(25), False, "10:00:00:00"),
    "29.97df": (Fraction(30000, 1001), True, "00:59:30;00"),
}
SLIP, MISSING, FLASH, DISSOLVE = 4, 9, 12, 6


@pytest.fixture(params=list(RATES))
def edl_cut(request, tmp_path):
    rate, df, start = RATES[request.param]
    made = make_cut(rate, drop_frame=df, events=16, seed=5, start_tc=start, dissolve_at=DISSOLVE)
    path = tmp_path / "locked.edl"
    path.write_text(cut_to_edl(made), encoding="utf-8")
    cut = read_cut(path, rate)  # the EDL as any cut file is read
    assert [(e.record_in, e.record_out, e.transition) for e in cut.events] == [
        (e.record_in, e.record_out, e.transition) for e in made.events
    ]
    return cut


def _by_kind(result):
    return {(f.kind, f.detail.get("event")): f for f in result.findings}


def test_correct_master_has_no_finding(edl_cut, tmp_path):
    m = render_master(tmp_path / "master.mov", edl_cut, head_frames=round(edl_cut.rate))
    analysis, result = conform_file(str(m.path), edl_cut)
    assert analysis.probe.start_timecode.replace(";", ":") == frames_to_tc(
        m.start_frame, edl_cut.rate, edl_cut.drop_frame
    ).replace(";", ":")
    assert result.findings == [], [(f.kind, f.start_tc, f.detail) for f in result.findings]
    edits = [e for e in expected_edits(edl_cut) if e.required]
    assert result.edits == len(edits) == 15  # 14 cuts and the dissolve; the fade from black is not required
    assert result.matched_exact == result.edits
    assert {e.kind for e in expected_edits(edl_cut)} == {"cut", "dissolve", "fade_in"}


def test_planted_errors_found_at_their_frames(edl_cut, tmp_path):
    rate = edl_cut.rate
    second = round(rate)
    planted = Planted(slip={SLIP: 2}, missing=[MISSING], flash=[FLASH], short_frames=second)
    m = render_master(tmp_path / "master.mov", edl_cut, planted=planted, head_frames=second)
    _, result = conform_file(str(m.path), edl_cut)
    ev = {e.number: e for e in edl_cut.events}
    tc = edl_cut.tc
    found = _by_kind(result)
    assert set(found) == {("moved_cut", SLIP), ("missing_cut", MISSING), ("flash_frame", FLASH), ("duration", 16)}, [
        (f.kind, f.start_tc, f.detail) for f in result.findings
    ]
    moved = found[("moved_cut", SLIP)]
    assert moved.detail["offset"] == 2 and moved.detail["record_tc"] == tc(ev[SLIP].record_in)
    assert moved.start_tc == tc(ev[SLIP].record_in) and moved.end_tc == tc(ev[SLIP].record_in + 2)
    missing = found[("missing_cut", MISSING)]
    assert missing.detail["record_frame"] == ev[MISSING].record_in and missing.start_tc == tc(ev[MISSING].record_in)
    flash = found[("flash_frame", FLASH)]
    assert [flash.detail["record_frame"]] == m.flash_frames and flash.detail["frames"] == 1
    assert flash.start_tc == tc(m.flash_frames[0])
    short = found[("duration", 16)]
    assert short.detail["frames"] == -second and short.start_tc == tc(edl_cut.record_end - second)
    assert short.end_tc == tc(edl_cut.record_end)
    assert result.matched_exact == result.edits - 2  # all but the moved and the missing one


def test_transition_duration_and_tail(tmp_path):
    rate = Fraction(25)
    cut = make_cut(rate, events=10, seed=9, dissolve_at=DISSOLVE)
    # the dissolve made a hard cut, and two seconds of the last shot after the cut's end
    planted = Planted(no_dissolve=[DISSOLVE], long_frames=50)
    m = render_master(tmp_path / "m.mov", cut, planted=planted)
    _, result = conform_file(str(m.path), cut)
    found = _by_kind(result)
    assert set(found) == {("transition", DISSOLVE), ("duration", 10)}, [(f.kind, f.detail) for f in result.findings]
    assert found[("transition", DISSOLVE)].detail["expected"] == "dissolve"
    assert found[("duration", 10)].detail["frames"] == 50
    # no edit at all where the cut dissolves: the shot before goes on
    gone = render_master(tmp_path / "gone.mov", cut, planted=Planted(missing=[DISSOLVE]))
    _, result = conform_file(str(gone.path), cut)
    assert [(f.kind, f.detail.get("event"), f.detail.get("expected")) for f in result.findings] == [
        ("missing_cut", DISSOLVE, "dissolve")
    ]


def test_expected_edits_skip_through_edits_and_cut_to_and_from_black():
    rate = Fraction(25)
    evs = [
        Event(1, "A", "V", 0, 50, 1000, 1050),
        Event(2, "A", "V", 50, 80, 1050, 1080),  # through edit: the same source goes on
        Event(3, "B", "V", 0, 40, 1080, 1120),
        Event(4, "C", "V", 0, 40, 1140, 1180),  # 20 frames of nothing before it: black
        Event(5, "BL", "V", 0, 0, 1180, 1200),  # a cut to black
        Event(6, "D", "A", 0, 40, 1200, 1240, tracks=("A1",)),  # sound only
    ]
    from postprod.editorial.model import Cut

    edits = expected_edits(Cut(events=evs, rate=rate))
    assert [(e.record_frame, e.kind, e.event.number) for e in edits] == [
        (1080, "cut", 3),
        (1120, "cut", 3),
        (1140, "cut", 4),
        (1180, "cut", 5),
    ]
