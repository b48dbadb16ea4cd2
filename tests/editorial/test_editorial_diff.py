"""Change lists on generated cut pairs: every change found with the right type and frames, nothing else."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from postprod.editorial.diff import diff_cuts
from postprod.editorial.diff_report import change_list_csv, change_list_edl, change_list_html
from postprod.editorial.edl_writer import cut_to_edl
from postprod.editorial.readers.cmx3600 import parse_edl
from postprod.editorial.synth import make_pair

CASES = [
    (100, Fraction(24000, 1001), False, 11),
    (400, Fraction(24), False, 12),
    (1000, Fraction(25), False, 13),
    (3000, Fraction(30000, 1001), True, 14),
]


def _found(cl):  # type: ignore[no-untyped-def]
    return sorted(
        (
            (c.type, c.old.number if c.old else None, c.new.number if c.new else None, c.head_frames, c.tail_frames)
            for c in cl.changes
        ),
        key=str,
    )


def _expected(pair):  # type: ignore[no-untyped-def]
    return sorted(
        ((c["type"], c["old_event"], c["new_event"], c["head_frames"], c["tail_frames"]) for c in pair.expected),
        key=str,
    )


@pytest.mark.parametrize(("n", "rate", "df", "seed"), CASES)
def test_generated_pairs_exact_through_edl_text(n: int, rate: Fraction, df: bool, seed: int) -> None:
    big = n >= 400
    pair = make_pair(
        n,
        rate,
        drop_frame=df,
        seed=seed,
        trims=8 if big else 4,
        inserts=6 if big else 2,
        deletes=6 if big else 2,
        moves=4 if big else 2,
        replaces=6 if big else 2,
    )
    old = parse_edl(cut_to_edl(pair.old), rate=rate)
    new = parse_edl(cut_to_edl(pair.new), rate=rate)
    assert old.drop_frame == df and not old.warnings and not new.warnings
    cl = diff_cuts(old, new)
    assert _found(cl) == _expected(pair)
    s = cl.summary()
    assert s["changes"] == len(pair.expected)
    assert s["unchanged"] + s["trim"] + s["move"] + s["replace"] + s["delete"] == len(old.events)
    assert s["unchanged_slid"] > 0  # inserts and deletes slid shots along without reporting them
    assert len(s["version_updates"]) == pair.version_bumps


def test_many_seeds_small_reels() -> None:
    for seed in range(30):
        rate = (Fraction(24000, 1001), Fraction(24), Fraction(25), Fraction(30000, 1001))[seed % 4]
        pair = make_pair(100, rate, drop_frame=seed % 4 == 3, seed=100 + seed)
        assert _found(diff_cuts(pair.old, pair.new)) == _expected(pair), seed


def test_identical_cuts_and_pure_slide_have_no_changes() -> None:
    pair = make_pair(60, Fraction(24), seed=5, trims=0, inserts=0, deletes=0, moves=0, replaces=0, version_bumps=0)
    assert diff_cuts(pair.old, pair.new).changes == []
    slid = parse_edl(cut_to_edl(pair.new), rate=Fraction(24))
    for e in slid.events:
        e.record_in += 100
        e.record_out += 100
    cl = diff_cuts(pair.old, slid)
    assert cl.changes == [] and cl.summary()["unchanged_slid"] == 60


def test_change_fields_and_offsets() -> None:
    pair = make_pair(40, Fraction(25), seed=9, trims=1, inserts=1, deletes=0, moves=0, replaces=0, version_bumps=0)
    cl = diff_cuts(pair.old, pair.new)
    d = cl.to_dict()
    assert set(d) == {"changes", "summary"}
    ins = next(c for c in d["changes"] if c["type"] == "insert")
    trim = next(c for c in d["changes"] if c["type"] == "trim")
    new_ins = pair.new.events[ins["new_event"] - 1]
    assert ins["new_record_in"] == new_ins.record_in and ins["old_event"] is None
    o, n = pair.old.events[trim["old_event"] - 1], pair.new.events[trim["new_event"] - 1]
    assert trim["head_frames"] == o.source_in - n.source_in
    assert trim["tail_frames"] == n.source_out - o.source_out
    assert trim["offset_frames"] == n.record_in - o.record_in
    assert trim["old_record_out"] == o.record_out and trim["new_record_out"] == n.record_out
    json.dumps(d)


def test_reports_csv_html_edl() -> None:
    pair = make_pair(100, Fraction(24), seed=21)
    cl = diff_cuts(pair.old, pair.new)
    csv_text = change_list_csv(cl)
    assert len(csv_text.strip().splitlines()) == len(cl.changes) + 1
    assert csv_text.startswith("type,old_event,new_event,reel")
    page = change_list_html(cl)
    assert page.startswith("<!DOCTYPE html>") and page.count("<tr style") == len(cl.changes) and "<script" not in page
    edl = change_list_edl(cl)
    back = parse_edl(edl, rate=Fraction(24))
    expect_events = sorted(c.new.number for c in cl.changes if c.new is not None)
    assert sorted(e.number for e in back.events) == expect_events
    assert edl.count("DELETED OLD EVENT") == sum(1 for c in cl.changes if c.type == "delete")


def test_vfx_version_suffix_is_same_shot_and_vfx_trim() -> None:
    edl_a = "001  V001 V C 01:00:00:00 01:00:02:00 01:00:00:00 01:00:02:00\n* FROM CLIP NAME:  010_ABC_0010_comp_v011\n"
    edl_b = "001  V002 V C 01:00:00:00 01:00:02:04 01:00:00:00 01:00:02:04\n* FROM CLIP NAME:  010_ABC_0010_comp_v012\n"
    a, b = parse_edl(edl_a, rate=Fraction(24)), parse_edl(edl_b, rate=Fraction(24))
    cl = diff_cuts(a, b)
    assert [(c.type, c.head_frames, c.tail_frames) for c in cl.changes] == [("trim", 0, 4)]
    assert cl.summary()["version_updates"][0]["new_clip_name"].endswith("_v012")


def test_different_rates_refused() -> None:
    pair = make_pair(30, Fraction(24), seed=1, trims=1, inserts=0, deletes=0, moves=0, replaces=0, version_bumps=0)
    other = parse_edl(cut_to_edl(pair.new), rate=Fraction(25))
    with pytest.raises(Exception, match="different rates"):
        diff_cuts(pair.old, other)
