"""Importing cut versions of a reel carries every register entry: shifted exactly, flagged with a reason, never lost."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.core.factories import make_production

from postprod.editorial.edl_writer import cut_to_edl
from postprod.editorial.model import Event
from postprod.editorial.synth import CutPair, generate_cut, make_pair
from postprod.errors import InvalidInput
from postprod.model import AdrCue, AuditEntry, CutVersion, MusicCue, VfxShot
from postprod.services import editorial as ed
from postprod.services import registers as rg


def _files(tmp_path: Path, pair: CutPair) -> tuple[Path, Path]:
    v1, v2 = tmp_path / "reel1_v1.edl", tmp_path / "reel1_v2.edl"
    v1.write_text(cut_to_edl(pair.old))
    v2.write_text(cut_to_edl(pair.new))
    return v1, v2


def _source(e: Event) -> tuple[str, int, int]:
    return (e.reel, e.source_in, e.source_out)


@pytest.mark.parametrize(
    ("rate", "df", "fps_text"), [(Fraction(24), False, "24"), (Fraction(30000, 1001), True, "29.97")]
)
def test_recut_carries_every_cue(session: Session, tmp_path: Path, rate: Fraction, df: bool, fps_text: str) -> None:
    prod = make_production(session, fps=fps_text)
    pair = make_pair(120, rate, drop_frame=df, seed=11, trims=4, inserts=3, deletes=3, moves=2, replaces=3)
    v1, v2 = _files(tmp_path, pair)
    old = pair.old
    adr, music, vfx = rg.KINDS["adr"], rg.KINDS["music"], rg.KINDS["vfx"]
    shot_ids = sorted({v for e in old.events for v in e.vfx_ids})
    assert len(shot_ids) >= 4
    for shot in shot_ids:  # registered before any cut: placed by the first import
        rg.add_entry(session, prod, vfx, {"shot_id": shot, "vendor": "Mikros", "bid": "12000"})
    first = ed.import_cut(session, prod, v1, reel="R1", rate=fps_text)
    assert first.version.number == 1 and first.changes is None
    assert first.carry.placed == len(shot_ids)
    for e in old.events:
        mid = (e.record_in + e.record_out) // 2
        rg.add_entry(
            session, prod, adr, {"number": str(e.number), "reel": "R1", "in": old.tc(mid - 2), "out": old.tc(mid + 3)}
        )
    # a music cue over two neighbouring events untouched by the recut, and one across a change
    changed_old = {c["old_event"] for c in pair.expected if c["old_event"] is not None}
    changed_new = {c["new_event"] for c in pair.expected if c["new_event"] is not None}
    i = next(
        i
        for i in range(1, len(old.events) - 3)
        if not {i, i + 1, i + 2} & changed_old and old.events[i].number not in changed_old
    )
    span = (old.events[i].record_in + 5, old.events[i + 1].record_out - 5)
    rg.add_entry(session, prod, music, {"number": "1M1", "reel": "R1", "in": old.tc(span[0]), "out": old.tc(span[1])})
    assert {c["type"] for c in pair.expected} == {"trim", "insert", "delete", "move", "replace"}

    res = ed.import_cut(session, prod, v2, reel="R1", label="DC2")
    assert res.version.number == 2 and res.changes is not None
    v1_id = session.scalars(select(CutVersion.id).where(CutVersion.number == 1)).one()

    new_by_source = {_source(e): e for e in pair.new.events}
    expected_by_old = {c["old_event"]: c for c in pair.expected if c["old_event"] is not None}
    cues = {c.number: c for c in session.scalars(select(AdrCue).where(AdrCue.production_id == prod.id))}
    assert len(cues) == len(old.events)  # none lost
    for e in old.events:
        cue = cues[str(e.number)]
        mid = (e.record_in + e.record_out) // 2
        change = expected_by_old.get(e.number)
        if change is None:
            n = new_by_source[_source(e)]
            offset = n.record_in - e.record_in
            assert (cue.record_in, cue.record_out) == (mid - 2 + offset, mid + 3 + offset), e.number
            assert not cue.review and cue.cut_version_id == res.version.id
            continue
        assert cue.review, f"cue {e.number} in a {change['type']} event is not flagged"
        assert f"event {e.number}" in cue.review_reason and "R1 v2" in cue.review_reason
        word = {"trim": "trimmed", "delete": "deleted", "replace": "replaced", "move": "moved"}[change["type"]]
        assert word in cue.review_reason
        if change["type"] in ("delete", "replace"):
            # no picture to follow: kept where it was, on the version its frames belong to
            assert (cue.record_in, cue.record_out, cue.cut_version_id) == (mid - 2, mid + 3, v1_id)
            assert "kept at" in cue.review_reason
        else:
            n = pair.new.events[change["new_event"] - 1]
            head = change["head_frames"]
            assert cue.record_in == n.record_in + (mid - 2 - e.record_in) + head
            assert cue.record_out - cue.record_in == 5 and cue.cut_version_id == res.version.id
    flagged = {c.number for c in cues.values() if c.review}
    assert flagged == {str(n) for n in expected_by_old}
    assert res.carry.review >= len(flagged)

    m = session.scalars(select(MusicCue)).one()
    moved_by = new_by_source[_source(old.events[i])].record_in - old.events[i].record_in
    assert (m.record_in, m.record_out) == (span[0] + moved_by, span[1] + moved_by) and not m.review

    # VFX shots follow their IDs; those whose event changed are flagged with the change
    shots = {s.shot_id: s for s in session.scalars(select(VfxShot))}
    new_ids: dict[str, list[Event]] = {}
    for ev in pair.new.events:
        for v in ev.vfx_ids:
            new_ids.setdefault(v, []).append(ev)
    for shot_id, shot in shots.items():
        old_ev = next(ev for ev in old.events if shot_id in ev.vfx_ids)
        change = expected_by_old.get(old_ev.number)
        if shot_id in new_ids:
            evs = new_ids[shot_id]
            assert (shot.record_in, shot.record_out) == (min(x.record_in for x in evs), max(x.record_out for x in evs))
            assert shot.review == (change is not None), shot_id
            if change is not None:
                assert change["type"] in shot.review_reason
        else:
            assert change is not None and change["type"] in ("delete", "replace") and shot.review
    assert changed_new  # inserts exist, and no cue was placed on them
    updates = session.scalars(
        select(AuditEntry).where(AuditEntry.entity_type == "AdrCue", AuditEntry.action == "update")
    ).all()
    assert len(updates) >= len(old.events) - 1  # the carry is in the audit trail

    # the same cut again: nothing changes, review flags stay until someone clears them
    again = ed.import_cut(session, prod, v2, reel="R1")
    assert again.version.number == 3 and again.changes is not None and not again.changes.changes
    assert again.carry.review == 0 and again.carry.shifted == 0
    kept = [c for c in cues.values() if c.cut_version_id == v1_id]
    assert kept and again.carry.pending == len(kept) + sum(1 for s in shots.values() if s.cut_version_id == v1_id)
    assert all(c.review_reason.count(" | ") == 0 for c in kept)  # not flagged again at every import
    assert {c.number for c in session.scalars(select(AdrCue).where(AdrCue.review.is_(True)))} == flagged


def test_versions_change_list_and_rate_mismatch(session: Session, tmp_path: Path) -> None:
    prod = make_production(session, fps="25")
    pair = make_pair(60, Fraction(25), seed=5, trims=2, inserts=1, deletes=1, moves=1, replaces=1, version_bumps=0)
    v1, v2 = _files(tmp_path, pair)
    ed.import_cut(session, prod, v1, reel="R2", rate="25")
    ed.import_cut(session, prod, v2, reel="R2")
    assert [(v.reel, v.number) for v in ed.list_versions(session, prod)] == [("R2", 1), ("R2", 2)]
    old, new, cl = ed.change_list(session, prod, "R2")
    assert (old.number, new.number) == (1, 2)
    got = sorted((c.type, c.old.number if c.old else None, c.new.number if c.new else None) for c in cl.changes)
    want = sorted((c["type"], c["old_event"], c["new_event"]) for c in pair.expected)
    assert got == want
    assert new.change_summary is not None and new.change_summary["changes"] == len(want)
    d = ed.version_dict(new)
    assert d["rate"] == "25" and d["events"] == len(pair.new.events) and d["record_start_tc"] == "01:00:00:00"
    # a version of the reel at another rate is refused and leaves nothing behind
    at24 = tmp_path / "at24.edl"
    at24.write_text(
        cut_to_edl(make_pair(30, Fraction(24), seed=1, trims=1, inserts=0, deletes=0, moves=0, replaces=0).new)
    )
    with pytest.raises(InvalidInput, match="different rates"):
        ed.import_cut(session, prod, at24, reel="R2", rate="24")
    assert len(ed.list_versions(session, prod, "R2")) == 2
    with pytest.raises(InvalidInput, match="same version"):
        ed.change_list(session, prod, "R2", 2, 2)
    ed.import_cut(session, prod, v1, reel="R3", rate="25")
    with pytest.raises(InvalidInput, match="only version 1"):
        ed.change_list(session, prod, "R3")
    empty = tmp_path / "empty.edl"
    empty.write_text("TITLE: nothing\nFCM: NON-DROP FRAME\n")
    with pytest.raises(InvalidInput, match="no events"):
        ed.import_cut(session, prod, empty, reel="R9", rate="25")


def test_vfx_shot_moving_reels_and_unplaced_cues(session: Session, tmp_path: Path) -> None:
    prod = make_production(session, fps="24")
    cut = generate_cut(40, Fraction(24), seed=3, vfx_share=0.2)
    shot_ids = sorted({v for e in cut.events for v in e.vfx_ids})
    f = tmp_path / "reel.edl"
    f.write_text(cut_to_edl(cut))
    for shot in shot_ids:
        rg.add_entry(session, prod, rg.KINDS["vfx"], {"shot_id": shot})
    rg.add_entry(session, prod, rg.KINDS["adr"], {"number": "1", "reel": "R1"})  # spotted, no timecodes yet
    assert ed.import_cut(session, prod, f, reel="R1", rate="24").carry.placed == len(shot_ids)
    again = ed.import_cut(session, prod, f, reel="R1")
    assert again.carry.unplaced == 1 and again.carry.unchanged == len(shot_ids) and again.carry.review == 0
    # the recut moves the scene to reel 2: its shots follow their IDs there, flagged
    moved = ed.import_cut(session, prod, f, reel="R2", rate="24")
    assert moved.carry.review == len(shot_ids)
    shots = session.scalars(select(VfxShot)).all()
    assert {s.reel for s in shots} == {"R2"} and all("moved from reel R1" in s.review_reason for s in shots)
    assert all(s.cut_version_id == moved.version.id for s in shots)
    cue = session.scalars(select(AdrCue)).one()
    assert cue.reel == "R1" and cue.cut_version_id == again.version.id and cue.version == 3
