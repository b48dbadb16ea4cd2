"""`postprod plan ...` end to end on a database: run, replan, scenario, baseline, compare, slippage, show, gantt."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from postprod.cli.main import app, main

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def ok(*args: str) -> str:
    code, out, err = run(*args)
    assert code == 0, f"{args} failed: {err}"
    return out


@pytest.fixture
def bad(capsys: pytest.CaptureFixture[str]) -> Callable[..., str]:
    """Run the real entry point and return its one-line error (exit code 2)."""

    def fail(*args: str) -> str:
        old = sys.argv
        sys.argv = ["postprod", *args]
        capsys.readouterr()
        try:
            with pytest.raises(SystemExit) as exc:
                main()
        finally:
            sys.argv = old
        captured = capsys.readouterr()
        assert exc.value.code == 2, captured
        lines = [line for line in captured.err.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("error: "), captured.err
        return lines[0]

    return fail


def test_plan_round_trip(cli_db: str, tmp_path: Path, bad: Callable[..., str]) -> None:
    ok("demo")
    today = date.today().isoformat()
    planned = json.loads(ok("plan", "run", "--time-limit", "0.3", "--today", today, "--json"))
    assert planned["tasks"] == len(json.loads(ok("task", "list", "--json")))
    assert planned["critical_path"] and planned["critical_path"][-1]["key"] == "DLV-DELIVERY"
    text = ok("plan", "run", "Les Heures Claires", "--time-limit", "0", "--today", today)
    assert "Critical path" in text and "DLV-DELIVERY" in text and "delivery" in text
    shown = json.loads(ok("plan", "show", "--json"))
    assert shown["kind"] == "current" and len(shown["tasks"]) == planned["tasks"]
    task = json.loads(ok("task", "show", "GRD-GRADE", "--json"))
    grade = next(t for t in shown["tasks"] if t["key"] == "GRD-GRADE")
    assert task["planned_start"] == grade["start"] and task["planned_finish"] == grade["finish"]
    ok("plan", "baseline")

    # A what-if: the grade slips a week; the baseline and the tasks' dates stay.
    scen = json.loads(
        ok("plan", "replan", "--slip", "GRD-GRADE:5", "--scenario", "slow grade", "--time-limit", "0.3", "--json")
    )
    assert scen["scenario"] == "slow grade"
    assert any(m["task"] == "GRD-GRADE" and m["days"] == 5 for m in scen["moves"])
    assert json.loads(ok("task", "show", "GRD-GRADE", "--json"))["planned_start"] == grade["start"]
    cmp = json.loads(ok("plan", "compare", "slow grade", "--json"))
    assert cmp["baseline"]["kind"] == "baseline" and cmp["scenario"]["name"] == "slow grade"
    assert any(m["task"] == "GRD-GRADE" for m in cmp["moves"])
    assert "slow grade vs baseline" in ok("plan", "compare", "slow grade")

    # A real incident: the colourist is away on the grade's first week; recorded and replanned.
    colourist = grade["people"][0]
    start = date.fromisoformat(grade["start"])
    away = f"{colourist}:{start.isoformat()}:{(start + timedelta(days=4)).isoformat()}"
    rep = json.loads(ok("plan", "replan", "--away", away, "--time-limit", "0.3", "--json"))
    assert any(m["task"] == "GRD-GRADE" and m["days"] > 0 for m in rep["moves"])
    assert json.loads(ok("absence", "list", "--json"))[-1]["who"] == colourist
    moved = ok("plan", "replan", "--depend", "MST-SUBTITLES:DLV-PAPERWORK:1", "--time-limit", "0.3")
    assert "Moved tasks" in moved or "0 tasks moved" in moved
    plans = json.loads(ok("plan", "list", "--json"))
    assert [p["kind"] for p in plans][:3] == ["current", "current", "scenario"]
    assert json.loads(ok("plan", "compare", "--json"))["scenario"]["kind"] == "current"
    slip = json.loads(ok("plan", "slippage", "--json"))
    assert slip["baseline_id"] == cmp["baseline"]["id"]

    for name, lanes in (("plan.html", "person"), ("plan.svg", "room"), ("plan.png", "person")):
        ok("plan", "gantt", "--out", str(tmp_path / name), "--lanes", lanes)
    html = (tmp_path / "plan.html").read_text(encoding="utf-8")
    assert "<svg" in html and "Critical path" in html and colourist in html
    svg = (tmp_path / "plan.svg").read_text(encoding="utf-8")
    assert "#d62728" in svg and "Auditorium de mixage" in svg  # the demo's rooms, named in French
    assert (tmp_path / "plan.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    ok("plan", "gantt", "--out", str(tmp_path / "base.svg"), "--plan", "baseline")

    # Bad input: one line, exit 2, nothing written.
    count = len(json.loads(ok("plan", "list", "--json")))
    assert "TASK:DAYS" in bad("plan", "replan", "--slip", "GRD-GRADE")
    assert "no task" in bad("plan", "replan", "--slip", "NOPE:3")
    assert "YYYY-MM-DD" in bad("plan", "replan", "--away", f"{colourist}:tomorrow:2030-01-01")
    assert "cycle" in bad("plan", "replan", "--depend", "DLV-DELIVERY:PIC-LOCK")
    assert "no incident" in bad("plan", "replan")
    assert "no scenario" in bad("plan", "compare", "nope")
    assert ".html, .svg or .png" in bad("plan", "gantt", "--out", str(tmp_path / "plan.pdf"))
    assert "lanes" in bad("plan", "gantt", "--out", str(tmp_path / "x.svg"), "--lanes", "desk")
    assert "no production" in bad("plan", "run", "Nope")
    assert len(json.loads(ok("plan", "list", "--json"))) == count


def test_impossible_production_is_explained(cli_db: str, bad: Callable[..., str]) -> None:
    ok("production", "create", "Bare", "--delivery", "2031-01-01")
    line = bad("plan", "run", "Bare", "--time-limit", "0")
    assert "nobody has it" in line and "PIC-" in line
    assert "no plan yet" in bad("plan", "show", "Bare")
