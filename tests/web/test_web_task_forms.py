"""The task forms: a new task, editing one at its version, status and progress, deleting after a confirmation."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from tests.web.webkit import login

from postprod import db
from postprod.services.common import get_production, get_task


def _version(page: str, form_id: str) -> str:
    form = page[page.index(f'id="{form_id}"') :]
    found = re.search(r'name="version" value="(\d+)"', form)
    assert found is not None
    return found.group(1)


def _task_count(c: TestClient, pid: int) -> int:
    engine = c.app.state.engine  # type: ignore[attr-defined]
    with db.session_scope(engine) as s:
        return len(get_production(s, pid).tasks)


NEW = {
    "key": "VFX-SKY-01",
    "name": "Sky replacement",
    "department": "vfx",
    "estimate": "3.5",
    "skills": "compositing, nuke",
    "room_kind": "",
    "due": "",
    "priority": "4",
    "description": "Reel 2",
    "assignees": [],
    "after": ["VFX-SPOTTING", ""],
    "lag": ["2", ""],
}


def test_new_task_with_a_dependency_and_its_mistakes(site: tuple[TestClient, int]) -> None:
    c, pid = site
    csrf = login(c, "supervisor")
    form = c.get(f"/p/{pid}/new-task?department=vfx")
    assert form.status_code == 200 and 'name="key"' in form.text and 'value="vfx" selected' in form.text
    before = _task_count(c, pid)

    # Each mistake comes back beside its field, with what was typed, and nothing is written.
    for field, bad, words in [
        ("key", "HAS SPACE", "no spaces"),
        ("estimate", "lots", "work days between 0 and 10000"),
        ("due", "tomorrow", "YYYY-MM-DD"),
        ("after", ["NO-SUCH-TASK"], "Pick tasks of this production"),
        ("lag", ["x"], "whole number of work days"),
        ("department", "nowhere", "Pick one of the production"),
    ]:
        data = {**NEW, field: bad, "csrf_token": csrf}
        r = c.post(f"/p/{pid}/new-task", data=data, follow_redirects=False)
        assert r.status_code == 422, (field, r.status_code)
        assert f'id="err-{field}"' in r.text and words.lower() in r.text.lower(), field
        assert 'value="Sky replacement"' in r.text
    assert _task_count(c, pid) == before

    # A key already taken is named beside the key.
    r = c.post(f"/p/{pid}/new-task", data={**NEW, "key": "VFX-SPOTTING", "csrf_token": csrf})
    assert r.status_code == 422 and 'id="err-key"' in r.text

    # No CSRF token: refused.
    r = c.post(f"/p/{pid}/new-task", data=NEW, follow_redirects=False)
    assert r.status_code == 403
    assert _task_count(c, pid) == before

    r = c.post(f"/p/{pid}/new-task", data={**NEW, "csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/p/{pid}/tasks/VFX-SKY-01?created=1"
    page = c.get(r.headers["location"]).text
    assert "Sky replacement" in page and f'href="/p/{pid}/tasks/VFX-SPOTTING"' in page and "(lag +2 d)" in page
    engine = c.app.state.engine  # type: ignore[attr-defined]
    with db.session_scope(engine) as s:
        task = get_task(s, get_production(s, pid), "VFX-SKY-01")
        assert [(d.predecessor.key, d.lag_days) for d in task.predecessors] == [("VFX-SPOTTING", 2)]
        assert task.required_skills == ["compositing", "nuke"] and task.priority == 4
        assert str(task.estimate_days) in ("3.5", "3.50")

    # With htmx, a mistake answers 200 (htmx swaps only those) and success is a redirect header.
    hx = {"HX-Request": "true"}
    r = c.post(f"/p/{pid}/new-task", data={**NEW, "key": "X Y", "csrf_token": csrf}, headers=hx)
    assert r.status_code == 200 and 'id="err-key"' in r.text
    r = c.post(f"/p/{pid}/new-task", data={**NEW, "key": "VFX-SKY-02", "csrf_token": csrf}, headers=hx)
    assert r.status_code == 200 and r.headers["HX-Redirect"].endswith("/tasks/VFX-SKY-02?created=1")


def test_new_task_rights(site: tuple[TestClient, int]) -> None:
    c, pid = site
    # The picture lead adds tasks to their department only; the others not at all.
    csrf = login(c, "picturelead")
    assert c.get(f"/p/{pid}/new-task").status_code == 200
    r = c.post(f"/p/{pid}/new-task", data={**NEW, "after": [], "lag": [], "csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 403
    data = {**NEW, "key": "PIC-EXTRA", "department": "picture-editing", "after": [], "lag": [], "csrf_token": csrf}
    r = c.post(f"/p/{pid}/new-task", data=data, follow_redirects=False)
    # Without the right to plan, no replan: the task waits for the next planning.
    assert r.status_code == 303 and r.headers["location"].endswith("/tasks/PIC-EXTRA?created=1")
    for role in ("director", "editor", "client"):
        csrf = login(c, role)
        assert c.get(f"/p/{pid}/new-task").status_code == 403, role
        r = c.post(f"/p/{pid}/new-task", data={**NEW, "key": "NOPE", "csrf_token": csrf}, follow_redirects=False)
        assert r.status_code == 403, role


def test_edit_task_at_its_version(site: tuple[TestClient, int]) -> None:
    c, pid = site
    csrf = login(c, "supervisor")
    page = c.get(f"/p/{pid}/tasks/VFX-SPOTTING").text
    assert 'id="task-form"' in page and 'id="progress-form"' in page
    version = _version(page, "task-form")
    edit = {
        "csrf_token": csrf,
        "version": version,
        "name": "Spotting session with the director",
        "department": "vfx",
        "estimate": "2",
        "skills": "vfx",
        "room_kind": "screening-room",
        "due": "2031-01-15",
        "priority": "5",
        "description": "",
        "assignees": ["Claire Moreau"],
        "after": ["PIC-EDITORS-CUT"],
        "lag": ["-1"],
    }
    r = c.post(f"/p/{pid}/tasks/VFX-SPOTTING/edit", data={**edit, "priority": "9"})
    assert r.status_code == 422 and 'id="err-priority"' in r.text and "1 (low) to 5 (urgent)" in r.text
    assert 'value="Spotting session with the director"' in r.text
    r = c.post(f"/p/{pid}/tasks/VFX-SPOTTING/edit", data=edit, follow_redirects=False)
    assert r.status_code == 303, r.text
    page = c.get(f"/p/{pid}/tasks/VFX-SPOTTING").text
    assert "Spotting session with the director" in page and "Claire Moreau" in page
    engine = c.app.state.engine  # type: ignore[attr-defined]
    with db.session_scope(engine) as s:
        task = get_task(s, get_production(s, pid), "VFX-SPOTTING")
        assert task.priority == 5 and task.room_kind is not None and task.room_kind.value == "screening-room"
        assert [(d.predecessor.key, d.lag_days) for d in task.predecessors] == [("PIC-EDITORS-CUT", -1)]
        assert [a.person.name for a in task.assignments] == ["Claire Moreau"]
        name_now = task.name

    # The same form again, at the version it was read: someone else changed it meanwhile.
    r = c.post(f"/p/{pid}/tasks/VFX-SPOTTING/edit", data={**edit, "name": "Mine"})
    assert r.status_code == 409 and "changed by someone else" in r.text
    assert f'value="{name_now}"' in r.text  # the current values, not the refused ones
    # A link that would loop is refused beside the links, naming the loop.
    fresh = _version(c.get(f"/p/{pid}/tasks/PIC-EDITORS-CUT").text, "task-form")
    r = c.post(
        f"/p/{pid}/tasks/PIC-EDITORS-CUT/edit",
        data={**edit, "version": fresh, "name": "Editor's cut", "department": "picture-editing",
              "after": ["VFX-SPOTTING"], "lag": ["0"]},
    )  # fmt: skip
    assert r.status_code == 422 and 'id="err-after"' in r.text and "loop" in r.text
    r = c.post(f"/p/{pid}/tasks/VFX-SPOTTING/edit", data={k: v for k, v in edit.items() if k != "csrf_token"})
    assert r.status_code == 403

    # The editor (a technician) may not edit it; the form is not even shown.
    csrf = login(c, "editor")
    assert 'id="task-form"' not in c.get(f"/p/{pid}/tasks/VFX-SPOTTING").text
    r = c.post(f"/p/{pid}/tasks/VFX-SPOTTING/edit", data={**edit, "csrf_token": csrf})
    assert r.status_code == 403


def test_status_and_progress(site: tuple[TestClient, int]) -> None:
    c, pid = site
    csrf = login(c, "supervisor")
    page = c.get(f"/p/{pid}/tasks/VFX-SPOTTING").text
    version = _version(page, "progress-form")
    url = f"/p/{pid}/tasks/VFX-SPOTTING/progress"
    r = c.post(url, data={"csrf_token": csrf, "version": version, "status": "in-progress", "progress": "140"})
    assert r.status_code == 422 and 'id="err-progress"' in r.text
    r = c.post(url, data={"csrf_token": csrf, "version": version, "status": "done", "progress": "0"})
    assert r.status_code == 422 and 'id="err-status"' in r.text  # not-started cannot jump to done
    data = {"csrf_token": csrf, "version": version, "status": "in-progress", "progress": "40"}
    r = c.post(url, data=data, follow_redirects=False)
    assert r.status_code == 303
    page = c.get(f"/p/{pid}/tasks/VFX-SPOTTING").text
    assert "40 %" in page
    r = c.post(url, data={"csrf_token": csrf, "version": version, "status": "in-progress", "progress": "60"})
    assert r.status_code == 409 and "changed by someone else" in r.text and "40 %" in r.text
    r = c.post(url, data={"version": version, "status": "in-progress", "progress": "60"})
    assert r.status_code == 403
    login(c, "director")
    assert 'id="progress-form"' not in c.get(f"/p/{pid}/tasks/VFX-SPOTTING").text


def test_delete_asks_first(site: tuple[TestClient, int]) -> None:
    c, pid = site
    login(c, "picturelead")
    assert c.get(f"/p/{pid}/tasks/VFX-SPOTTING/delete").status_code == 403  # another department
    csrf = login(c, "editor")
    assert c.get(f"/p/{pid}/tasks/VFX-SPOTTING/delete").status_code == 403
    assert c.post(f"/p/{pid}/tasks/VFX-SPOTTING/delete", data={"csrf_token": csrf}).status_code == 403
    csrf = login(c, "supervisor")
    page = c.get(f"/p/{pid}/tasks/VFX-SPOTTING")
    assert f'href="/p/{pid}/tasks/VFX-SPOTTING/delete"' in page.text
    confirm = c.get(f"/p/{pid}/tasks/VFX-SPOTTING/delete")
    assert confirm.status_code == 200 and "cannot be undone" in confirm.text
    assert c.post(f"/p/{pid}/tasks/VFX-SPOTTING/delete", data={}).status_code == 403
    r = c.post(f"/p/{pid}/tasks/VFX-SPOTTING/delete", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/p/{pid}/board?department=vfx"
    assert c.get(f"/p/{pid}/tasks/VFX-SPOTTING").status_code == 404
