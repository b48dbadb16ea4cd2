"""Gantt charts come out as valid, non-empty SVG, HTML and PNG, the critical path highlighted."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from postprod.cli.main import app
from postprod.errors import InvalidInput
from postprod.planning import Dependency, Person, Problem, Room, Task, solve
from postprod.planning.gantt import CRITICAL, lanes_of, to_html, to_svg, write


def small_plan():  # type: ignore[no-untyped-def]
    p = Problem(
        date(2025, 3, 3),
        [
            Task("cut", 4, skills=frozenset({"edit"}), room_kind="suite"),
            Task("grade & <mix>", 3, people=("ann",)),
            Task("qc", 1),
        ],
        [Dependency("cut", "grade & <mix>"), Dependency("grade & <mix>", "qc")],
        people=[Person("ann", frozenset({"edit"}))],
        rooms=[Room("s1", "suite")],
    )
    return solve(p, time_limit=0)


def test_svg_is_valid_and_marks_the_critical_path() -> None:
    plan = small_plan()
    svg = to_svg(plan, "person", "Feature")
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    rects = [r for r in root.iter() if r.tag.endswith("rect") and r.get("fill") == CRITICAL]
    assert plan.critical_path == ["cut", "grade & <mix>", "qc"]
    assert len(rects) == len(plan.critical_path)
    assert "grade &amp; &lt;mix&gt;" in svg
    assert [name for name, _ in lanes_of(plan, "person")] == ["ann", "(unassigned)"]
    assert [name for name, _ in lanes_of(plan, "room")] == ["s1", "(unassigned)"]


def test_html_is_standalone() -> None:
    html = to_html(small_plan(), "room", "Feature")
    assert (
        html.startswith("<!DOCTYPE html>")
        and "<svg" in html
        and "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    )
    assert "<li>cut</li>" in html


def test_png_and_bad_suffix(tmp_path: Path) -> None:
    plan = small_plan()
    out = write(plan, tmp_path / "plan.png")
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 1000
    with pytest.raises(InvalidInput, match="pdf"):
        write(plan, tmp_path / "plan.pdf")
    with pytest.raises(InvalidInput, match="lanes"):
        to_svg(plan, "desk")


def test_cli_gantt_file_and_psplib(tmp_path: Path) -> None:
    runner = CliRunner()
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(small_plan().to_dict()))
    res = runner.invoke(app, ["plan", "gantt-file", str(plan_file), "--out", str(tmp_path / "g.svg")])
    assert res.exit_code == 0, res.output
    ET.fromstring((tmp_path / "g.svg").read_text())
    bad = tmp_path / "bad.json"
    bad.write_text("{nope")
    res = runner.invoke(app, ["plan", "gantt-file", str(bad), "--out", str(tmp_path / "g.svg")])
    assert res.exit_code != 0
    sm = tmp_path / "t.sm"
    sm.write_text(
        "jobs (incl. supersource/sink ):  4\n- renewable : 1 R\nPRECEDENCE RELATIONS:\nhdr\n"
        "1 1 2 2 3\n2 1 1 4\n3 1 1 4\n4 1 0\nREQUESTS/DURATIONS:\nhdr\n---\n"
        "1 1 0 0\n2 1 2 1\n3 1 3 1\n4 1 0 0\nRESOURCEAVAILABILITIES:\nR 1\n1\n"
    )
    res = runner.invoke(app, ["plan", "psplib", str(sm), "--time-limit", "1", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert set(out) == {"instance", "makespan", "lower_bound", "optimal", "seconds", "solver"}
    assert out["instance"] == "t" and out["makespan"] == 5 and out["optimal"] is True
    sm.write_text("jobs (incl. supersource/sink ):  4\n")
    res = runner.invoke(app, ["plan", "psplib", str(sm)])
    assert res.exit_code == 2 and "no precedence relations" in res.output
