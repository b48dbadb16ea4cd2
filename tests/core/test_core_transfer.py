"""Export and import: exact round trips, old versions upgraded, bad files refused with nothing written."""

import copy
import json
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from postprod.errors import Conflict, FileFormatError
from postprod.model import Production, TaskStatus
from postprod.services import notes, people, tasks
from postprod.services.common import get_task
from postprod.services.transfer import export_production, import_production, read_document
from tests.core.factories import make_production

VOLATILE = ("exported_at", "exported_by")


def _comparable(doc: dict[str, Any], title: str | None = None) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    for k in VOLATILE:
        doc.pop(k, None)
    if title is not None:
        doc["production"]["title"] = title
    for h in doc["history"]:
        if h["entity_type"] == "Production" and h["label"]:
            h["label"] = "<title>"
    return doc


def _roundtrip(session: Session, doc: dict[str, Any], title: str) -> dict[str, Any]:
    parsed = read_document(json.dumps(doc), "export.json")
    prod = import_production(session, parsed, title=title)
    session.flush()
    session.expire_all()
    return export_production(session, session.get(Production, prod.id))  # type: ignore[arg-type]


def test_a_worked_production_round_trips_exactly(session: Session) -> None:
    prod = make_production(session, "Original")
    lock = get_task(session, prod, "PIC-LOCK")
    editor = next(p for p in prod.people if p.role == "Editor")
    tasks.update_task(session, lock, status="in-progress", progress=35, assign=[editor.name], due="2027-02-01")
    tasks.add_dependency(session, get_task(session, prod, "MST-SUBTITLES"), get_task(session, prod, "GRD-GRADE"), 3)
    people.add_absence(session, prod, person=editor, start="2027-01-04", end="2027-01-08", reason="flu")
    notes.add_note(session, lock, "Reel 2 changes pending", "sup")
    tasks.create_task(session, prod, key="VFX-EXTRA", name="Extra shots", department="vfx", estimate_days="2.25")
    session.flush()
    first = export_production(session, prod)
    second = _roundtrip(session, first, "Copy")
    assert _comparable(second, "Original") == _comparable(first)
    assert len(second["history"]) == len(first["history"]) > 0


def _doc_strategy() -> st.SearchStrategy[dict[str, Any]]:
    statuses = [s.value for s in TaskStatus]
    text = st.text(alphabet=st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=40)
    depts = ["picture-editing", "vfx", "mixing", "dubbing"]

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        start = date(2026, 1, 5) + timedelta(days=draw(st.integers(0, 400)))
        n_people = draw(st.integers(0, 5))
        names = [f"Person {i}" for i in range(n_people)]
        n_tasks = draw(st.integers(0, 12))
        task_docs = []
        for i in range(n_tasks):
            preds = draw(st.lists(st.integers(0, max(i - 1, 0)), max_size=3, unique=True)) if i else []
            task_docs.append(
                {
                    "key": f"T{i:03d}",
                    "department": draw(st.sampled_from(depts)),
                    "name": draw(text.filter(lambda s: s.strip() == s and s)),
                    "description": draw(text),
                    "estimate_days": str(draw(st.decimals(min_value=0, max_value=500, places=2))),
                    "status": draw(st.sampled_from(statuses)),
                    "required_skills": sorted(
                        set(draw(st.lists(st.sampled_from(["editor", "mixer", "colourist"]), max_size=2)))
                    ),
                    "room_kind": draw(st.sampled_from([None, "edit-suite", "mix-stage"])),
                    "language": draw(st.sampled_from([None, "en", "de"])),
                    "priority": draw(st.integers(1, 5)),
                    "progress": draw(st.integers(0, 100)),
                    "due_date": draw(st.sampled_from([None, (start + timedelta(days=90)).isoformat()])),
                    "planned_start": None,
                    "planned_finish": None,
                    "actual_start": draw(st.sampled_from([None, start.isoformat()])),
                    "actual_finish": None,
                    "position": i + 1,
                    "assignees": sorted(set(draw(st.lists(st.sampled_from(names), max_size=2)))) if names else [],
                    "depends_on": sorted(
                        ({"task": f"T{p:03d}", "lag_days": draw(st.integers(-2, 5))} for p in preds),
                        key=lambda d: d["task"],
                    ),
                }
            )
        return {
            "format": "postprod.production",
            "version": 2,
            "production": {
                "title": "Generated",
                "kind": draw(st.sampled_from(["feature-film", "documentary", "series-episode"])),
                "template": None,
                "runtime_minutes": draw(st.integers(1, 1000)),
                "fps": draw(st.sampled_from(["24", "25", "24000/1001", "30000/1001"])),
                "record_start_tc": "01:00:00:00",
                "drop_frame": False,
                "original_language": "fr",
                "dubbed_languages": ["en", "de"],
                "start_date": start.isoformat(),
                "status": "planning",
                "currency": "EUR",
                "description": draw(text),
                "deliveries": [{"label": "Delivery", "due": (start + timedelta(days=200)).isoformat()}],
            },
            "departments": [
                {"code": d, "name": d.title(), "custom": False, "position": i} for i, d in enumerate(depts)
            ],
            "calendars": [
                {
                    "name": "Studio",
                    "work_days": [1, 2, 3, 4, 5],
                    "day_start": "09:00:00",
                    "day_end": "18:00:00",
                    "is_default": True,
                    "holidays": [{"day": f"{start.year}-12-25", "name": "Noël"}],
                }
            ],
            "people": [
                {
                    "name": n,
                    "role": "crew",
                    "skills": ["editor"],
                    "day_rate": str(draw(st.decimals(0, 2000, places=2))),
                    "currency": "EUR",
                    "email": "",
                    "phone": "",
                    "calendar": draw(st.sampled_from([None, "Studio"])),
                    "absences": [
                        {"start": start.isoformat(), "end": (start + timedelta(days=2)).isoformat(), "reason": "x"}
                    ]
                    if draw(st.booleans())
                    else [],
                }
                for n in names
            ],
            "rooms": [
                {
                    "name": "Stage A",
                    "kind": "mix-stage",
                    "day_rate": None,
                    "currency": "EUR",
                    "location": "",
                    "calendar": "Studio",
                    "absences": [],
                }
            ],
            "tasks": task_docs,
            "deliverables": [
                {
                    "name": f"Deliverable {i}",
                    "spec": draw(st.sampled_from([None, "ebu-r128", "streaming"])),
                    "due_date": draw(st.sampled_from([None, (start + timedelta(days=150)).isoformat()])),
                    "status": draw(st.sampled_from(["pending", "fix", "qc-passed", "delivered"])),
                    "file": draw(st.sampled_from([None, "/media/master.mov"])),
                    "description": draw(text),
                }
                for i in range(draw(st.integers(0, 3)))
            ],
            "cut_versions": [],
            "registers": {k: [] for k in ("vfx_shots", "adr_cues", "foley_cues", "music_cues", "dubbing_versions")},
            "notes": [],
            "history": [],
        }

    return build()


