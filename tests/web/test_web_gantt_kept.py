"""The Gantt is laid out and drawn once for what it shows, and made again as soon as any of it changes: a task
renamed or moved on in its workflow, a person renamed, a new plan, another language."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from tests.web.webkit import login

from postprod import db
from postprod.services import dashboard, people, tasks
from postprod.services import planning as planning_ops
from postprod.services.common import get_person, get_production, get_task


def test_the_gantt_follows_every_change(site: tuple[TestClient, int], engine: Engine) -> None:
    c, pid = site
    with db.session_scope(engine, actor="planner") as s:
        planning_ops.plan_production(s, get_production(s, pid), time_limit=0.3)
    csrf = login(c, "supervisor")
    url = f"/p/{pid}/gantt"
    first = c.get(url).text
    assert "PIC-EDITORS-CUT" in first and first == c.get(url).text
    with db.session_scope(engine) as s:
        prod = get_production(s, pid)
        view = dashboard.gantt(s, prod)
        again = dashboard.gantt(s, prod)
        assert view is not None and again is not None and view.stamp == again.stamp and view.lanes is again.lanes
    # a task renamed: its bar says so
    with db.session_scope(engine, actor="tester") as s:
        tasks.update_task(s, get_task(s, get_production(s, pid), "PIC-EDITORS-CUT"), name="Montage renommé")
    assert "Montage renommé" in c.get(url).text
    # a task moved on in its workflow: drawn again from the kept drawings of the others, its own drawn anew
    with db.session_scope(engine, actor="tester") as s:
        tasks.update_task(s, get_task(s, get_production(s, pid), "PIC-EDITORS-CUT"), status="in-review")
    page = c.get(url).text
    assert page.count('data-key="PIC-EDITORS-CUT"') == first.count('data-key="PIC-EDITORS-CUT"') >= 1
    assert page.count("<a href=") == first.count("<a href=")
    # a person renamed: their lane says so
    with db.session_scope(engine, actor="tester") as s:
        prod = get_production(s, pid)
        who = next(lane.label for lane in dashboard.gantt(s, prod).lanes if lane.label)  # type: ignore[union-attr]
        people.update_person(s, get_person(s, prod, who), name="Personne Renommée")
    page = c.get(url).text
    assert "Personne Renommée" in page and who not in page
    # a new plan: the page names it
    with db.session_scope(engine, actor="planner") as s:
        planning_ops.plan_production(s, get_production(s, pid), time_limit=0.3)
        newest = planning_ops.current_plan(s, get_production(s, pid))
        assert newest is not None
        made = newest.created_at
    from postprod.web.render import _day

    assert _day(made) in c.get(url).text
    # another language: the chart's words follow
    c.post("/language", data={"language": "fr", "next": url, "csrf_token": csrf})
    assert "aujourd" in c.get(url).text.lower()
