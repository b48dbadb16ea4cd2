"""Subtitles against the master (shot changes, programme length), conversion for delivery, and subtitle
files as deliverables per language."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from qc_media_synth import H, W, make_clip
from subtitle_synth import Sub, write_srt
from typer.testing import CliRunner

from postprod.cli.main import app
from postprod.qc.subtitle_read import read_subtitles

runner = CliRunner()
CUTS = (40, 70)  # shot changes of the master, frames from its first


def shots(i: int) -> np.ndarray:
    """Three shots of different pictures, each moving a little from frame to frame."""
    shot = sum(i >= c for c in CUTS)
    rng = np.random.default_rng(shot)
    base = rng.integers(30, 220, size=(H // 10 + 1, W // 10 + 1, 3), dtype=np.uint8)
    img = np.kron(base, np.ones((10, 10, 1), np.uint8))[:H, :W]
    return np.roll(img, i, axis=1)


@pytest.fixture(scope="module")
def master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("master")
    return make_clip(
        d / "master.mov", fmt="mov", codec="mpeg4", rate=Fraction(25), timecode="10:00:00:00", frames=100,
        audio=False, picture_fn=shots, options={"qscale": "2"},
    )  # fmt: skip


def test_shot_changes_from_one_decode(master: Path) -> None:
    from postprod.qc.subtitle_video import master_info

    info = master_info(master)
    assert info.shot_changes == list(CUTS)
    assert info.frames == 100 and info.rate == 25 and info.start_tc == "10:00:00:00"


def test_subtitles_near_shot_changes_and_past_the_end(master: Path, tmp_path: Path) -> None:
    rate = Fraction(25)
    subs = [
        Sub(5, 37, ["Starts clear, ends 3 frames", "before the cut at 40"]),
        Sub(40, 57, ["On the cut"]),
        Sub(72, 104, ["Two frames after the cut", "and past the end"]),
    ]
    path = write_srt(tmp_path / "near.srt", subs, rate)
    r = runner.invoke(
        app, ["qc", "subtitles", str(path), "--spec", "subtitles-netflix-en", "--video", str(master), "--json"]
    )
    assert r.exit_code == 1, r.output
    data = json.loads(r.stdout)
    assert data["programme"]["start_timecode"] == "10:00:00:00" and data["programme"]["frames"] == 100
    near = [(f["subtitle"], f["start_tc"], f["message"]) for f in data["findings"] if f["kind"] == "shot_change"]
    assert near == [
        (1, "10:00:00:05", "ends 3 frame(s) before the shot change at 10:00:01:15"),
        (3, "10:00:02:22", "starts 2 frame(s) after the shot change at 10:00:02:20"),
    ]
    after = [(f["subtitle"], f["measured"]) for f in data["findings"] if f["kind"] == "after_programme"]
    assert after == [(3, "10:00:04:04")]


def test_convert_srt_to_stl_and_imsc(tmp_path: Path) -> None:
    rate = Fraction(25)
    subs = [Sub(25, 75, ["Première ligne", "seconde"]), Sub(100, 150, ["En italique"], italic=True)]
    src = write_srt(tmp_path / "in.srt", subs, rate)
    stl = tmp_path / "out.stl"
    r = runner.invoke(app, ["subtitles", "convert", str(src), str(stl), "--start", "10:00:00:00", "--language", "fr"])
    assert r.exit_code == 0, r.output
    back = read_subtitles(stl)
    assert back.start_timecode == "10:00:00:00" and back.language == "fr"
    start = 10 * 3600
    got = [(s.start - start, s.end - start, s.lines) for s in back.subtitles]
    assert got == [(1, 3, ["Première ligne", "seconde"]), (4, 6, ["En italique"])]
    assert stl.read_bytes().count(b"\x80") == 1  # the italic subtitle keeps its italics
    ttml = tmp_path / "out.ttml"
    r = runner.invoke(app, ["subtitles", "convert", str(src), str(ttml), "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["target_format"] == "ttml"
    assert [(s.start, s.end, s.lines) for s in read_subtitles(ttml).subtitles] == [
        (s_.start, s_.end, s_.lines) for s_ in read_subtitles(src).subtitles
    ]


def test_convert_refuses_broken_input_and_unknown_target(tmp_path: Path) -> None:
    bad = tmp_path / "bad.srt"
    bad.write_text("1\n00:00:01,000 --> 00:00:0x,000\nHi\n")
    r = runner.invoke(app, ["subtitles", "convert", str(bad), str(tmp_path / "o.stl")])
    assert r.exit_code == 2 and "bad.srt:2: bad timing" in r.stderr and "Traceback" not in r.output
    good = write_srt(tmp_path / "good.srt", [Sub(25, 75, ["Hi"])], Fraction(25))
    r = runner.invoke(app, ["subtitles", "convert", str(good), str(tmp_path / "o.docx")])
    assert r.exit_code == 2 and "cannot tell the format" in r.stderr


def test_subtitle_deliverable_per_language(cli_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("POSTPROD_MEDIA_ROOTS", raising=False)
    rate = Fraction(25)
    subs = [Sub(25, 75, ["Hello"]), Sub(76, 120, ["A line of subtitle far too long for the English guide"])]
    path = write_srt(tmp_path / "film.en.srt", subs, rate)

    def ok(*args: str) -> str:
        r = runner.invoke(app, list(args))
        assert r.exit_code == 0, r.output
        return r.stdout

    ok("demo")
    ok("cues", "dubbing", "update", "en", "--studio", "Studio Anglais", "--translation", "done")  # the demo's
    r = runner.invoke(
        app, ["deliverable", "add", "Subtitles EN", "--spec", "subtitles-netflix-en", "--file", str(path)]
    )
    assert r.exit_code == 2 and "give the subtitles' --language" in r.stderr
    r = runner.invoke(app, ["deliverable", "add", "X", "--spec", "subtitles-fr", "--language", "french!"])
    assert r.exit_code == 2 and "invalid language" in r.stderr
    ok("deliverable", "add", "Subtitles EN", "--spec", "subtitles-netflix-en", "--file", str(path), "--language", "en")
    r = runner.invoke(app, ["deliverable", "qc", "Subtitles EN", "--json"])
    assert r.exit_code == 1, r.output
    run = json.loads(r.stdout)
    assert run["status"] == "fix"
    kinds = {(f["kind"], f["start_tc"]) for f in run["findings"]}
    assert ("line_length", "00:00:03:01") in kinds and ("gap", "00:00:03:01") in kinds
    line = next(f for f in run["findings"] if f["kind"] == "line_length")
    assert line["message"].startswith("subtitle 2: 53 characters (limit 42 characters)")
    shown = json.loads(ok("deliverable", "show", "Subtitles EN", "--json"))
    assert shown["language"] == "en" and shown["kind"] == "subtitles"
    work = shown["language_work"]
    assert work["language"] == "en" and work["tasks"], work  # the demo's English dubbing and subtitling tasks
    assert all("-EN-" in t["key"] for t in work["tasks"])
    assert work["dubbing"]["language"] == "en" and work["dubbing"]["studio"] == "Studio Anglais"
