"""The cut and register commands end to end: import two versions, carry cues, review, cue sheet, errors with exit 2."""

from __future__ import annotations

import csv
import io
import json
import sys
from fractions import Fraction
from pathlib import Path

import pytest
from typer.testing import CliRunner

from postprod.cli.main import app, main
from postprod.editorial.edl_writer import cut_to_edl
from postprod.editorial.synth import make_pair

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


def test_cut_versions_and_cues_round_trip(cli_db: str, tmp_path: Path) -> None:
    ok("production", "create", "Recut", "--fps", "25", "--start", "2027-01-04")
    pair = make_pair(40, Fraction(25), seed=9, trims=1, inserts=1, deletes=1, moves=1, replaces=1, version_bumps=0)
    v1, v2 = tmp_path / "r1_v1.edl", tmp_path / "r1_v2.edl"
    v1.write_text(cut_to_edl(pair.old))
    v2.write_text(cut_to_edl(pair.new))
    first = json.loads(ok("cut", "import", str(v1), "--reel", "R1", "--rate", "25", "--json"))
    assert first["version"]["version"] == 1 and first["change_summary"] is None

    old = pair.old
    deleted = next(c["old_event"] for c in pair.expected if c["type"] == "delete")
    rows = [["Cue", "Character", "TC In", "TC Out", "Line", "Reel"]]
    for e in old.events:
        rows.append(
            [f"{e.number}", "MARIE", old.tc(e.record_in + 3), old.tc(e.record_in + 8), f"line {e.number}", "R1"]
        )
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    spotting = tmp_path / "adr.csv"
    spotting.write_text(buf.getvalue())
    assert json.loads(ok("cues", "adr", "import", str(spotting), "--json"))["created"] == len(old.events)
    ok("cues", "music", "add", "1M1", "--title", "Theme", "--composer", "C", "--publisher", "P", "--usage",
       "main title", "--reel", "R1", "--in", old.tc(old.events[0].record_in), "--out", old.tc(old.events[0].record_out))  # fmt: skip

    code, out, err = run("cut", "import", str(v2), "--reel", "R1", "--label", "DC2")
    assert code == 0, err
    assert "5 changes" in out and "flagged for review" in out
    second = json.loads(ok("cut", "versions", "--reel", "R1", "--json"))
    assert [v["version"] for v in second] == [1, 2] and second[1]["label"] == "DC2"
    assert second[1]["changes"]["changes"] == 5 and second[1]["carried"]["review"] >= 4

    review = json.loads(ok("cues", "review", "--json"))
    keys = {r["key"] for r in review if r["kind"] == "adr"}
    assert str(deleted) in keys and len(keys) == 4  # trim, delete, move and replace; the insert holds no cue
    listed = json.loads(ok("cues", "adr", "list", "--json"))
    assert len(listed) == len(old.events)
    shown = json.loads(ok("cues", "adr", "show", str(deleted), "--json"))
    assert shown["review"] and "deleted" in shown["review_reason"] and shown["cut_version"] == 1
    cleared = json.loads(ok("cues", "adr", "update", str(deleted), "--reviewed", "--status", "omitted", "--json"))
    assert not cleared["review"] and cleared["status"] == "omitted"

    changes = json.loads(ok("cut", "changes", "--reel", "R1", "--json"))
    assert (changes["from"], changes["to"]) == (1, 2) and len(changes["changes"]) == 5
    csv_out = tmp_path / "changes.csv"
    ok("cut", "changes", "--reel", "R1", "--from", "1", "--to", "2", "--csv", str(csv_out))
    assert len(csv_out.read_text().splitlines()) == 6

    sheet = tmp_path / "cues.html"
    ok("music", "cue-sheet", "--out", str(sheet))
    assert "Theme" in sheet.read_text()
    # the same sheet printed, and as a workbook whose total duration is a formula over the cues
    import pypdf
    from openpyxl import load_workbook

    ok("music", "cue-sheet", "--out", str(tmp_path / "cues.pdf"))
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(str(tmp_path / "cues.pdf")).pages)
    assert "Music cue sheet" in text and "Theme" in text
    ok("music", "cue-sheet", "--out", str(tmp_path / "cues.xlsx"))
    ws = load_workbook(tmp_path / "cues.xlsx").active
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    assert rows[0][1] == "Theme" and rows[-1][0] == "TOTAL" and rows[-1][-1] == f"=SUM(K3:K{len(rows) + 1})"
    assert ws.freeze_panes == "A3"
    data = json.loads(ok("music", "cue-sheet", "--json"))
    assert data["totals"]["cues"] == 1 and data["cues"][0]["usage"] == "main-title"


def fail(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """Run the real entry point; it must exit 2 with errors on stderr. Returns stderr."""
    old = sys.argv
    sys.argv = ["postprod", *args]
    try:
        with pytest.raises(SystemExit) as exc:
            main()
    finally:
        sys.argv = old
    captured = capsys.readouterr()
    assert exc.value.code == 2, captured
    lines = [line for line in captured.err.splitlines() if line.strip()]
    assert lines and all(line.startswith("error: ") for line in lines), captured.err
    return captured.err


def test_bad_input_exits_2_and_writes_nothing(cli_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ok("production", "create", "Bad Input", "--fps", "24", "--start", "2027-01-04")
    garbage = tmp_path / "garbage.edl"
    garbage.write_bytes(b"\x00\xff\xfe binary")
    err = fail(capsys, "cut", "import", str(garbage), "--reel", "R1", "--rate", "24")
    assert "garbage.edl" in err
    assert json.loads(ok("cut", "versions", "--json")) == []
    bad = tmp_path / "vfx.csv"
    bad.write_text(
        "shot,bid,status\n010_SKY_0010,1000,not-started\n010_SKY_0020,lots,not-started\n010_SKY_0030,5,done\n"
    )
    err = fail(capsys, "cues", "vfx", "import", str(bad))
    assert f"{bad}:3: " in err and f"{bad}:4: " in err and "nothing imported" in err
    assert json.loads(ok("cues", "vfx", "list", "--json")) == []
    ok("cues", "vfx", "import", str(bad), "--skip-bad")
    assert [r["key"] for r in json.loads(ok("cues", "vfx", "list", "--json"))] == ["010_SKY_0010"]
    err = fail(capsys, "cues", "vfx", "update", "010_SKY_0010", "--status", "final")
    assert "cannot go from not-started to final" in err
    err = fail(capsys, "cues", "adr", "add", "1", "--in", "01:00:00:24")
    assert "frame 24" in err
    err = fail(capsys, "cut", "changes", "--reel", "R1")
    assert "no cut of reel" in err
    err = fail(capsys, "music", "cue-sheet", "--out", str(tmp_path / "sheet.docx"))
    assert ".csv, .html, .pdf or .xlsx" in err
