"""The conform check from the command line and from a deliverable whose spec names a cut version."""

import json
from fractions import Fraction
from pathlib import Path

import pytest
from typer.testing import CliRunner

from postprod.cli.main import app
from postprod.editorial.edl_writer import cut_to_edl
from postprod.qc.conform_synth import Planted, make_cut, render_master

runner = CliRunner()
RATE = Fraction(25)
SPEC = """
[spec]
title = "Master against the locked cut"
[video]
frame_rates = ["25"]
[conform]
cut = "{cut}"
"""


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("conform")
    cut = make_cut(RATE, events=10, seed=11, dissolve_at=5)
    edl = d / "locked.edl"
    edl.write_text(cut_to_edl(cut), encoding="utf-8")
    good = render_master(d / "good.mov", cut, head_frames=25).path
    bad = render_master(d / "bad.mov", cut, head_frames=25, planted=Planted(slip={3: 2}, flash=[7])).path
    return {"edl": edl, "good": good, "bad": bad}


def _run(*args: str) -> tuple[int, str, str]:
    r = runner.invoke(app, list(args))
    if r.exception and not isinstance(r.exception, SystemExit):
        raise r.exception
    return r.exit_code, r.stdout, r.stderr


def test_qc_conform_command_with_a_file_and_an_imported_version(cli_db: str, media: dict[str, Path]) -> None:
    code, out, _ = _run("qc", "conform", str(media["good"]), "--cut", str(media["edl"]), "--json")
    assert code == 0
    data = json.loads(out)
    assert data["passed"] and data["findings"] == [] and data["matched_exact"] == data["edits"] == 9
    assert data["master_start_tc"] == "00:59:59:00"
    code, out, _ = _run("qc", "conform", str(media["bad"]), "--cut", str(media["edl"]))
    assert code == 1
    assert "moved_cut" in out and "2 frame(s) late" in out and "flash_frame" in out
    # a version already imported, named as `cut versions` lists it
    assert _run("demo")[0] == 0
    assert _run("cut", "import", str(media["edl"]), "--reel", "R9")[0] == 0
    code, out, _ = _run("qc", "conform", str(media["bad"]), "--cut", "R9 v1", "--json")
    assert code == 1
    kinds = sorted(f["kind"] for f in json.loads(out)["findings"])
    assert kinds == ["flash_frame", "moved_cut"]
    code, out, err = _run("qc", "conform", str(media["bad"]), "--cut", "R9 v7")
    assert code == 2 and "no version 7 of reel 'R9'" in err and len(err.strip().splitlines()) == 1
    code, _, err = _run("qc", "conform", str(media["bad"]), "--cut", str(media["edl"]), "--rate", "24")
    assert code == 2 and "locked.edl" in err and len(err.strip().splitlines()) == 1


def test_deliverable_qc_runs_the_conform_check(
    cli_db: str, media: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POSTPROD_MEDIA_ROOTS", str(media["bad"].parent))
    assert _run("demo")[0] == 0
    assert _run("cut", "import", str(media["edl"]), "--reel", "R9")[0] == 0
    spec = tmp_path / "conform.toml"
    spec.write_text(SPEC.format(cut="R9 v1"))
    code, _, err = _run("deliverable", "add", "Locked master", "--spec", str(spec), "--file", str(media["bad"]))
    assert code == 0, err
    code, out, err = _run("deliverable", "qc", "Locked master", "--json")
    assert code == 1, err
    run = json.loads(out)
    assert run["result"] == "fail" and run["status"] == "fix"
    conform = [f for f in run["findings"] if f["clause"] == "conform"]
    assert sorted(f["kind"] for f in conform) == ["flash_frame", "moved_cut"]
    moved = next(f for f in conform if f["kind"] == "moved_cut")
    assert "2 frame(s) late" in moved["message"] and moved["start_tc"].startswith("01:00:")
    clause = next(c for c in run["clauses"] if c["id"] == "conform")
    assert clause["status"] == "fail" and "8 of 9 edits exact" in clause["measured"]
    # the fixed master passes
    assert _run("deliverable", "update", "Locked master", "--file", str(media["good"]))[0] == 0
    code, out, err = _run("deliverable", "qc", "Locked master", "--json")
    assert code == 0, err
    assert json.loads(out)["status"] == "qc-passed"
    # a spec naming a version that does not exist is refused before anything is measured
    spec.write_text(SPEC.format(cut="R9 v4"))
    assert _run("deliverable", "update", "Locked master", "--spec", str(spec))[0] == 0
    code, _, err = _run("deliverable", "qc", "Locked master", "--json")
    assert code == 2 and "no version 4 of reel 'R9'" in err
