"""Productions built from templates: tasks, dependencies, per-language dubbing, scaling, bad input."""

from decimal import Decimal
from fractions import Fraction

import pytest
from sqlalchemy.orm import Session

from postprod.errors import Conflict, FileFormatError, InvalidInput, NotFound
from postprod.services import productions
from postprod.services.templates import load_template, parse_template, template_names
from tests.core.factories import make_production


def test_every_template_loads_and_expands() -> None:
    names = template_names()
    assert {"feature-film", "series-episode", "documentary", "short", "music-programme", "disc-authoring"} <= set(names)
    for name in names:
        tpl = load_template(name)
        specs = tpl.expand(tpl.reference_runtime, ["en"])
        keys = {s.key for s in specs}
        assert len(keys) == len(specs)
        for s in specs:
            assert s.estimate_days >= Decimal("0.5")
            for dep, _lag in s.after:
                assert dep in keys, (name, s.key, dep)


def test_feature_dubbed_into_two_languages_gets_per_language_tasks_after_the_me(session: Session) -> None:
    prod = make_production(session)
    tasks = {t.key: t for t in prod.tasks}
    for lang in ("EN", "DE"):
        mix = tasks[f"DUB-{lang}-MIX"]
        assert mix.language == lang.lower()
        assert "MIX-ME" in {d.predecessor.key for d in mix.predecessors}
        assert f"DUB-{lang}-RECORD" in {d.predecessor.key for d in mix.predecessors}
    assert not any(k.startswith("DUB-FR") for k in tasks), "the original language is not dubbed"
    qc_preds = {d.predecessor.key for d in tasks["DLV-QC"].predecessors}
    assert {"DUB-EN-QC", "DUB-DE-QC"} <= qc_preds
    assert prod.fps == Fraction(24)
    assert prod.original_language == "fr" and prod.dubbed_languages == ["en", "de"]
    assert len(prod.people) > 10 and len(prod.rooms) == 8
    assert any(c.is_default and len(c.holidays) >= 11 for c in prod.calendars)


def test_durations_scale_with_runtime(session: Session) -> None:
    short = make_production(session, "Short cut", runtime_minutes=50)
    long = make_production(session, "Long cut", runtime_minutes=200)
    s = {t.key: t.estimate_days for t in short.tasks}
    lg = {t.key: t.estimate_days for t in long.tasks}
    assert lg["PIC-ASSEMBLY"] == 4 * s["PIC-ASSEMBLY"]
    assert lg["PIC-INGEST"] == s["PIC-INGEST"], "fixed-duration tasks do not scale"


def test_decimal_rates_become_exact(session: Session) -> None:
    prod = make_production(session, fps="23.976")
    assert (prod.fps_num, prod.fps_den) == (24000, 1001)


@pytest.mark.parametrize(
    ("kw", "error", "match"),
    [
        ({"fps": "abc"}, InvalidInput, "frame rate"),
        ({"deliveries": "2026-02-30"}, InvalidInput, "delivery"),
        ({"deliveries": "2026-11-01"}, InvalidInput, "not after the start"),
        ({"template": "sitcom"}, NotFound, "unknown template"),
        ({"languages": "fr,fr"}, InvalidInput, "twice"),
        ({"languages": "french!"}, InvalidInput, "language code"),
        ({"runtime_minutes": 0}, InvalidInput, "runtime"),
        ({"record_start_tc": "01:00:00:30"}, InvalidInput, "timecode"),
    ],
)
def test_bad_production_input(session: Session, kw: dict, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        make_production(session, **kw)


def test_duplicate_title_refused(session: Session) -> None:
    make_production(session, "Same")
    with pytest.raises(Conflict, match="already exists"):
        make_production(session, "Same")


def test_overview_counts(session: Session) -> None:
    prod = make_production(session)
    data = productions.overview(session, prod)
    assert data["tasks"] == len(prod.tasks)
    assert sum(d["tasks"] for d in data["departments"].values()) == data["tasks"]
    assert data["tasks_by_status"] == {"not-started": data["tasks"]}


def test_template_validation_names_the_problem() -> None:
    bad = """
kind: short
reference_runtime: 10
departments: [vfx]
tasks:
  - {key: A, department: vfx, name: A, days: 1, after: [B]}
"""
    with pytest.raises(FileFormatError, match="A: depends on unknown task B"):
        parse_template(bad, "t.yaml", "t")
    with pytest.raises(FileFormatError, match="unknown fields"):
        parse_template("kind: x\nreference_runtime: 10\nbogus: 1\n", "t.yaml", "t")
