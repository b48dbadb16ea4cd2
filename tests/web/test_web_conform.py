"""The deliverable page shows its latest QC run's findings along the programme, the conform check's among them."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from tests.web.webkit import login

from postprod import db
from postprod.model import Deliverable, QcFinding, QcRun


def _run_with_findings(engine: Engine, pid: int) -> int:
    with db.session_scope(engine, actor="seed") as s:
        d = s.scalars(
            select(Deliverable).where(Deliverable.production_id == pid, Deliverable.name == "Master streaming")
        ).one()
        run = QcRun(production_id=pid, deliverable=d, started_at=datetime.now(UTC), finished_at=datetime.now(UTC),
                    actor="seed", file_path="/media/master.mov", spec="locked", result="fail",
                    summary={"frames": 1000}, clauses=[])  # fmt: skip
        run.findings = [
            QcFinding(clause="freeze.longest", kind="freeze", start_frame=100, end_frame=150,
                      start_tc="01:00:04:00", end_tc="01:00:06:00", message=""),
            QcFinding(clause="conform", kind="moved_cut", start_frame=500, end_frame=502,
                      start_tc="01:00:20:00", end_tc="01:00:20:02", message="cut at 01:00:20:02: 2 frame(s) late"),
            QcFinding(clause="conform", kind="flash_frame", start_frame=800, end_frame=801,
                      start_tc="01:00:32:00", end_tc="01:00:32:01", message="a shot of 1 frame(s) at 01:00:32:00"),
        ]  # fmt: skip
        s.add(run)
        s.flush()
        return d.id


def test_findings_on_the_timeline_in_both_languages(site: tuple[TestClient, int], engine: Engine) -> None:
    c, pid = site
    did = _run_with_findings(engine, pid)
    csrf = login(c, "supervisor")
    page = c.get(f"/p/{pid}/deliverables/{did}").text
    assert 'id="qc-timeline"' in page
    lanes = page[page.index('<svg class="timeline"') : page.index("</svg>")]
    assert lanes.index(">freeze<") < lanes.index(">moved cut<")  # the conform lanes after the others
    assert 'class="conform" data-kind="moved_cut" x="575.0"' in lanes  # 150 + 850 * 500 / 1000
    assert 'class="qc" data-kind="freeze" x="235.0" y="6" width="42.5"' in lanes
    table = page[page.index('id="conform-findings"') :]
    assert "2 frame(s) late" in table and "01:00:32:00" in table and "freeze" not in table.split("</table>")[0]
    c.post("/language", data={"language": "fr", "next": "/", "csrf_token": csrf})
    page = c.get(f"/p/{pid}/deliverables/{did}").text
    assert "Constats le long du programme" in page and ">coupe décalée<" in page and ">image flash<" in page
    assert ">image figée<" in page and ">moved cut<" not in page


def test_no_timeline_without_findings(site: tuple[TestClient, int]) -> None:
    c, pid = site
    login(c, "supervisor")
    assert 'id="qc-timeline"' not in c.get(f"/p/{pid}/deliverables/Master streaming").text
