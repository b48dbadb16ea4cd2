"""The pages people look at most: activity in words, my work, search, notifications, the board."""

from __future__ import annotations

import email
import email.policy
import logging
import re
import socketserver
import threading

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from tests.web.webkit import login

from postprod import db
from postprod.services import notifications, review, users
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
    """ "Claire Moreau moved VFX-SPOTTING from not started to in progress", linked; never a column, class or ID."""
    c, pid = site
    with db.session_scope(engine, actor="supervisor") as s:  # an assignment among the latest entries
        from postprod.services import tasks as tasks_svc
        from postprod.services.common import get_task

        prod = get_production(s, pid)
        tasks_svc.update_task(s, get_task(s, prod, "PIC-LOCK"), assign=[prod.people[0].name])
    csrf = login(c, "supervisor")
    _move(c, pid, "VFX-SPOTTING", "in-progress", csrf)
    page = c.get(f"/p/{pid}/activity").text
    link = f'<a href="/p/{pid}/tasks/VFX-SPOTTING">VFX-SPOTTING</a>'
    assert f'<b class="who">Claire Moreau</b> moved {link} from not started to in progress' in page
    assert "assigned" in page and "(VFX shot)" in page
    raw = {"department_id", "person_id", "TaskAssignment", "VfxShot", "estimate_days", "_id", "actual_start"}
    assert not [w for w in raw if w in page]
    # the task's own history says the same
    assert "moved VFX-SPOTTING from not started to in progress" in re.sub(
        r"<[^>]+>", "", c.get(f"/p/{pid}/tasks/VFX-SPOTTING").text
    )
    c.post("/language", data={"language": "fr", "next": "/", "csrf_token": csrf})
    page = c.get(f"/p/{pid}/activity").text
    assert f'<b class="who">Claire Moreau</b> a fait passer {link} de « non commencé » à « en cours »' in page
    assert "(Plan VFX)" in page and "Tâche" not in re.findall(r">([^<]*)<", page)[:0]


def test_activity_keeps_money_from_roles_without_the_budget_right(site: tuple[TestClient, int], engine: Engine) -> None:
    c, pid = site
    with db.session_scope(engine, actor="supervisor") as s:
        prod = get_production(s, pid)
        person = prod.people[0]
        people_svc.update_person(s, get_person(s, prod, person.name), day_rate="4321.87", phone="+33 6 00 00 00 00")
    login(c, "director")
    page = c.get(f"/p/{pid}/activity").text
    assert "4,321.87" in page and "day rate" in page
    login(c, "picturelead")
    page = re.sub(r'datetime="[^"]*"', "", c.get(f"/p/{pid}/activity").text)
    assert "+33 6 00 00 00 00" in page  # the rest of the change is told
    assert "4321" not in page and "4,321" not in page and "day rate" not in page


def test_my_work_lists_a_technicians_tasks_and_moves_them_in_place(site: tuple[TestClient, int]) -> None:
    """The editor's person is Julien Bertrand: his open tasks, today first; a move goes back to the page."""
    c, pid = site
    csrf = login(c, "editor")
    page = c.get(f"/p/{pid}/me").text
    today = page.split('id="work-1"')[1].split('id="work-2"')[0]
    assert 'id="task-PIC-EDITORS-CUT"' in today  # in progress: today's work
    assert "PIC-ASSEMBLY" not in page  # done: not work to do
    assert "VFX-SPOTTING" not in page  # someone else's
    version = re.search(r'id="task-PIC-EDITORS-CUT".*?name="version" value="(\d+)"', page, re.S).group(1)  # type: ignore[union-attr]
    r = c.post(
        f"/p/{pid}/tasks/PIC-EDITORS-CUT/status",
        data={"status": "in-review", "version": version, "csrf_token": csrf, "next": f"/p/{pid}/me"},
    )
    assert r.status_code == 200 and str(r.url).endswith(f"/p/{pid}/me")
    assert re.search(r'id="task-PIC-EDITORS-CUT".*?s-in-review', r.text, re.S)
    assert c.get("/my-work", follow_redirects=False).headers["location"] == f"/p/{pid}/me"
    # a department lead sees the department's tasks, whoever does them
    login(c, "picturelead")
    page = c.get(f"/p/{pid}/me").text
    assert "PIC-EDITORS-CUT" in page and "VFX-SPOTTING" not in page and "PIC-ASSEMBLY" not in page
    # the production director has no task of their own (no person in the crew): told so, with the way to the board
    login(c, "director")
    page = c.get(f"/p/{pid}/me").text
    assert "Nothing here is yours by name" in page and f'href="/p/{pid}/board"' in page


