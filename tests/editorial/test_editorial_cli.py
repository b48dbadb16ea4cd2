"""The cut and vfx commands: inspect, diff with its outputs, pulls, and one-line errors."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

from typer.testing import CliRunner

from postprod.cli.main import app
from postprod.editorial.edl_writer import cut_to_edl
from postprod.editorial.synth import make_pair

runner = CliRunner()


def _pair(tmp_path: Path) -> tuple[Path, Path, int]:
    pair = make_pair(100, Fraction(25), seed=3)
    old, new = tmp_path / "old.edl", tmp_path / "new.edl"
    old.write_text(cut_to_edl(pair.old))
    new.write_text(cut_to_edl(pair.new))
    return old, new, len(pair.expected)


def test_cut_diff_json_and_files(tmp_path: Path) -> None:
    old, new, n = _pair(tmp_path)
    res = runner.invoke(
        app,
        [
            "cut",
            "diff",
            str(old),
            str(new),
            "--rate",
            "25",
            "--json",
            "--csv",
            str(tmp_path / "c.csv"),
            "--html",
            str(tmp_path / "c.html"),
            "--edl",
            str(tmp_path / "c.edl"),
            "--pdf",
            str(tmp_path / "c.pdf"),
        ],
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert len(data["changes"]) == n == data["summary"]["changes"]
    assert {
        "type",
        "old_event",
        "new_event",
        "reel",
        "clip_name",
        "head_frames",
        "tail_frames",
        "old_record_in",
        "new_record_in",
    } <= set(data["changes"][0])
    assert (tmp_path / "c.csv").read_text().count("\n") == n + 1
    import pypdf

    printed = "\n".join(p.extract_text() for p in pypdf.PdfReader(str(tmp_path / "c.pdf")).pages)
    assert data["changes"][0]["type"] in printed
    assert (tmp_path / "c.html").read_text().startswith("<!DOCTYPE html>")
    assert (tmp_path / "c.edl").read_text().startswith("TITLE:")


def test_cut_inspect_and_vfx_pulls(tmp_path: Path) -> None:
    old, _, _ = _pair(tmp_path)
    res = runner.invoke(app, ["cut", "inspect", str(old), "--rate", "25", "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["summary"]["events"] == 100
    res = runner.invoke(
        app, ["vfx", "pulls", str(old), "--rate", "25", "--handles", "12", "--json", "--otio", str(tmp_path / "p.otio")]
    )
    assert res.exit_code == 0, res.output
    pulls = json.loads(res.stdout)
    assert pulls["handles"] == 12 and pulls["shots"] > 0
    assert all(p["source_in"] - p["pull_in"] == 12 for p in pulls["pulls"])
    assert (tmp_path / "p.otio").is_file()


def test_bad_file_is_one_line_exit_2(tmp_path: Path) -> None:
    import subprocess
    import sys

    bad = tmp_path / "bad.edl"
    bad.write_text("001  A001 V C 01:00:00:00 01:00:00:25 01:00:00:00 01:00:01:00\n")
    proc = subprocess.run(
        [sys.executable, "-m", "postprod.cli.main", "cut", "inspect", str(bad), "--rate", "25"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().startswith(f"error: {bad}:1: impossible timecode 01:00:00:25")
    ok = runner.invoke(app, ["cut", "inspect", str(bad), "--rate", "25", "--lenient", "--json"])
    assert ok.exit_code == 0 and json.loads(ok.stdout)["skipped"][0]["line"] == 1
