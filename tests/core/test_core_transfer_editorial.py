"""The export carries cut versions, every register and notes on any item, and imports them back exactly."""

import copy
import json
from fractions import Fraction
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from postprod.editorial.edl_writer import cut_to_edl
from postprod.editorial.synth import make_pair
from postprod.errors import FileFormatError
from postprod.model import Production
from postprod.services import deliverables
from postprod.services import editorial as ed
from postprod.services import registers as rg
from postprod.services.transfer import export_production, import_production, read_document
from tests.core.factories import make_production


def _strip(doc: dict) -> dict:  # type: ignore[type-arg]
    doc = copy.deepcopy(doc)
    for k in ("exported_at", "exported_by"):
        doc.pop(k)
    doc["production"]["title"] = "<title>"
    for h in doc["history"]:
        if h["entity_type"] == "Production":
            h["label"] = "<title>"
    return doc


def test_cut_versions_registers_and_notes_round_trip(session: Session, tmp_path: Path) -> None:
    prod = make_production(session, "Recut")
    pair = make_pair(60, Fraction(24), drop_frame=False, seed=3, trims=2, inserts=1, deletes=1, moves=1, replaces=1)
    v1, v2 = tmp_path / "r1v1.edl", tmp_path / "r1v2.edl"
    v1.write_text(cut_to_edl(pair.old))
    v2.write_text(cut_to_edl(pair.new))
    ed.import_cut(session, prod, v1, reel="R1", rate="24")
    adr = rg.KINDS["adr"]
    editor = next(p for p in prod.people if p.role == "Dialogue editor")
    for e in pair.old.events[:20]:
        rg.add_entry(
            session,
            prod,
            adr,
            {
                "number": str(e.number),
                "reel": "R1",
                "in": pair.old.tc(e.record_in),
                "out": pair.old.tc(e.record_in + 10),
                "character": "Léa",
                "assignee": editor.name,
            },
        )
    cue = rg.get_entry(session, prod, adr, "3")
    rg.add_entry_note(session, adr, cue, "Actor unavailable until March", "sup")
    rg.add_entry(
        session,
        prod,
        rg.KINDS["music"],
        {
            "number": "1M1",
            "title": "Ouverture",
            "composer": "A. Dupont",
            "reel": "R1",
            "in": pair.old.tc(0),
            "out": pair.old.tc(200),
        },
    )
    ed.import_cut(session, prod, v2, reel="R1", rate="24")
    deliverables.add_deliverable(session, prod, name="Stems", spec="dcp-audio")
    session.flush()
    first = export_production(session, prod)
    assert len(first["cut_versions"]) == 2 and first["cut_versions"][1]["previous"] == ["R1", 1]
    assert len(first["registers"]["adr_cues"]) == 20
    assert any(n["target_type"] == "adr_cue" for n in first["notes"])
    text = json.dumps(first)
    copy_ = import_production(session, read_document(text, "x.json"), title="Recut copy", path="x.json")
    session.flush()
    session.expire_all()
    second = export_production(session, session.get(Production, copy_.id))  # type: ignore[arg-type]
    assert _strip(second) == _strip(first)
    flagged = [c for c in second["registers"]["adr_cues"] if c["review"]]
    assert flagged == [c for c in first["registers"]["adr_cues"] if c["review"]]


def test_broken_register_rows_are_refused(session: Session) -> None:
    doc = export_production(session, make_production(session, "Broken registers"))
    doc["registers"] = {"adr_cues": [{"number": "1", "record_in": "soon"}]}
    with pytest.raises(FileFormatError, match=r"registers\.adr_cues\.0\.record_in: expected an integer"):
        read_document(json.dumps(doc), "x.json")
    doc["registers"] = {"catering": []}
    with pytest.raises(FileFormatError, match="unknown register 'catering'"):
        read_document(json.dumps(doc), "x.json")
    doc["registers"] = {}
    doc["notes"] = [{"target_type": "vfx_shot", "target": 4, "author": "a", "at": "2026-01-01T00:00:00", "body": "x"}]
    with pytest.raises(FileFormatError, match="unknown vfx_shot 4"):
        read_document(json.dumps(doc), "x.json")
