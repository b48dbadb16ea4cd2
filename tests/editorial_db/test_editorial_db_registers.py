"""Registers: add and change entries through their workflows, CSV and spotting imports with an error per bad line, cue sheets."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.core.factories import make_production

from postprod.errors import Conflict, FileFormatError, IllegalTransition, InvalidInput, NotFound
from postprod.model import AdrCue, AuditEntry, MusicCue, Note
from postprod.services import register_io as rio
from postprod.services import registers as rg

ADR, MUSIC, VFX, DUB, FOLEY = (rg.KINDS[k] for k in ("adr", "music", "vfx", "dubbing", "foley"))


def test_add_update_workflow_and_concurrency(session: Session) -> None:
    prod = make_production(session, fps="25")
    person = prod.people[0].name
    cue = rg.add_entry(
        session,
        prod,
        ADR,
        {
            "number": "12",
            "character": "MARIE",
            "reel": "R1",
            "in": "01:02:03:04",
            "out": "01:02:05:00",
            "assignee": person,
        },
    )
    assert isinstance(cue, AdrCue)
    assert (cue.record_in, cue.record_out) == (93079, 93125) and cue.assignee is not None
    assert cue.cut_version_id is None  # the reel has no cut yet: frames at the production's rate
    d = rg.entry_dict(ADR, cue, rg.Placement(session, prod))
    assert d["record_in_tc"] == "01:02:03:04" and d["duration_frames"] == 46 and d["status"] == "spotted"
    with pytest.raises(Conflict, match="already exists"):
        rg.add_entry(session, prod, ADR, {"number": "12"})
    with pytest.raises(IllegalTransition, match="cannot go from spotted to approved"):
        rg.update_entry(session, prod, ADR, cue, {"status": "approved"})
    for step in ("scheduled", "recorded", "approved"):
        rg.update_entry(session, prod, ADR, cue, {"status": step})
    assert cue.status.value == "approved" and cue.done_date is not None
    with pytest.raises(Conflict, match="changed by someone else"):
        rg.update_entry(session, prod, ADR, cue, {"priority": "5"}, expected_version=1)
    rg.update_entry(session, prod, ADR, cue, {"priority": "5"}, expected_version=cue.version)
    for bad, match in (
        ({"priority": "9"}, "between 1 and 5"),
        ({"in": "01:00:00:25"}, "frame 25"),
        ({"out": "01:00:00:00"}, "out is before in"),
        ({"status": "lost"}, "one of spotted"),
        ({"assignee": "Nobody"}, "no person"),
        ({"session": "2027-13-01"}, "YYYY-MM-DD"),
    ):
        with pytest.raises((InvalidInput, NotFound), match=match):
            rg.update_entry(session, prod, ADR, cue, bad)
    rg.add_entry_note(session, ADR, cue, "Noisy plane, re-record", "mixer")
    assert [n.body for n in rg.entry_notes(session, ADR, cue)] == ["Noisy plane, re-record"]
    audit = session.scalars(select(AuditEntry).where(AuditEntry.entity_type == "AdrCue")).all()
    assert {a.action for a in audit} == {"create", "update"} and audit[0].label == "12"

    shot = rg.add_entry(session, prod, VFX, {"shot_id": "053_CSC_0750", "bid": "12,500.50", "vendor": "Mikros"})
    assert str(getattr(shot, "bid_amount")) == "12500.50" and getattr(shot, "bid_currency") == prod.currency  # noqa: B009
    dub = rg.add_entry(session, prod, DUB, {"language": "DE", "studio": "Berliner Synchron", "translation": "done"})
    assert getattr(dub, "language") == "de" and getattr(dub, "translation").value == "done"  # noqa: B009
    rg.update_entry(session, prod, DUB, dub, {"status": "in progress", "casting": "in-progress"})
    assert rg.get_entry(session, prod, DUB, "de").id == dub.id
    rg.add_entry(session, prod, FOLEY, {"number": "F1", "description": "steps on gravel", "category": "footsteps"})
    assert [
        rg.entry_dict(FOLEY, e, rg.Placement(session, prod))["key"]
        for e in rg.list_entries(session, prod, FOLEY, limit=None).rows
    ] == ["F1"]
    assert rg.list_entries(session, prod, ADR, status="approved", assignee=person).total == 1
    assert rg.list_entries(session, prod, ADR, status="spotted").rows == []
    assert rg.list_entries(session, prod, ADR, search="marie").total == 1
    rg.delete_entry(session, ADR, cue)
    assert session.scalar(select(func.count()).select_from(Note).where(Note.target_type == "adr_cue")) == 0


def _write(path: Path, rows: list[list[str]], delimiter: str = ",") -> Path:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def test_csv_import_is_all_or_nothing_with_an_error_per_line(session: Session, tmp_path: Path) -> None:
    prod = make_production(session, fps="24")
    rg.add_entry(session, prod, ADR, {"number": "9"})
    f = _write(
        tmp_path / "adr.csv",
        [
            ["Cue", "Character", "TC In", "TC Out", "Line", "Reason", "Priority", "Reel"],
            ["1", "MARIE", "01:00:10:00", "01:00:12:00", "Bonjour", "noise", "4", "R1"],
            ["2", "PAUL", "01:00:10:24", "01:00:12:00", "Salut", "", "", "R1"],  # frame 24 at 24 fps
            ["3", "PAUL", "01:00:20:00", "01:00:19:00", "Non", "", "", "R1"],  # out before in
            ["1", "MARIE", "01:00:30:00", "01:00:31:00", "Encore", "", "", "R1"],  # duplicate in file
            ["9", "MARIE", "01:00:40:00", "01:00:41:00", "", "", "", "R1"],  # already in the register
            ["5", "LEA", "01:01:00:00", "01:01:01:00", "Oui", "", "high", "R1"],  # bad priority
            [],
            ["6", "LEA", "01:02:00:00", "01:02:01:00", "Bien", "performance", "2", "R1", "extra"],
        ],
    )
    with pytest.raises(rio.BadLines) as err:
        rio.import_entries(session, prod, ADR, f)
    lines = [e.line for e in err.value.errors]
    assert lines == [3, 4, 5, 6, 7, 9]
    assert all(str(e).startswith(f"{f}:{e.line}: ") for e in err.value.errors)
    text = str(err.value)
    assert "6 bad lines, nothing imported" in text and "\n" not in text and "already on line 2" in text
    assert "frame 24" in text and "priority" in text and "already exists" in text
    assert session.scalar(select(func.count()).select_from(AdrCue)) == 1  # nothing written

    res = rio.import_entries(session, prod, ADR, f, skip_bad=True)
    assert res.created == 1 and [e.line for e in res.skipped] == lines
    cue = rg.get_entry(session, prod, ADR, "1")
    assert getattr(cue, "character") == "MARIE" and cue.record_in == 86640 and getattr(cue, "priority") == 4  # noqa: B009

    for content, match in (
        ("", "empty file"),
        ("Character,Line\nMARIE,hi\n", "no number column"),
        ("\x00\x01binary", "not a text file"),
        ("cue,cue #\n1,2\n", "both give the number"),
    ):
        bad = tmp_path / "bad.csv"
        bad.write_text(content)
        with pytest.raises(FileFormatError, match=match):
            rio.import_entries(session, prod, ADR, bad)


def test_adr_spotting_export_and_update(session: Session, tmp_path: Path) -> None:
    prod = make_production(session, fps="25")
    tsv = _write(
        tmp_path / "spotting.txt",
        [
            ["Cue #", "Scene", "Char.", "Start TC", "End TC", "Dialogue", "Notes"],
            ["101", "12", "MARIE", "01:00:01:00", "01:00:03:12", "Where were you?", "traffic noise"],
            ["102", "12", "PAUL", "01:00:04:00", "01:00:05:00", "Nowhere.", "added line"],
        ],
        delimiter="\t",
    )
    res = rio.import_entries(session, prod, ADR, tsv)
    assert res.created == 2 and res.ignored_columns == ["Scene"] and res.delimiter == "\t"
    rows = [
        rg.entry_dict(ADR, e, rg.Placement(session, prod)) for e in rg.list_entries(session, prod, ADR, limit=None).rows
    ]
    assert [(r["key"], r["character"], r["line"], r["reason"], r["record_out_tc"]) for r in rows] == [
        ("101", "MARIE", "Where were you?", "traffic noise", "01:00:03:12"),
        ("102", "PAUL", "Nowhere.", "added line", "01:00:05:00"),
    ]
    semi = _write(tmp_path / "fr.csv", [["N°", "Personnage", "Réplique"], ["101", "MARIE", "Où étais-tu ?"]], ";")
    with pytest.raises(FileFormatError, match="no number column"):
        rio.import_entries(session, prod, ADR, semi)
    upd = _write(tmp_path / "upd.csv", [["cue", "personnage", "replique"], ["101", "MARIE", "Où étais-tu ?"]], ";")
    with pytest.raises(rio.BadLines, match="already exists"):
        rio.import_entries(session, prod, ADR, upd)
    res = rio.import_entries(session, prod, ADR, upd, update_existing=True)
    assert (res.created, res.updated) == (0, 1)
    assert getattr(rg.get_entry(session, prod, ADR, "101"), "line") == "Où étais-tu ?"  # noqa: B009


def test_music_cue_sheet(session: Session) -> None:
    prod = make_production(session, fps="24")
    for number, title, usage, tc_in, tc_out in (
        ("1M2", "Night Drive", "background-instrumental", "01:05:00:00", "01:06:30:12"),
        ("1M1", "Main Title", "main-title", "01:00:00:00", "01:01:00:00"),
        ("1M10", "La Vie en rose", "visual vocal", "01:10:00:00", "01:10:45:00"),
        ("1M3", "Omitted cue", "source", "01:20:00:00", "01:21:00:00"),
    ):
        rg.add_entry(
            session,
            prod,
            MUSIC,
            {
                "number": number,
                "title": title,
                "composer": "A. Composer",
                "publisher": "Pub & Co",
                "usage": usage,
                "reel": "R1",
                "in": tc_in,
                "out": tc_out,
            },
        )
    rg.add_entry(session, prod, MUSIC, {"number": "2M1", "title": "Unplaced", "composer": "X"})
    omitted = rg.get_entry(session, prod, MUSIC, "1M3")
    rg.update_entry(session, prod, MUSIC, omitted, {"status": "omitted"})
    sheet = rio.cue_sheet(session, prod)
    assert [c["number"] for c in sheet["cues"]] == ["2M1", "1M1", "1M2", "1M10"]
    by = {c["number"]: c for c in sheet["cues"]}
    assert by["1M2"]["duration"] == "1:31" and by["1M2"]["duration_seconds"] == 90.5
    assert by["1M10"]["usage"] == "visual-vocal" and by["1M1"]["in"] == "01:00:00:00"
    t = sheet["totals"]
    assert t["cues"] == 4 and t["duration_seconds"] == 60 + 90.5 + 45 and sheet["unplaced"] == ["2M1"]
    assert t["by_usage"]["main-title"] == {"cues": 1, "duration": "1:00"}
    text = rio.cue_sheet_csv(sheet)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows[-1]["number"] == "TOTAL" and rows[-1]["duration_seconds"] == "195.5"
    assert rows[1]["title"] == "Main Title" and rows[1]["composer"] == "A. Composer"
    html = rio.cue_sheet_html(sheet)
    assert "Pub &amp; Co" in html and "La Vie en rose" in html and "Omitted cue" not in html
    assert session.scalar(select(func.count()).select_from(MusicCue)) == 5
