"""Shot changes from the video pass: the same in segments decoded side by side as in one pass; the spec's
[conform] clause without a cut to compare with is not checked."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from postprod.qc import video_segments
from postprod.qc.analyze import analyze
from postprod.qc.check import check
from postprod.qc.conform_synth import make_cut, render_master
from postprod.qc.probe import probe
from postprod.qc.shots import find_cuts
from postprod.qc.spec import parse_spec_text
from postprod.qc.video import VideoOptions


def test_segments_give_the_shot_changes_of_one_pass(tmp_path, monkeypatch):
    monkeypatch.setattr(video_segments, "MIN_SEGMENT_SECONDS", 1.0)
    cut = make_cut(Fraction(25), events=12, seed=31)
    m = render_master(tmp_path / "m.mp4", cut, size=(640, 360), options={"preset": "ultrafast", "crf": "20", "g": "25"})
    plan = video_segments.plan_segments(str(m.path), probe(m.path), 4)
    assert plan is not None and len(plan[1]) >= 3
    opts = VideoOptions(shots=True)
    one = analyze(m.path, audio=False, workers=1, video_options=opts).video
    many = analyze(m.path, audio=False, workers=2, video_options=opts).video
    assert one is not None and many is not None and one.shots is not None and many.shots is not None
    assert many.shots.n == one.shots.n == m.frames
    for a, b in zip(one.shots.arrays(), many.shots.arrays(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-4)
    expected = [e.record_in - m.start_frame for e in cut.events[1:] if e.transition == "C"]
    assert find_cuts(many.shots) == find_cuts(one.shots) == expected
    # a seam fell inside the programme, between two cuts or on one
    assert any(0 < s.start_frame < m.frames for s in plan[1])


def test_conform_clause_without_the_cut_is_not_checked(tmp_path):
    cut = make_cut(Fraction(25), events=3, seed=2)
    m = render_master(tmp_path / "m.mov", cut)
    spec = parse_spec_text('[conform]\ncut = "R1 v2"\n', "locked.toml")
    clause = next(c for c in check(m.path, spec).clauses if c.id == "conform")
    assert clause.status == "not_checked" and "deliverable" in clause.message
    with pytest.raises(Exception, match="conform.max_shift: expected a whole number > 0"):
        parse_spec_text('[conform]\ncut = "R1"\nmax_shift = 0\n', "bad.toml")
