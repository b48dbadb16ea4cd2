"""The plan de travail in the browser: plan, replan after an absence, scenarios, adopt, baseline, pinned starts, rights."""

from __future__ import annotations

import html
import re
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from tests.web.webkit import login

from postprod import db
from postprod.model import Absence, Person, PlanKind, PlanTask, Task
from postprod.model import Plan as PlanRow
from postprod.services import planning as ops
from postprod.services.common import get_production
from postprod.web import pages_planning, render
from postprod.web.render import _day


@pytest.fixture
def planned(site: tuple[TestClient, int], engine: Engine, monkeypatch: pytest.MonkeyPatch) -> tuple[TestClient, int]:
    """The demo planned and frozen as the baseline; replans from the pages solve briefly."""
    monkeypatch.setattr(ops, "REPLAN_TIME_LIMIT", 0.3)
    monkeypatch.setattr(pages_planning, "WEB_TIME_LIMIT", 0.3)
    c, pid = site
    with db.session_scope(engine, actor="planner") as s:
        prod = get_production(s, pid)
        ops.plan_production(s, prod, time_limit=0.3, strict_due=False)
        ops.set_baseline(s, prod)
    return c, pid


def _job(c: TestClient, location: str) -> int:
    """The job a form started (from the redirect), waited for."""
    m = re.search(r"job=(\d+)", location)
    assert m is not None, location
    job = int(m.group(1))
    c.app.state.jobs.wait(job, 60)  # type: ignore[attr-defined]
    return job


def _plans(engine: Engine, pid: int) -> list[tuple[int, str, str]]:
    with db.session_scope(engine) as s:
        rows = s.execute(
            select(PlanRow.id, PlanRow.kind, PlanRow.name).where(PlanRow.production_id == pid).order_by(PlanRow.id)
        )
        return [(i, k.value, n) for i, k, n in rows]


def _first_task(engine: Engine, pid: int, person_lane: bool = True) -> tuple[str, int, date]:
    """A task of the current plan that is not started and has a person: (key, person ID, start)."""
    with db.session_scope(engine) as s:
        prod = get_production(s, pid)
        plan = ops.current_plan(s, prod)
        assert plan is not None
        for key, people, start in s.execute(
            select(PlanTask.task_key, PlanTask.person_ids, PlanTask.start)
            .join(Task, Task.id == PlanTask.task_id)
            .where(PlanTask.plan_id == plan.id, Task.status == "not-started", PlanTask.critical.is_(True))
            .order_by(PlanTask.start)
        ):
            if people:
                return key, int(people[0]), start
    raise AssertionError("no critical task with a person in the demo plan")


def test_replan_after_an_absence_and_compare(planned: tuple[TestClient, int], engine: Engine) -> None:
    c, pid = planned
    csrf = login(c, "supervisor")
    key, person, start = _first_task(engine, pid)
    before = _plans(engine, pid)
    away = {
        "away_person": str(person),
        "away_from": start.isoformat(),
        "away_to": (start + timedelta(days=9)).isoformat(),
    }
    r = c.post(f"/p/{pid}/planning/replan", data={"csrf_token": csrf, "mode": "now", **away}, follow_redirects=False)
    assert r.status_code == 303, r.text
    job = _job(c, r.headers["location"])
    panel = c.get(f"/p/{pid}/planning/jobs/{job}", headers={"HX-Request": "true"})
    assert "New plan in force" in panel.text and panel.headers.get("HX-Refresh") == "true"
    after = _plans(engine, pid)
    assert len([p for p in after if p[1] == "current"]) == len([p for p in before if p[1] == "current"]) + 1
    with db.session_scope(engine) as s:  # the absence is recorded with the plan
        assert s.scalars(select(Absence).where(Absence.person_id == person, Absence.start == start)).first()
    page = c.get(f"/p/{pid}/planning/compare")
    assert page.status_code == 200
    moved = int(re.search(r'id="moved-count">(\d+)<', page.text).group(1))  # type: ignore[union-attr]
    assert moved > 0 and f'data-task="{key}"' in page.text
    assert "Load per person and room" in page.text
    # French, the same page.
    with db.session_scope(engine) as s:
        name = s.get(Person, person).name  # type: ignore[union-attr]
    end = start + timedelta(days=9)
    assert f"{name} away {_day(start)} to {_day(end)}" in c.get(f"/p/{pid}/planning").text  # what it was for
    c.post("/language", data={"csrf_token": csrf, "language": "fr", "next": "/"})
    assert "Tâches déplacées" in c.get(f"/p/{pid}/planning/compare").text
    said = f"{name} : absence du {_day(start, 'fr')} au {_day(end, 'fr')}"
    assert html.escape(said) in c.get(f"/p/{pid}/planning").text, said
    c.post("/language", data={"csrf_token": csrf, "language": "en", "next": "/"})