def test_reopening_done_work_asks_why_and_keeps_the_note(site: tuple[TestClient, int]) -> None:
    c, pid = site
    csrf = login(c, "supervisor")
    page = c.get(f"/p/{pid}/tasks/PIC-ASSEMBLY").text
    assert 'name="note"' in page and "why reopen it?" in page
    version = re.search(r'name="version" value="(\d+)"', page).group(1)  # type: ignore[union-attr]
    url = f"/p/{pid}/tasks/PIC-ASSEMBLY/status"
    r = c.post(url, data={"status": "retake", "version": version, "note": "  ", "csrf_token": csrf})
    assert r.status_code == 422 and 'id="note-error"' in r.text and "s-done" in r.text  # nothing moved
    r = c.post(
        url,
        data={"status": "retake", "version": version, "note": "Director wants the opening back", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = c.get(f"/p/{pid}/tasks/PIC-ASSEMBLY").text
    assert "s-retake" in page and "Director wants the opening back" in page


def test_search_finds_tasks_people_shots_and_notes_by_words_for_those_who_may_read_them(
    site: tuple[TestClient, int], engine: Engine
) -> None:
    """One box, the same answers on SQLite (FTS5) and PostgreSQL (tsvector): word beginnings, any case,
    no accents needed; grouped by kind, linked; clients find only what is shared; money is not words."""
    c, pid = site
    with db.session_scope(engine, actor="supervisor") as s:
        prod = get_production(s, pid)
        people_svc.update_person(s, get_person(s, prod, prod.people[0].name), day_rate="4321.87")
    csrf = login(c, "supervisor")
    note = {
        "target_type": "task",
        "target_id": "PIC-LOCK",
        "body": "Étalonnage repoussé, voir Julien",
        "csrf_token": csrf,
    }
    assert c.post(f"/p/{pid}/notes", data=note, follow_redirects=False).status_code == 303
    page = c.get(f"/p/{pid}/search", params={"q": "spott"}).text
    tasks = page.split('id="results-task"')[1].split("</section>")[0]
    assert f'href="/p/{pid}/tasks/VFX-SPOTTING"' in tasks and "ADR-SPOTTING" in tasks and "PIC-LOCK" not in tasks
    page = c.get(f"/p/{pid}/search", params={"q": "csc 0750"}).text
    assert 'id="results-vfx_shot"' in page and "053_CSC_0750" in page
    page = c.get(f"/p/{pid}/search", params={"q": "julien"}).text
    people = page.split('id="results-person"')[1].split("</section>")[0]
    person = re.search(rf'href="/p/{pid}/people/(\d+)">([^<]+)<', people)
    assert person is not None and "Julien" in person.group(2)  # the person's own page
    assert c.get(f"/p/{pid}/people/{person.group(1)}").status_code == 200
    notes = page.split('id="results-note"')[1].split("</section>")[0]
    assert f'href="/p/{pid}/tasks/PIC-LOCK"' in notes and "repoussé" in notes
    assert "repoussé" in c.get(f"/p/{pid}/search", params={"q": "ETALONNAGE repous"}).text
    assert 'id="no-results"' in c.get(f"/p/{pid}/search", params={"q": "4321"}).text
    assert 'id="no-results"' in c.get(f"/p/{pid}/search", params={"q": "zzzz"}).text
    assert 'class="head-search"' in page  # the box is in every production page's header
    # an edit is found at once (the index follows writes in the same transaction)
    _move(c, pid, "VFX-SPOTTING", "in-progress", csrf)
    with db.session_scope(engine, actor="supervisor") as s:
        from postprod.services.common import get_task

        get_task(s, get_production(s, pid), "MIX-ME").name = "Version internationale"
    assert "MIX-ME" in c.get(f"/p/{pid}/search", params={"q": "internationale"}).text
    # a client finds what is shared with them, and nothing else (no notes, no people)
    with db.session_scope(engine, actor="supervisor") as s:
        review.share(s, get_production(s, pid), "task", "PIC-LOCK")
    login(c, "client")
    assert 'id="no-results"' in c.get(f"/p/{pid}/search", params={"q": "julien"}).text
    assert 'id="no-results"' in c.get(f"/p/{pid}/search", params={"q": "spotting"}).text
    page = c.get(f"/p/{pid}/search", params={"q": "pic"}).text
    assert re.findall(r'href="/p/\d+/tasks/([^"]+)"', page) == ["PIC-LOCK"] and "repoussé" not in page


def _bell(page: str) -> int:
    m = re.search(r'id="bell-count">(\d+)<', page)
    return int(m.group(1)) if m else 0


def test_notifications_reach_the_reviewer_the_assignee_and_the_mentioned(site: tuple[TestClient, int]) -> None:
    c, pid = site
    csrf = login(c, "supervisor")
    page = c.get(f"/p/{pid}/deliverables/Master streaming").text
    target = re.search(r'name="target" value="(\d+)"', page).group(1)  # type: ignore[union-attr]
    r = c.post(
        f"/p/{pid}/approvals",
        data={"target_type": "deliverable", "target": target, "reviewers": ["director"], "csrf_token": csrf},
        follow_redirects=False,
    )
    request_url = r.headers["location"]
    _move(c, pid, "PIC-EDITORS-CUT", "in-review", csrf)
    note = {"target_type": "task", "target_id": "PIC-LOCK", "body": "@editor can you check reel 2?", "csrf_token": csrf}
    assert c.post(f"/p/{pid}/notes", data=note, follow_redirects=False).status_code == 303
    assert _bell(c.get(f"/p/{pid}").text) == 0  # nobody is told of their own doing
    csrf = login(c, "director")
    assert _bell(c.get(f"/p/{pid}").text) == 1
    page = c.get("/notifications").text
    assert "Claire Moreau asks you to approve Master streaming" in page
    nid = re.search(r'action="/notifications/(\d+)/open"', page).group(1)  # type: ignore[union-attr]
    r = c.post(f"/notifications/{nid}/open", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == request_url
    assert _bell(c.get(f"/p/{pid}").text) == 0 and 'id="bell-count"' not in c.get("/notifications/bell").text
    csrf = login(c, "editor")
    page = c.get("/notifications").text
    assert "Claire Moreau moved your task PIC-EDITORS-CUT to in review" in page
    assert "Claire Moreau mentioned you on PIC-LOCK" in page and "can you check reel 2?" in page
    assert _bell(page) == 2
    assert c.post("/notifications/read", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    assert _bell(c.get("/notifications").text) == 0
    # one's own notifications only
    assert c.post(f"/notifications/{nid}/open", data={"csrf_token": csrf}).status_code == 404
    c.post("/language", data={"language": "fr", "next": "/", "csrf_token": csrf})
    assert "Claire Moreau a fait passer votre tâche PIC-EDITORS-CUT à « en revue »" in c.get("/notifications").text


def test_a_replan_tells_the_editor_his_moved_tasks_and_leads_to_his_work(
    site: tuple[TestClient, int], engine: Engine
) -> None:
    c, pid = site
    from postprod.services import planning as ops

    with db.session_scope(engine, actor="planner") as s:
        ops.plan_production(s, get_production(s, pid), time_limit=0)
    with db.session_scope(engine, actor="supervisor") as s:
        ops.replan_production(s, get_production(s, pid), ops.Incidents(slips=[("PIC-DIRECTORS-CUT", 5)]), time_limit=0)
    csrf = login(c, "editor")
    page = c.get("/notifications").text
    said = re.search(r"Claire Moreau replanned: (\d+) of your tasks have new dates \(([^)]*)\)", page)
    assert said is not None and int(said.group(1)) == len(said.group(2).split(", ")) >= 2, page
    assert "PIC-LOCK" in said.group(2)  # given him by the plan, named on nobody
    nid = re.search(r'action="/notifications/(\d+)/open"', page).group(1)  # type: ignore[union-attr]
    r = c.post(f"/notifications/{nid}/open", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.headers["location"] == f"/p/{pid}/me"
    assert 'id="task-PIC-LOCK"' in c.get(r.headers["location"]).text
    c.post("/language", data={"language": "fr", "next": "/", "csrf_token": csrf})
    assert "Claire Moreau a replanifié : " in c.get("/notifications").text


class _SmtpSink(socketserver.ThreadingTCPServer):
    """A minimal SMTP server for the test (the standard library's smtpd is deprecated): it keeps each message."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _SmtpHandler)
        self.messages: list[bytes] = []


class _SmtpHandler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        self.wfile.write(b"220 sink ready\r\n")
        while line := self.rfile.readline():
            verb = line[:4].upper()
            if verb == b"DATA":
                self.wfile.write(b"354 go on\r\n")
                body = b""
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    body += chunk
                self.server.messages.append(body)  # type: ignore[attr-defined]
                self.wfile.write(b"250 kept\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


def test_notifications_go_by_e_mail_after_the_commit_in_the_users_language(
    site: tuple[TestClient, int], engine: Engine, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    c, pid = site
    sink = _SmtpSink()
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("POSTPROD_SMTP_URL", f"smtp://127.0.0.1:{sink.server_address[1]}")
        monkeypatch.setenv("POSTPROD_PUBLIC_URL", "https://post.example.com/")
        with db.session_scope(engine, actor="seed") as s:
            prod = get_production(s, pid)
            people_svc.update_person(s, get_person(s, prod, "Julien Bertrand"), email="julien@example.com")
            users.update_user(s, users.get_user(s, "editor"), language="fr")
        csrf = login(c, "supervisor")
        _move(c, pid, "PIC-EDITORS-CUT", "in-review", csrf)
        for t in list(notifications.SENDERS):
            t.join(10)
        assert len(sink.messages) == 1
        mail = sink.messages[0].decode()
        assert "To: julien@example.com" in mail
        assert "Subject: =?utf-8?" in mail or "PIC-EDITORS-CUT" in mail
        parsed = email.message_from_string(mail, policy=email.policy.default)
        assert parsed["Subject"] == "Claire Moreau a fait passer votre tâche PIC-EDITORS-CUT à « en revue »"
        assert f"https://post.example.com/p/{pid}/tasks/PIC-EDITORS-CUT" in parsed.get_content()
        # a change that is refused sends nothing
        r = c.post(
            f"/p/{pid}/tasks/PIC-EDITORS-CUT/status", data={"status": "done", "version": "1", "csrf_token": csrf}
        )
        assert r.status_code == 409
        for t in list(notifications.SENDERS):
            t.join(10)
        assert len(sink.messages) == 1
    finally:
        sink.shutdown()
        sink.server_close()
    # no server listening: the change is made, the failure is logged, nothing is raised
    monkeypatch.setenv("POSTPROD_SMTP_URL", f"smtp://127.0.0.1:{sink.server_address[1]}")
    with caplog.at_level(logging.ERROR, logger="postprod.services.notifications"):
        _move(c, pid, "PIC-EDITORS-CUT", "in-progress", csrf)
        for t in list(notifications.SENDERS):
            t.join(10)
    assert "was not sent" in caplog.text
    assert len(sink.messages) == 1


def test_the_board_shows_every_department_and_offers_drags_where_the_workflow_allows(
    site: tuple[TestClient, int],
) -> None:
    c, pid = site
    login(c, "supervisor")
    page = c.get(f"/p/{pid}/board").text
    assert "All departments" in page and 'id="task-PIC-EDITORS-CUT"' in page and 'id="task-VFX-SPOTTING"' in page
    assert '<script src="/static/board.js" defer></script>' in page
    card = re.search(r'<article class="task-card" id="task-VFX-SPOTTING"[^>]*>', page).group(0)  # type: ignore[union-attr]
    assert 'draggable="true"' in card and 'data-next="in-progress on-hold"' in card
    done = re.search(r'<article class="task-card" id="task-PIC-ASSEMBLY"[^>]*>', page).group(0)  # type: ignore[union-attr]
    assert "data-reopen" in done and 'data-next="retake"' in done
    assert 'id="reopen-dialog"' in page
    # one department still, and a department lead starts on theirs
    page = c.get(f"/p/{pid}/board?department=vfx").text
    assert 'id="task-VFX-SPOTTING"' in page and 'id="task-PIC-EDITORS-CUT"' not in page
    login(c, "picturelead")
    page = c.get(f"/p/{pid}/board").text
    assert 'id="task-PIC-EDITORS-CUT"' in page and 'id="task-VFX-SPOTTING"' not in page
    # a technician drags only their own cards
    login(c, "editor")
    page = c.get(f"/p/{pid}/board?department=all").text
    mine = re.search(r'<article class="task-card" id="task-PIC-EDITORS-CUT"[^>]*>', page).group(0)  # type: ignore[union-attr]
    other = re.search(r'<article class="task-card" id="task-VFX-SPOTTING"[^>]*>', page).group(0)  # type: ignore[union-attr]
    assert 'draggable="true"' in mine and "draggable" not in other


def test_a_failed_qc_notifies_who_ran_it(site: tuple[TestClient, int], engine: Engine) -> None:
    """A QC is a job: the one who started it waits for its end, so a failure is theirs to know even
    though the change is in their name."""
    from datetime import UTC, datetime

    from postprod.model import Deliverable
    from postprod.services import deliverables

    c, pid = site
    with db.session_scope(engine, actor="supervisor") as s:
        d = s.query(Deliverable).filter_by(production_id=pid, name="Master streaming").one()
        m = deliverables.Measurement(
            path="/nowhere/master.mov", spec="netflix", started=datetime.now(UTC), error="unreadable"
        )
        deliverables.record_run(s, pid, d.id, m, "supervisor")
    login(c, "supervisor")
    page = c.get("/notifications").text
    assert "QC failed on Master streaming" in page
    nid = re.search(r'action="/notifications/(\d+)/open"', page).group(1)  # type: ignore[union-attr]
    r = c.post(f"/notifications/{nid}/open", data={"csrf_token": c.cookies["postprod_csrf"]}, follow_redirects=False)
    assert r.headers["location"] == f"/p/{pid}/deliverables/Master%20streaming"
