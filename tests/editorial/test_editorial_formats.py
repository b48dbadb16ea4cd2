"""Cuts read from each format: FCPXML keeps the record start (the sequence's tcStart) and every frame at film,
PAL and NTSC rates; an AAF's clips keep their sources; a recut in any format gives the same change list."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest
from tests.editorial.cut_files import cut_to_fcpxml, write_cut

from postprod.editorial.diff import diff_cuts
from postprod.editorial.readers import read_cut
from postprod.editorial.synth import generate_cut, make_pair
from postprod.errors import FileFormatError
from postprod.timecode import frames_to_tc


def _key(cut: object) -> list[tuple[str, int, int, int, int]]:
    return [(e.reel, e.source_in, e.source_out, e.record_in, e.record_out) for e in cut.events]  # type: ignore[attr-defined]


@pytest.mark.parametrize("rate", [Fraction(24), Fraction(25), Fraction(24000, 1001), Fraction(30000, 1001)])
def test_fcpxml_keeps_the_record_start_and_every_frame(tmp_path: Path, rate: Fraction) -> None:
    cut = generate_cut(40, rate, seed=5)
    path = tmp_path / "R1.fcpxml"
    path.write_text(cut_to_fcpxml(cut), encoding="utf-8")
    back = read_cut(path)
    assert back.format == "fcpxml" and back.rate == rate and back.rate_source == "file"
    assert frames_to_tc(back.record_start, rate) == "01:00:00:00"
    # the adapter alone read 23.976 as 23 fps, and at 25 fps lost a frame on clips like 2900/2500 s
    assert _key(back) == _key(cut)
    assert [e.clip_name for e in back.events] == [e.clip_name for e in cut.events]
    assert [e.vfx_ids for e in back.events] == [e.vfx_ids for e in cut.events]
    assert diff_cuts(cut, back).changes == []


def test_fcpxml_recut_against_its_edl_gives_the_changes(tmp_path: Path) -> None:
    pair = make_pair(30, Fraction(25), seed=3, trims=1, inserts=1, deletes=2, moves=1, replaces=1, version_bumps=0)
    path = tmp_path / "R1_v2.fcpxml"
    path.write_text(cut_to_fcpxml(pair.new), encoding="utf-8")
    found = sorted((c.type, c.head_frames, c.tail_frames) for c in diff_cuts(pair.old, read_cut(path)).changes)
    assert found == sorted((c.type, c.head_frames, c.tail_frames) for c in diff_cuts(pair.old, pair.new).changes)
    assert {t for t, _, _ in found} >= {"delete", "insert"}


def test_fcpxml_drop_frame_and_a_given_rate(tmp_path: Path) -> None:
    rate = Fraction(30000, 1001)
    cut = generate_cut(10, rate, seed=2)
    path = tmp_path / "df.fcpxml"
    path.write_text(cut_to_fcpxml(cut, tc_format="DF"), encoding="utf-8")
    back = read_cut(path)
    assert back.drop_frame and all(e.drop_frame for e in back.events)
    # a rate the caller gives counts the file's seconds in its frames
    slower = read_cut(path, rate="24000/1001")
    assert slower.rate == Fraction(24000, 1001) and slower.rate_source == "given"
    assert slower.record_start == round(Fraction(cut.record_start) / rate * Fraction(24000, 1001))


def test_fcpxml_that_does_not_parse_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.fcpxml"
    bad.write_text("<fcpxml><resources>", encoding="utf-8")
    with pytest.raises(FileFormatError, match="bad.fcpxml: cannot read as fcpxml"):
        read_cut(bad)
    odd = tmp_path / "odd.fcpxml"
    odd.write_text(cut_to_fcpxml(generate_cut(5, Fraction(24), seed=1)).replace('start="0s"', 'start="x/ys"', 1))
    with pytest.raises(FileFormatError, match="odd.fcpxml: cannot read as fcpxml: asset start='x/ys'"):
        read_cut(odd)


@pytest.mark.parametrize("suffix", [".edl", ".xml", ".fcpxml", ".aaf", ".otio"])
def test_a_recut_gives_the_same_change_list_in_every_format(tmp_path: Path, suffix: str) -> None:
    pair = make_pair(30, Fraction(24), seed=3, trims=1, inserts=1, deletes=2, moves=1, replaces=1, version_bumps=0)
    old = read_cut(write_cut(pair.old, tmp_path / f"R1_v1{suffix}"))
    new = read_cut(write_cut(pair.new, tmp_path / f"R1_v2{suffix}"))
    assert frames_to_tc(new.record_start, new.rate) == "01:00:00:00"
    assert len(new.events) == len(pair.new.events)
    # the AAF writer leaves its file sources unnamed ("Mob" once read): a clip is known by its master clip
    assert len({e.reel for e in new.events}) > 3, {e.reel for e in new.events}

    def changes(a: object, b: object) -> list[tuple[str, int, int]]:
        return sorted((c.type, c.head_frames, c.tail_frames) for c in diff_cuts(a, b).changes)  # type: ignore[arg-type]

    assert changes(old, new) == changes(pair.old, pair.new)