def test_scenario_leaves_the_plan_until_adopted(planned: tuple[TestClient, int], engine: Engine) -> None:
    c, pid = planned
    csrf = login(c, "supervisor")
    key, _person, _start = _first_task(engine, pid)
    current = [p for p in _plans(engine, pid) if p[1] == "current"]
    data = {"csrf_token": csrf, "mode": "scenario", "scenario": "slow conform", "slip_task": key, "slip_days": "5"}
    r = c.post(f"/p/{pid}/planning/replan", data=data, follow_redirects=False)
    _job(c, r.headers["location"])
    plans = _plans(engine, pid)
    assert [p for p in plans if p[1] == "current"] == current  # not adopted: the plan in force is the same
    assert ("scenario", "slow conform") in [(k, n) for _, k, n in plans]
    page = c.get(f"/p/{pid}/planning/compare", params={"scenario": "slow conform"})
    assert page.status_code == 200 and 'id="adopt"' in page.text and f'data-task="{key}"' in page.text
    assert f"After: {key} slips +5 days" in page.text
    c.post("/language", data={"csrf_token": csrf, "language": "fr", "next": "/"})
    assert f"Après : {key} : glissement de +5 j" in c.get(f"/p/{pid}/planning/compare?scenario=slow+conform").text
    assert f"{key} : glissement de +5 j" in c.get(f"/p/{pid}/planning").text  # the scenarios' table
    with db.session_scope(engine) as s:
        scen = s.scalars(select(PlanRow).where(PlanRow.kind == PlanKind.SCENARIO)).one()
        scen_start = {t.task_key: t.start for t in scen.tasks}
    r = c.post(
        f"/p/{pid}/planning/scenarios/adopt",
        data={"csrf_token": csrf, "scenario": "slow conform"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    plans = _plans(engine, pid)
    assert len([p for p in plans if p[1] == "current"]) == len(current) + 1
    assert "slow conform" not in [n for _, _, n in plans]
    with db.session_scope(engine) as s:
        task = s.scalars(select(Task).where(Task.production_id == pid, Task.key == key)).one()
        assert task.planned_start == scen_start[key]  # the scenario's dates are the tasks' dates now
    said = f"{key} : glissement de +5 j ; (scénario slow conform adopté)".replace(" ; ", "; ")
    assert html.escape(said) in c.get(f"/p/{pid}/planning").text  # the plan in force says what it was made for
    c.post("/language", data={"csrf_token": csrf, "language": "en", "next": "/"})
    # Adopting again: the scenario is gone.
    r = c.post(f"/p/{pid}/planning/scenarios/adopt", data={"csrf_token": csrf, "scenario": "slow conform"})
    assert r.status_code == 404


def test_baseline_and_form_errors(planned: tuple[TestClient, int], engine: Engine) -> None:
    c, pid = planned
    csrf = login(c, "supervisor")
    baselines = [p for p in _plans(engine, pid) if p[1] == "baseline"]
    r = c.post(f"/p/{pid}/planning/baseline", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    assert len([p for p in _plans(engine, pid) if p[1] == "baseline"]) == len(baselines) + 1
    before = _plans(engine, pid)
    # A half-filled line: the form comes back with the message beside the missing field; nothing is written.
    r = c.post(f"/p/{pid}/planning/replan", data={"csrf_token": csrf, "mode": "now", "away_person": "1"})
    assert r.status_code == 422 and 'id="away_from-error"' in r.text
    r = c.post(
        f"/p/{pid}/planning/replan", data={"csrf_token": csrf, "mode": "now", "slip_task": "NOPE", "slip_days": "2"}
    )
    assert r.status_code == 404 and 'id="slip_task-error"' in r.text and 'value="NOPE"' in r.text
    r = c.post(f"/p/{pid}/planning/replan", data={"csrf_token": csrf, "mode": "now"})
    assert r.status_code == 422 and 'id="incident-error"' in r.text
    r = c.post(
        f"/p/{pid}/planning/replan",
        data={"csrf_token": csrf, "mode": "scenario", "slip_task": "PIC-LOCK", "slip_days": "2"},
    )
    assert r.status_code == 422 and 'id="scenario-error"' in r.text
    assert _plans(engine, pid) == before


def test_pinned_start_is_kept_by_the_next_plan(planned: tuple[TestClient, int], engine: Engine) -> None:
    c, pid = planned
    csrf = login(c, "supervisor")
    key, _person, start = _first_task(engine, pid)
    day = start + timedelta(days=21)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    # The bar's link: the "start on" form (the no-JavaScript way of a drag).
    gantt = c.get(f"/p/{pid}/gantt").text
    assert f'href="/p/{pid}/planning/tasks/{key}"' in gantt
    assert 'id="start-on"' in c.get(f"/p/{pid}/planning/tasks/{key}").text
    r = c.post(
        f"/p/{pid}/planning/tasks/{key}/start",
        data={"csrf_token": csrf, "start": day.isoformat(), "next": f"/p/{pid}/gantt?lanes=room"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"].startswith(f"/p/{pid}/gantt?lanes=room&job=")
    _job(c, r.headers["location"])
    with db.session_scope(engine) as s:
        task = s.scalars(select(Task).where(Task.production_id == pid, Task.key == key)).one()
        assert task.pinned_start == day and task.planned_start == day
    # A full plan from scratch keeps it.
    r = c.post(f"/p/{pid}/planning/run", data={"csrf_token": csrf}, follow_redirects=False)
    _job(c, r.headers["location"])
    with db.session_scope(engine) as s:
        plan = ops.current_plan(s, get_production(s, pid))
        assert plan is not None
        row = s.scalars(select(PlanTask).where(PlanTask.plan_id == plan.id, PlanTask.task_key == key)).one()
        assert row.start == day
    # A date before the production starts is refused beside the field.
    r = c.post(f"/p/{pid}/planning/tasks/{key}/start", data={"csrf_token": csrf, "start": "2001-01-01"})
    assert r.status_code == 422 and 'id="start-error"' in r.text


def test_gantt_fits_and_agrees_with_the_board(planned: tuple[TestClient, int]) -> None:
    c, pid = planned
    login(c, "supervisor")
    page = c.get(f"/p/{pid}/gantt").text
    width = int(re.search(r'<svg[^>]*class="gantt"[^>]*width="(\d+)"', page).group(1))  # type: ignore[union-attr]
    assert pages_planning.LANE_WIDTH + width <= pages_planning.FIT_WIDTH  # the whole plan fits by default
    assert 'class="gantt lanes"' in page and "<title>" in page and 'class="hint"' in page
    assert "gantt-arrow" not in page and 'class="milestone"' not in page
    shown = c.get(f"/p/{pid}/gantt", params={"links": 1, "milestones": 1}).text
    assert "gantt-arrow" in shown and 'class="dep"' in shown and 'class="milestone"' in shown
    zoomed = c.get(f"/p/{pid}/gantt", params={"zoom": 20}).text
    assert int(re.search(r'<svg[^>]*class="gantt"[^>]*width="(\d+)"', zoomed).group(1)) > width  # type: ignore[union-attr]
    # Who does what: the board names the people of the Gantt's bars (assigned, or chosen by the planner).
    board = c.get(f"/p/{pid}/board", params={"department": "picture-editing"}).text
    checked: list[str] = []
    for key, who in re.findall(
        r'<a href="[^"]*" class="bar[^"]*" data-key="(PIC-[A-Z-]+)"[^>]*><title>[^<]*\(([^)]*)\)', page
    ):
        card = re.search(rf'id="task-{key}".*?tc-meta muted">(.*?)</div>', board, re.S)
        if card is not None:
            for name in who.split(", "):
                assert name in card.group(1), (key, name)
            checked.append(key)
    assert len(checked) >= 3, checked


def test_my_work_lists_what_the_plan_gives_and_names_people_as_the_board(
    planned: tuple[TestClient, int], engine: Engine
) -> None:
    """The editor's person (Julien Bertrand) is on tasks named for nobody in the plan: they are his work too, at
    the plan's dates and in the section those dates say, and each card names people as the board's card does."""
    c, pid = planned
    today = date.today()
    week_end = today + timedelta(days=6 - today.weekday())
    with db.session_scope(engine) as s:
        prod = get_production(s, pid)
        plan = ops.current_plan(s, prod)
        assert plan is not None
        julien = next(p.id for p in prod.people if p.name == "Julien Bertrand")
        given = {
            key: (start, finish)
            for key, people, start, finish in s.execute(
                select(PlanTask.task_key, PlanTask.person_ids, PlanTask.start, PlanTask.finish)
                .join(Task, Task.id == PlanTask.task_id)
                .where(PlanTask.plan_id == plan.id, Task.status.not_in(["done", "approved"]), ~Task.assignments.any())
            )
            if julien in people
        }
    assert {"PIC-DIRECTORS-CUT", "PIC-LOCK"} <= set(given)
    login(c, "editor")
    page = c.get(f"/p/{pid}/me").text
    sections = dict(zip(("today", "week", "later"), re.split(r'id="work-[123]"', page)[1:], strict=True))
    board = c.get(f"/p/{pid}/board", params={"department": "all"}).text
    for key, (start, finish) in given.items():
        where = "today" if start <= today else "week" if start <= week_end else "later"
        card = re.search(rf'id="task-{key}".*?</article>', sections[where], re.S)
        assert card is not None, (key, where)
        assert f"{render._day(start)} → {render._day(finish)}" in card.group(0), key
        who = re.search(r'tc-meta muted">[^·]*· (.*?)</div>', card.group(0), re.S).group(1)  # type: ignore[union-attr]
        on_board = re.search(rf'id="task-{key}".*?tc-meta muted">(.*?)</div>', board, re.S)
        assert on_board is not None and who == on_board.group(1) and "Julien Bertrand" in who, key
        assert "unassigned" not in who
    # Someone else's planned work is not his.
    assert "VFX-SPOTTING" not in page and "GRD-GRADE" not in page


ROLE_CAN_READ = {"supervisor": True, "director": True, "picturelead": True, "editor": True, "client": False}


def test_only_the_supervisor_plans(planned: tuple[TestClient, int], engine: Engine) -> None:
    c, pid = planned
    csrf = login(c, "supervisor")
    r = c.post(f"/p/{pid}/planning/run", data={"csrf_token": csrf}, follow_redirects=False)
    job = _job(c, r.headers["location"])
    assert c.get(f"/p/{pid}/planning/jobs/{job + 1}").status_code == 404
    before = _plans(engine, pid)
    for role, reads in ROLE_CAN_READ.items():
        csrf = login(c, role)
        page = c.get(f"/p/{pid}/planning")
        assert page.status_code == (200 if reads else 403), role
        assert (page.status_code == 200 and 'id="replan-form"' in page.text) == (role == "supervisor"), role
        assert c.get(f"/p/{pid}/planning/compare").status_code == (200 if reads else 403), role
        if role == "supervisor":
            continue
        for url, data in (
            ("planning/run", {}),
            ("planning/baseline", {}),
            ("planning/replan", {"slip_task": "PIC-LOCK", "slip_days": "2", "mode": "now"}),
            ("planning/tasks/PIC-LOCK/start", {"start": "2027-03-01"}),
            ("planning/scenarios/adopt", {"scenario": "x"}),
        ):
            r = c.post(f"/p/{pid}/{url}", data={"csrf_token": csrf, **data}, follow_redirects=False)
            assert r.status_code == 403, (role, url, r.status_code)
        assert c.get(f"/p/{pid}/planning/tasks/PIC-LOCK").status_code == 403
        assert c.get(f"/p/{pid}/planning/jobs/{job}").status_code == (200 if reads else 403), role
    assert _plans(engine, pid) == before
