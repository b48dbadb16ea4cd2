"""Example material: the tone reads its level on the meter, the recut differs by the changes made."""

import json
from pathlib import Path

from typer.testing import CliRunner

from postprod.cli.main import app

runner = CliRunner()


def test_tone_reads_its_level(tmp_path: Path) -> None:
    out = tmp_path / "tone.wav"
    r = runner.invoke(app, ["sample", "tone", str(out), "--level", "-20", "--seconds", "5"])
    assert r.exit_code == 0, r.stderr
    r = runner.invoke(app, ["qc", "loudness", str(out), "--json"])
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    # a stereo sine at -20 dBFS per channel reads -20 LUFS (BS.1770: 1 kHz is almost unweighted)
    assert abs(data["integrated_lufs"] + 20) < 0.1
    assert abs(data["true_peak_dbtp"] + 20) < 0.2


def test_tone_level_is_the_loudness_of_the_whole_file(tmp_path: Path) -> None:
    """A 5.1 tone at --level -23 reads -23 LUFS (surrounds weigh 1.41, LFE 0: not -23 dBFS per channel)."""
    out = tmp_path / "pm.wav"
    r = runner.invoke(app, ["sample", "tone", str(out), "--channels", "6", "--level", "-23", "--seconds", "3"])
    assert r.exit_code == 0, r.stderr
    assert "-23 LUFS (-27.6" in r.stdout and "6 channels" in r.stdout
    data = json.loads(runner.invoke(app, ["qc", "loudness", str(out), "--json"]).stdout)
    assert abs(data["integrated_lufs"] + 23) < 0.1
    # a level the tone cannot reach without clipping is refused, with the highest it can reach
    r = runner.invoke(app, ["sample", "tone", str(out), "--channels", "1", "--level", "-1"])
    assert r.exit_code == 2 and "1 channel would clip; at most -3.1 LUFS" in r.stderr


def test_cut_and_recut(tmp_path: Path) -> None:
    old, new = tmp_path / "a.edl", tmp_path / "b.edl"
    r = runner.invoke(app, ["sample", "cut", str(old), str(new), "--events", "60", "--rate", "25"])
    assert r.exit_code == 0, r.stderr
    r = runner.invoke(app, ["cut", "diff", str(old), str(new), "--rate", "25", "--json"])
    assert r.exit_code == 0, r.stderr
    types = {c["type"] for c in json.loads(r.stdout)["changes"]}
    assert {"trim", "insert", "delete", "move", "replace"} <= types
    assert runner.invoke(app, ["sample", "cut", str(old), str(new), "--events", "5"]).exit_code == 2