def _normalise_decimals(doc: dict[str, Any]) -> dict[str, Any]:
    from decimal import Decimal

    out = copy.deepcopy(doc)
    for t in out["tasks"]:
        t["estimate_days"] = Decimal(t["estimate_days"])
    for p in out["people"]:
        p["day_rate"] = None if p["day_rate"] is None else Decimal(p["day_rate"])
    return out


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=_doc_strategy())
def test_import_then_export_reproduces_generated_productions(session: Session, doc: dict[str, Any]) -> None:
    title = f"Generated {session.scalar(select(func.count()).select_from(Production))}"
    out = _roundtrip(session, doc, title)
    assert _normalise_decimals(_comparable(out, "Generated")) == _normalise_decimals(_comparable(doc))


def test_version_1_files_are_upgraded(session: Session) -> None:
    v1 = {
        "format": "postprod.production",
        "version": 1,
        "production": {
            "title": "Old File",
            "kind": "documentary",
            "runtime_minutes": 90,
            "fps": "29.97",
            "record_start_tc": "01:00:00;00",
            "languages": "fr,en",
            "start_date": "2026-01-05",
            "delivery_date": "2026-06-01",
            "status": "in-post",
            "currency": "EUR",
        },
        "departments": [{"code": "picture-editing", "name": "Picture editing"}],
        "people": [
            {
                "name": "Ana",
                "role": "Editor",
                "skills": ["editor"],
                "day_rate": "400",
                "currency": "EUR",
                "work_days": [1, 2, 3, 4],
            }
        ],
        "tasks": [
            {
                "key": "A",
                "department": "picture-editing",
                "name": "Cut",
                "estimate_days": "10",
                "status": "done",
                "assignees": ["Ana"],
                "depends_on": [],
            },
            {
                "key": "B",
                "department": "picture-editing",
                "name": "Lock",
                "estimate_days": "1",
                "status": "not-started",
                "depends_on": ["A"],
            },
        ],
    }
    doc = read_document(json.dumps(v1), "old.json")
    assert doc.version == 2
    prod = import_production(session, doc)
    assert (prod.fps_num, prod.fps_den) == (30000, 1001) and prod.drop_frame
    assert prod.original_language == "fr" and prod.dubbed_languages == ["en"]
    assert prod.delivery_date == date(2026, 6, 1)
    session.flush()
    b = get_task(session, prod, "B")
    assert [(d.predecessor.key, d.lag_days) for d in b.predecessors] == [("A", 0)]
    ana = prod.people[0]
    assert ana.calendar is not None and ana.calendar.work_days == [1, 2, 3, 4]


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("{not json", "not valid JSON"),
        ("[]", "not a postprod production export"),
        ('{"format": "otio"}', "not a postprod production export"),
        ('{"format": "postprod.production", "version": 99}', "newer than this postprod"),
        ('{"format": "postprod.production", "version": "two"}', "version"),
        ('{"format": "postprod.production", "version": 2, "production": {}}', "production"),
    ],
)
def test_corrupt_or_foreign_files_are_refused(text: str, match: str) -> None:
    with pytest.raises(FileFormatError, match=match):
        read_document(text, "bad.json")


def test_broken_references_are_refused(session: Session) -> None:
    doc = export_production(session, make_production(session, "Refs"))
    broken = copy.deepcopy(doc)
    broken["tasks"][3]["depends_on"].append({"task": "NOPE", "lag_days": 0})
    with pytest.raises(FileFormatError, match="unknown task 'NOPE'"):
        read_document(json.dumps(broken), "x.json")
    cyclic = copy.deepcopy(doc)
    cyclic["tasks"][0]["depends_on"].append({"task": cyclic["tasks"][1]["key"], "lag_days": 0})
    with pytest.raises(FileFormatError, match="dependency cycle"):
        read_document(json.dumps(cyclic), "x.json")
    nul = copy.deepcopy(doc)
    nul["tasks"][1]["name"] = "bad\x00name"
    with pytest.raises(FileFormatError, match=r"tasks\.1\.name: .*NUL"):
        read_document(json.dumps(nul), "x.json")
    bad_field = copy.deepcopy(doc)
    bad_field["tasks"][2]["progress"] = 150
    with pytest.raises(FileFormatError, match=r"tasks\.2\.progress"):
        read_document(json.dumps(bad_field), "x.json")
    with pytest.raises(Conflict, match="already exists"):
        import_production(session, read_document(json.dumps(doc), "x.json"))
