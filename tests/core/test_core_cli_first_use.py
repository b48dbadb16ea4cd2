"""What a new user trips on first: VFX pulls and cuts feeding the register, piped tables, plurals."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from postprod.cli.main import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def _piped(monkeypatch: pytest.MonkeyPatch) -> None:
    """Output piped as in a shell, where COLUMNS is not exported (pytest-xdist workers set it to 80)."""
    monkeypatch.delenv("COLUMNS", raising=False)


def ok(*args: str) -> str:
    r = runner.invoke(app, list(args))
    assert r.exit_code == 0, (args, r.stdout, r.stderr)
    return r.stdout


def _cut(tmp_path: Path) -> tuple[Path, Path]:
    a, b = tmp_path / "a.edl", tmp_path / "b.edl"
    ok("sample", "cut", str(a), str(b), "--events", "120")
    return a, b


def test_cut_import_places_the_vfx_shots_it_names(cli_db: str, tmp_path: Path) -> None:
    """A first cut adds the shots its locators and remarks name to the register, placed (was '0 VFX shots placed')."""
    a, b = _cut(tmp_path)
    ok("production", "create", "Film")
    named = json.loads(ok("cut", "inspect", str(a), "--rate", "24", "--json"))["summary"]["vfx_shots"]
    assert named >= 10
    out = ok("cut", "import", str(a), "-r", "R1", "--rate", "24")
    assert f"{named} VFX shots placed ({named} new to the VFX register)" in out
    shots = json.loads(ok("cues", "vfx", "list", "--json"))
    assert len(shots) == named and all(s["reel"] == "R1" and s["record_in_tc"] for s in shots)
    # the recut moves them: nothing new to add, each shot followed its ID
    data = json.loads(ok("cut", "import", str(b), "-r", "R1", "--json"))
    assert data["carried"]["added"] == 0 and data["carried"]["shifted"] + data["carried"]["review"] >= named - 2


def test_pulls_import_as_placed_shots(cli_db: str, tmp_path: Path) -> None:
    """`vfx pulls --csv` then `cues vfx import`: the record reel of the cut and the pull's record timecodes."""
    a, _b = _cut(tmp_path)
    pulls = tmp_path / "pulls.csv"
    ok("vfx", "pulls", str(a), "--rate", "24", "--csv", str(pulls))
    rows = {r["shot_id"]: r for r in csv.DictReader(pulls.open())}
    ok("production", "create", "Film")
    # before the cut is imported, a pull list that does not name the cut's reel has nowhere to place them
    r = runner.invoke(app, ["cues", "vfx", "import", str(pulls)])
    assert r.exit_code == 2 and "is named in no imported cut" in r.stderr and "vfx pulls --reel" in r.stderr
    ok("cut", "import", str(a), "-r", "R1", "--rate", "24")
    # the cut placed the shots already: the pulls say the same, so importing them again changes nothing
    out = ok("cues", "vfx", "import", str(pulls))
    assert f"0 VFX shots added, 0 updated, {len(rows)} unchanged" in out
    shots = json.loads(ok("cues", "vfx", "list", "--json"))
    assert len(shots) == len(rows)
    for s in shots:
        pull = rows[s["shot_id"]]
        assert s["reel"] == "R1" != pull["reel"]  # the cut's reel, not the camera roll
        assert (s["record_in_tc"], s["record_out_tc"]) == (pull["record_in_tc"], pull["record_out_tc"])


def test_pulls_written_with_the_reel_place_the_shots_before_the_cut(cli_db: str, tmp_path: Path) -> None:
    """`vfx pulls --reel R1 --csv` then `cues vfx import`, as a new user types them: placed shots, which then
    follow the cut when it is imported."""
    a, b = _cut(tmp_path)
    pulls = tmp_path / "pulls.csv"
    ok("vfx", "pulls", str(a), "--rate", "24", "--reel", "R1", "--csv", str(pulls))
    rows = {r["shot_id"]: r for r in csv.DictReader(pulls.open())}
    assert {r["record_reel"] for r in rows.values()} == {"R1"}
    ok("production", "create", "Film", "--fps", "24")
    out = ok("cues", "vfx", "import", str(pulls))
    assert f"{len(rows)} VFX shots added" in out
    shots = json.loads(ok("cues", "vfx", "list", "--json"))
    assert {s["shot_id"] for s in shots} == set(rows)
    for s in shots:
        pull = rows[s["shot_id"]]
        assert s["reel"] == "R1" and (s["record_in_tc"], s["record_out_tc"]) == (
            pull["record_in_tc"],
            pull["record_out_tc"],
        )
    # the first cut takes them where they are; the recut carries them by their IDs
    data = json.loads(ok("cut", "import", str(a), "-r", "R1", "--rate", "24", "--json"))
    assert data["carried"]["added"] == 0
    data = json.loads(ok("cut", "import", str(b), "-r", "R1", "--json"))
    assert (
        data["carried"]["added"] == 0
        and data["carried"]["shifted"] + data["carried"]["review"] + data["carried"]["unchanged"] >= len(rows) - 2
    )


def test_pulls_import_into_an_empty_register(cli_db: str, tmp_path: Path) -> None:
    a, _b = _cut(tmp_path)
    pulls = tmp_path / "pulls.csv"
    ok("vfx", "pulls", str(a), "--rate", "24", "--csv", str(pulls))
    ok("production", "create", "Film")
    ok("cut", "import", str(a), "-r", "R1", "--rate", "24")
    ok("cues", "vfx", "delete", json.loads(ok("cues", "vfx", "list", "--json"))[0]["shot_id"])
    out = ok("cues", "vfx", "import", str(pulls), "--update")
    assert "1 VFX shot added, " in out  # and the plural right


def test_piped_tables_are_not_cut(cli_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rich cuts tables at 80 columns when stdout is not a terminal; piped output keeps every cell whole."""
    ok("demo")
    out = ok("task", "list")
    assert "…" not in out
    assert max(len(line) for line in out.splitlines()) > 80
    assert "PIC-EDITORS-CUT" in out
    # a set width (COLUMNS) is still obeyed
    monkeypatch.setenv("COLUMNS", "100")
    assert max(len(line) for line in ok("task", "list").splitlines()) <= 100


def test_counts_read_as_english(cli_db: str, tmp_path: Path) -> None:
    ok("production", "create", "Film")
    music = tmp_path / "music.csv"
    music.write_text("cue,title,composer\n1M1,Overture,A. Composer\n")
    assert "1 music cue added, 0 updated, 0 bad lines skipped" in ok("cues", "music", "import", str(music))
    assert "1 cue, " in ok("music", "cue-sheet")


def test_replan_says_why_and_slippage_shows_the_plan(cli_db: str) -> None:
    ok("demo")
    out = ok("plan", "replan", "--slip", "PIC-EDITORS-CUT:5", "--time-limit", "0.5")
    assert "Why" in out and "PIC-EDITORS-CUT slips +5 working days (the incident) > PIC-DIRECTORS-CUT waits" in out
    stored = json.loads(ok("plan", "show", "--json"))  # the current plan is the replan's, its moves explained
    assert stored["incident"] == "PIC-EDITORS-CUT slips +5 days" and all(m["why"] for m in stored["moves"])
    people = {p["name"] for p in json.loads(ok("person", "list", "--json"))}
    named = [link["resource"] for m in stored["moves"] for link in m["chain"] if link["resource"]]
    assert named and set(named) <= people | {r["name"] for r in json.loads(ok("room", "list", "--json"))}
    out = ok("plan", "slippage")
    assert "from actual progress" in out and "finish later than in the baseline" in out
