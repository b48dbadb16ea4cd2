"""The demo shows the product: every area has something in it, in the production's language (French)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from postprod.cli.main import app
from postprod.model import AdrCue, CutVersion, Deliverable, FoleyCue, MusicCue, Note, QcRun, User, VfxShot
from postprod.model.editorial import DubbingVersion
from postprod.services import productions, review
from postprod.services.common import get_task
from postprod.services.demo import DEMO_REEL, add_demo_approvals, create_demo
from postprod.services.users import DEMO_USERS, create_demo_users

TODAY = date(2026, 11, 27)


def test_every_area_is_populated(session: Session, tmp_path: Path) -> None:
    prod, created = create_demo(session, today=TODAY, plan=False, media=tmp_path / "media")
    assert created and prod.title == "Les Heures Claires"
    # two versions of reel 3 and their change list
    versions = session.scalars(select(CutVersion).where(CutVersion.production_id == prod.id)).all()
    assert [(v.reel, v.number) for v in versions] == [(DEMO_REEL, 1), (DEMO_REEL, 2)]
    assert versions[1].change_summary and versions[1].change_summary["changes"] >= 5
    latest = versions[1].id
    # the cut's VFX shots, placed, with vendors and bids; cues placed in the cut and carried by the recut
    shots = session.scalars(select(VfxShot).where(VfxShot.production_id == prod.id)).all()
    assert len(shots) >= 3 and all(s.reel == DEMO_REEL and s.record_in is not None for s in shots)
    assert all(s.vendor and s.bid_amount for s in shots)
    for model in (AdrCue, FoleyCue, MusicCue):
        cues = session.scalars(select(model).where(model.production_id == prod.id)).all()
        assert len(cues) >= 2 and all(c.reel == DEMO_REEL and c.cut_version_id == latest for c in cues)
    flagged = [c for m in (AdrCue, FoleyCue, MusicCue) for c in session.scalars(select(m).where(m.review))]
    assert flagged and all("R3 v2" in c.review_reason for c in flagged)
    dubbed = session.scalars(select(DubbingVersion).where(DubbingVersion.production_id == prod.id)).all()
    assert sorted(d.language for d in dubbed) == ["de", "en"]
    # deliverables in French, QC'd on the demo's own media: one fails with findings at timecodes
    names = {d.name: d for d in session.scalars(select(Deliverable).where(Deliverable.production_id == prod.id))}
    assert {"PAD TV (EBU R128)", "Copie de travail", "Relevé des musiques (cue sheet)"} <= names.keys()
    runs = {r.deliverable.name: r for r in session.scalars(select(QcRun).where(QcRun.production_id == prod.id))}
    assert runs["PAD TV (EBU R128)"].result == "fail" and names["PAD TV (EBU R128)"].status.value == "fix"
    timed = [f for f in runs["PAD TV (EBU R128)"].findings if f.start_tc]
    assert timed and timed[0].start_tc == "00:00:02:00" and timed[0].clause == "clipping"
    assert {runs[n].result for n in ("DCP son 5.1", "Mixage VA stéréo")} == {"pass"}
    assert all(Path(d.file_path).parent == tmp_path / "media" for d in names.values() if d.file_path)
    # task names in French, keys as in the template; a late task; notes
    assert get_task(session, prod, "GRD-GRADE").name == "Étalonnage"
    assert get_task(session, prod, "MIX-FINAL").name == "Mixage"
    assert get_task(session, prod, "DUB-EN-ADAPT").name == "Traduction et adaptation (en)"
    assert productions.overview(session, prod, TODAY)["late_tasks"] == ["PIC-EDITORS-CUT"]
    assert len(session.scalars(select(Note).where(Note.production_id == prod.id)).all()) >= 4


def test_approvals_wait_on_each_role(session: Session, tmp_path: Path) -> None:
    prod, _ = create_demo(session, today=TODAY, plan=False)
    create_demo_users(session, prod)
    assert add_demo_approvals(session, prod) == 5
    for username, *_ in DEMO_USERS:
        user = session.scalars(select(User).where(User.username == username)).one()
        assert review.list_requests(session, prod, status="pending", reviewer=user), username
    assert add_demo_approvals(session, prod) == 0  # asked once


def test_fast_path_has_no_media(session: Session) -> None:
    prod, _ = create_demo(session, today=TODAY, plan=False)
    assert session.scalars(select(QcRun).where(QcRun.production_id == prod.id)).first() is None
    assert all(d.file_path is None for d in session.scalars(select(Deliverable)))


def test_demo_command_writes_its_media_under_the_media_roots(
    cli_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("POSTPROD_MEDIA_ROOTS", raising=False)
    r = CliRunner().invoke(app, ["production", "demo", "--json"])  # `postprod demo` too
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["late_tasks"] == ["PIC-EDITORS-CUT"]
    assert sorted(p.name for p in (tmp_path / "postprod-demo-media").iterdir()) == [
        "dcp-51.wav",
        "pad-tv.wav",
        "va-stereo.wav",
    ]
    # the failing deliverable can be checked again from the command line, on the same file
    r = CliRunner().invoke(app, ["deliverable", "qc", "PAD TV (EBU R128)"])
    assert r.exit_code == 1 and "clipping" in r.stdout
