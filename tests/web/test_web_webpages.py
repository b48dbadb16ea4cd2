"""The pages people look at most: activity in words, my work, search, notifications, the board."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from tests.web.webkit import login

from postprod import db
from postprod.services import people as people_svc
from postprod.services.common import get_person, get_production


def _move(c: TestClient, pid: int, key: str, status: str, csrf: str) -> None:
    page = c.get(f"/p/{pid}/tasks/{key}").text
    version = re.search(r'name="version" value="(\d+)"', page).group(1)  # type: ignore[union-attr]
    r = c.post(
        f"/p/{pid}/tasks/{key}/status",
        data={"status": status, "version": version, "csrf_token": csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text


def test_activity_tells_who_moved_what_in_words_in_both_languages(site: tuple[TestClient, int], engine: Engine) -> None:
    """"Supervisor moved VFX-SPOTTING from not started to in progress", linked; never a column, class or ID."""
    c, pid = site
    csrf = login(c, "supervisor")
    _move(c, pid, "VFX-SPOTTING", "in-progress", csrf)
    page = c.get(f"/p/{pid}/activity").text
    link = f'<a href="/p/{pid}/tasks/VFX-SPOTTING">VFX-SPOTTING</a>'
    assert f'<b class="who">Supervisor</b> moved {link} from not started to in progress' in page
    assert "assigned" in page and "(Task)" in page
    raw = {"department_id", "person_id", "TaskAssignment", "VfxShot", "estimate_days", "_id", "actual_start"}
    assert not [w for w in raw if w in page]
    # the task's own history says the same
    assert "moved VFX-SPOTTING from not started to in progress" in re.sub(r"<[^>]+>", "", c.get(f"/p/{pid}/tasks/VFX-SPOTTING").text)
    c.post("/language", data={"language": "fr", "next": "/", "csrf_token": csrf})
    page = c.get(f"/p/{pid}/activity").text
    assert f"<b class=\"who\">Supervisor</b> a fait passer {link} de « non commencé » à « en cours »" in page
    assert "(Tâche)" in page and "Tâche" in page


def test_activity_keeps_money_from_roles_without_the_budget_right(site: tuple[TestClient, int], engine: Engine) -> None:
    c, pid = site
    with db.session_scope(engine, actor="supervisor") as s:
        prod = get_production(s, pid)
        person = prod.people[0]
        people_svc.update_person(s, get_person(s, prod, person.name), day_rate="987.65", phone="+33 6 00 00 00 00")
    login(c, "director")
    page = c.get(f"/p/{pid}/activity").text
    assert "987.65" in page and "day rate" in page
    login(c, "picturelead")
    page = c.get(f"/p/{pid}/activity").text
    assert "+33 6 00 00 00 00" in page  # the rest of the change is told
    assert "987" not in page and "day rate" not in page
