"""Optimistic concurrency, cookie sessions with CSRF, API tokens, the SSE change feed, jobs and approvals."""

from __future__ import annotations

import json

from api_world import World
from fastapi.testclient import TestClient

TASK = "/productions/{pid}/tasks/PIC-EDITORS-CUT"


def test_stale_if_match_gets_409_with_the_current_state(world: World) -> None:
    a, b = world.client("S"), world.client("L")
    first = a.get(world.url(TASK))
    etag = first.headers["ETag"]
    assert etag == f'"{first.json()["version"]}"'
    # Both read the same version; the first writer wins, the second is refused with the task as it now is.
    ok = a.patch(world.url(TASK), json={"progress": 55}, headers={"If-Match": etag})
    assert ok.status_code == 200, ok.text
    assert ok.headers["ETag"] != etag
    stale = b.patch(world.url(TASK), json={"progress": 10}, headers={"If-Match": etag})
    assert stale.status_code == 409
    body = stale.json()
    assert body["field"] == "version"
    assert body["current"]["progress"] == 55
    assert body["current"]["version"] == ok.json()["version"]
    assert stale.headers["ETag"] == ok.headers["ETag"]
    # Retrying with the current version goes through; the refused value never landed.
    retry = b.patch(world.url(TASK), json={"progress": 10, "version": body["current"]["version"]})
    assert retry.status_code == 200 and retry.json()["progress"] == 10


def test_write_without_a_version_is_refused_and_changes_nothing(world: World) -> None:
    c = world.client("S")
    before = c.get(world.url(TASK)).json()
    r = c.patch(world.url(TASK), json={"progress": 77})
    assert r.status_code == 428 and r.json()["field"] == "version"
    bad = c.patch(world.url(TASK), json={"progress": 77}, headers={"If-Match": "soon"})
    assert bad.status_code == 422 and bad.json()["field"] == "If-Match"
    assert c.get(world.url(TASK)).json() == before


def test_assigning_moves_the_version_so_a_stale_assignment_conflicts(world: World) -> None:
    c = world.client("S")
    v = c.get(world.url(TASK)).json()["version"]
    r = c.patch(world.url(TASK), json={"assign": ["Karim Haddad"], "version": v})
    assert r.status_code == 200 and "Karim Haddad" in r.json()["assignees"]
    assert r.json()["version"] == v + 1
    again = c.patch(world.url(TASK), json={"unassign": ["Karim Haddad"], "version": v})
    assert again.status_code == 409
    assert "Karim Haddad" in again.json()["current"]["assignees"]


def test_illegal_transition_is_a_one_line_422_naming_the_field(world: World) -> None:
    c = world.client("S")
    v = c.get(world.url(TASK)).json()["version"]
    r = c.patch(world.url(TASK), json={"status": "not-started", "version": v})
    assert r.status_code == 422
    assert r.json()["field"] == "status" and "cannot go from in-progress" in r.json()["error"]
    assert "Traceback" not in r.text


def test_technician_changes_progress_of_own_task_but_not_its_priority(world: World) -> None:
    t = world.client("T")
    v = t.get(world.url(TASK)).json()["version"]
    assert t.patch(world.url(TASK), json={"priority": 5, "version": v}).status_code == 403
    assert t.patch(world.url(TASK), json={"progress": 45, "version": v}).status_code == 200


def test_cookie_session_needs_the_csrf_token_on_unsafe_methods(world: World) -> None:
    browser = TestClient(world.app)
    r = browser.post(world.url("/auth/login"), json={"username": "supervisor", "password": "supervisor"})
    assert r.status_code == 200
    csrf = r.json()["csrf_token"]
    assert browser.cookies.get("postprod_csrf") == csrf
    assert browser.get(world.url("/auth/me")).json()["username"] == "supervisor"
    v = browser.get(world.url(TASK)).json()["version"]
    refused = browser.patch(world.url(TASK), json={"progress": 33, "version": v})
    assert refused.status_code == 403 and refused.json()["field"] == "csrf"
    wrong = browser.patch(world.url(TASK), json={"progress": 33, "version": v}, headers={"X-CSRF-Token": "x" + csrf})
    assert wrong.status_code == 403
    ok = browser.patch(world.url(TASK), json={"progress": 33, "version": v}, headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 200
    # The change is signed with the user's name in the audit trail.
    hist = browser.get(world.url("/productions/{pid}/history"), params={"task": "PIC-EDITORS-CUT", "limit": 1})
    assert hist.json()[0]["actor"] == "supervisor"
    assert browser.post(world.url("/auth/logout"), headers={"X-CSRF-Token": csrf}).status_code == 204
    assert browser.get(world.url("/auth/me")).status_code == 401


def test_wrong_password_and_bearer_need_no_csrf(world: World) -> None:
    anon = TestClient(world.app)
    r = anon.post(world.url("/auth/login"), json={"username": "supervisor", "password": "nope"})
    assert r.status_code == 401 and r.json() == {"error": "wrong username or password", "field": None}
    c = world.client("S")
    v = c.get(world.url(TASK)).json()["version"]
    assert c.patch(world.url(TASK), json={"progress": 20, "version": v}).status_code == 200


def test_tokens_are_shown_once_work_and_can_be_revoked(world: World) -> None:
    c = world.client("D")
    made = c.post(world.url("/auth/tokens"), json={"name": "script"})
    assert made.status_code == 201
    token = made.json()["token"]
    listed = c.get(world.url("/auth/tokens")).json()
    assert all("token" not in t for t in listed)
    assert any(t["id"] == made.json()["id"] and token.startswith(t["prefix"]) for t in listed)
    script = TestClient(world.app, headers={"Authorization": f"Bearer {token}"})
    assert script.get(world.url("/auth/me")).json()["username"] == "director"
    assert c.delete(world.url(f"/auth/tokens/{made.json()['id']}")).status_code == 204
    assert script.get(world.url("/auth/me")).status_code == 401
    junk = TestClient(world.app, headers={"Authorization": "Bearer pp_nothing"})
    assert junk.get(world.url("/auth/me")).status_code == 401
    basic = TestClient(world.app, headers={"Authorization": "Basic eDp5"})
    assert basic.get(world.url("/auth/me")).status_code == 401


def test_event_stream_delivers_a_change(world: World) -> None:
    c = world.client("S")
    last = max([e["id"] for e in c.get(world.url("/events/recent"), params={"limit": 1000}).json()] + [0])
    v = c.get(world.url(TASK)).json()["version"]
    assert c.patch(world.url(TASK), json={"progress": 66, "version": v}).status_code == 200
    events = []
    with c.stream("GET", world.url("/events"), params={"limit": 1}, headers={"Last-Event-ID": str(last)}) as s:
        assert s.headers["content-type"].startswith("text/event-stream")
        block: dict[str, str] = {}
        for line in s.iter_lines():
            if not line:
                if "data" in block:
                    events.append(block)
                block = {}
                continue
            name, _, value = line.partition(": ")
            block[name] = value
    assert len(events) == 1
    data = json.loads(events[0]["data"])
    assert events[0]["event"] == "Task.update" and int(events[0]["id"]) > last
    assert data["label"] == "PIC-EDITORS-CUT" and data["after"]["progress"] == 66
    assert data["actor"] == "supervisor"


def test_client_follows_no_events_and_reads_only_shared_tasks(world: World) -> None:
    cl = world.client("C")
    assert cl.get(world.url("/events/recent")).status_code == 403
    keys = [t["key"] for t in cl.get(world.url("/productions/{pid}/tasks")).json()["items"]]
    assert keys == ["PIC-EDITORS-CUT"]
    assert cl.get(world.url("/productions/{pid}/tasks/PIC-LOCK")).status_code == 403


def test_task_pages_filter_sort_and_count(world: World) -> None:
    c = world.client("D")
    everything = c.get(world.url("/productions/{pid}/tasks"), params={"limit": 500}).json()
    assert everything["total"] == len(everything["items"]) > 10
    page = c.get(world.url("/productions/{pid}/tasks"), params={"limit": 4, "offset": 2, "sort": "-priority"}).json()
    prios = [t["priority"] for t in sorted(everything["items"], key=lambda t: (-t["priority"], -t["id"]))]
    assert [t["priority"] for t in page["items"]] == prios[2:6]
    done = c.get(world.url("/productions/{pid}/tasks"), params={"status": "done", "limit": 500}).json()
    assert done["total"] == sum(t["status"] == "done" for t in everything["items"]) >= 1
    bad = c.get(world.url("/productions/{pid}/tasks"), params={"sort": "colour"})
    assert bad.status_code == 422 and bad.json()["field"] == "sort"


def test_export_and_import_run_as_jobs(world: World) -> None:
    c = world.client("S")
    job = c.post(world.url("/productions/{pid}/export-jobs")).json()
    world.app.state.jobs.wait(job["id"], 60)
    state = c.get(world.url(f"/jobs/{job['id']}")).json()
    assert state["status"] == "done" and state["progress"] == 1.0 and state["has_result"]
    doc = c.get(world.url(f"/jobs/{job['id']}/result")).json()
    imp = c.post(world.url("/productions/import"), params={"title": "Copie"}, json=doc).json()
    world.app.state.jobs.wait(imp["id"], 60)
    summary = c.get(world.url(f"/jobs/{imp['id']}/result")).json()
    copy = c.get(world.url(f"/productions/{summary['production_id']}")).json()
    assert copy["production"]["title"] == "Copie" and copy["tasks"] == len(doc["tasks"])
    again = c.post(world.url("/productions/import"), params={"title": "Copie"}, json=doc).json()
    world.app.state.jobs.wait(again["id"], 60)
    failed = c.get(world.url(f"/jobs/{again['id']}")).json()
    assert failed["status"] == "failed" and "Copie" in failed["error"]
    broken = c.post(world.url("/productions/import"), json={"format": "nonsense"})
    assert broken.status_code in (400, 422) and "error" in broken.json()


def test_approval_needs_every_named_reviewer_and_keeps_the_notes(world: World) -> None:
    s = world.client("S")
    req = s.post(
        world.url("/productions/{pid}/approvals"),
        json={"target_type": "task", "target": "PIC-EDITORS-CUT", "reviewers": ["director", "client"]},
    ).json()
    assert req["status"] == "pending"
    d = world.client("D").post(
        world.url(f"/approvals/{req['id']}/decision"), json={"decision": "approved", "note": "ok"}
    )
    assert d.json()["status"] == "pending"
    vague = world.client("C").post(
        world.url(f"/approvals/{req['id']}/decision"), json={"decision": "changes-requested"}
    )
    assert vague.status_code == 422 and vague.json()["field"] == "note"
    c = world.client("C").post(
        world.url(f"/approvals/{req['id']}/decision"), json={"decision": "changes-requested", "note": "Reel 3 too long"}
    )
    assert c.json()["status"] == "changes-requested"
    notes = s.get(world.url("/productions/{pid}/notes"), params={"task": "PIC-EDITORS-CUT"}).json()
    assert [n["body"] for n in notes][-2:] == ["approved: ok", "changes-requested: Reel 3 too long"]
    late = world.client("D").post(world.url(f"/approvals/{req['id']}/decision"), json={"decision": "approved"})
    assert late.status_code == 409


def test_register_entry_stale_version_gets_409_with_current_state(world: World) -> None:
    from api_world import new_entry

    key = new_entry(world)
    c = world.client("S")
    url = world.url(f"/productions/{{pid}}/registers/vfx/{key}")
    etag = c.get(url).headers["ETag"]
    ok = c.patch(url, json={"values": {"vendor": "Mikros"}}, headers={"If-Match": etag})
    assert ok.status_code == 200 and ok.json()["vendor"] == "Mikros"
    stale = c.patch(url, json={"values": {"vendor": "Rodeo"}}, headers={"If-Match": etag})
    assert stale.status_code == 409 and stale.json()["current"]["vendor"] == "Mikros"
    page = c.get(world.url("/productions/{pid}/registers/vfx"), params={"q": key}).json()
    assert [e["key"] for e in page["items"]] == [key]


def test_cut_import_runs_as_a_job_and_versions_are_listed(world: World) -> None:
    from api_world import cut_edl_text

    c = world.client("L")
    job = c.post(
        world.url("/productions/{pid}/cuts/R7/import-jobs"), json={"text": cut_edl_text(), "filename": "r7.edl"}
    )
    assert job.status_code == 202
    world.app.state.jobs.wait(job.json()["id"], 60)
    state = world.client("S").get(world.url(f"/jobs/{job.json()['id']}")).json()
    assert state["status"] == "done", state["error"]
    versions = c.get(world.url("/productions/{pid}/cuts"), params={"reel": "R7"}).json()
    assert [(v["reel"], v["version"], v["events"]) for v in versions] == [("R7", 1, 6)]
    bad = c.post(world.url("/productions/{pid}/cuts/R8/import-jobs"), json={"text": "x", "filename": "r.doc"})
    assert bad.status_code == 422 and bad.json()["field"] == "filename"
    broken = c.post(
        world.url("/productions/{pid}/cuts/R9/import-jobs"), json={"text": "not an edl\n", "filename": "r.edl"}
    )
    world.app.state.jobs.wait(broken.json()["id"], 60)
    failed = world.client("S").get(world.url(f"/jobs/{broken.json()['id']}")).json()
    assert failed["status"] == "failed" and failed["error"]


def test_history_hides_rates_from_roles_that_do_not_see_the_budget(world: World) -> None:
    from postprod.services import people
    from postprod.services.common import get_person, get_production

    with world.scope() as s:
        prod = get_production(s, world.production_id)
        people.update_person(s, get_person(s, prod, "Karim Haddad"), day_rate="700", role="VFX supervisor (lead)")

    def last_person_change(role: str) -> dict:  # type: ignore[type-arg]
        rows = world.client(role).get(world.url("/productions/{pid}/history"), params={"entity_type": "Person"}).json()
        return next(r for r in rows if r["label"] == "Karim Haddad" and r["action"] == "update")

    seen = last_person_change("D")
    assert seen["after"]["day_rate"] == "700" and "role" in seen["after"]
    hidden = last_person_change("T")
    assert "day_rate" not in hidden["after"] and "day_rate" not in (hidden["before"] or {})
    assert hidden["after"]["role"] == "VFX supervisor (lead)"


def test_deliverable_qc_runs_as_a_job_and_keeps_the_run(world: World) -> None:
    from api_world import qc_ready_deliverable

    c = world.client("S")
    name = qc_ready_deliverable(world)
    job = c.post(world.url(f"/productions/{{pid}}/deliverables/{name}/qc-jobs"))
    assert job.status_code == 202, job.text
    world.app.state.jobs.wait(job.json()["id"], 60)
    state = c.get(world.url(f"/jobs/{job.json()['id']}")).json()
    assert state["status"] == "done", state
    run = c.get(world.url(f"/jobs/{job.json()['id']}/result")).json()
    assert run["result"] == "pass" and run["status"] == "qc-passed"
    shown = c.get(world.url(f"/productions/{{pid}}/deliverables/{name}")).json()
    assert shown["status"] == "qc-passed" and len(shown["qc_runs"]) == 1
    # without a file the request is refused at once, naming the field; a technician may not start QC
    bare = c.post(world.url("/productions/{pid}/deliverables"), json={"name": "No file yet", "spec": "dcp-audio"})
    assert bare.status_code == 201, bare.text
    refused = c.post(world.url("/productions/{pid}/deliverables/No file yet/qc-jobs"))
    assert refused.status_code == 422 and refused.json()["field"] == "file"
    assert world.client("T").post(world.url(f"/productions/{{pid}}/deliverables/{name}/qc-jobs")).status_code == 403


def test_subtitle_deliverable_needs_its_language(world: World) -> None:
    c = world.client("S")
    url = world.url("/productions/{pid}/deliverables")
    missing = c.post(url, json={"name": "Subtitles DE", "spec": "subtitles-netflix-en"})
    assert missing.status_code == 422 and missing.json()["field"] == "language", missing.text
    bad = c.post(url, json={"name": "Subtitles DE", "spec": "subtitles-netflix-en", "language": "deutsch!"})
    assert bad.status_code == 422 and bad.json()["field"] == "language", bad.text
    made = c.post(url, json={"name": "Subtitles DE", "spec": "subtitles-netflix-en", "language": "de"})
    assert made.status_code == 201, made.text
    assert made.json()["language"] == "de" and made.json()["kind"] == "subtitles"
    shown = c.get(world.url("/productions/{pid}/deliverables/Subtitles DE")).json()
    assert shown["language_work"]["language"] == "de"


def test_webhooks_over_the_api(world: World) -> None:
    c = world.client("S")
    made = c.post(world.url("/productions/{pid}/webhooks"), json={"url": "https://tools.example/postprod"})
    assert made.status_code == 201, made.text
    hook = made.json()
    assert len(hook["secret"]) == 64 and hook["active"] and hook["delivered"] == 0
    listed = c.get(world.url("/productions/{pid}/webhooks")).json()
    assert [h["id"] for h in listed] == [hook["id"]] and "secret" not in listed[0]  # shown once
    bad = c.post(world.url("/productions/{pid}/webhooks"), json={"url": "file:///etc/passwd"})
    assert bad.status_code in (400, 422) and "url" in bad.text
    for inside in ("http://169.254.169.254/latest/meta-data/", "http://0x7f000001:6379/", "http://[::1]:5432/"):
        refused = c.post(world.url("/productions/{pid}/webhooks"), json={"url": inside})
        assert refused.status_code == 422 and refused.json()["field"] == "url", refused.text
    assert c.delete(world.url(f"/productions/{{pid}}/webhooks/{hook['id']}")).status_code == 204
    assert c.get(world.url("/productions/{pid}/webhooks")).json() == []
    assert c.delete(world.url(f"/productions/{{pid}}/webhooks/{hook['id']}")).status_code == 404


def test_jobs_queued_before_a_restart_run_when_the_server_starts(world: World) -> None:
    from postprod.app import create_app
    from postprod.db import session_scope
    from postprod.jobs import JobRunner
    from postprod.model import Job, JobStatus

    with session_scope(world.engine, actor="before") as s:  # queued, then the server stopped
        job = Job(kind="production-export", status=JobStatus.QUEUED, production_id=world.production_id,
                  params={"production_id": world.production_id, "actor": "before"})  # fmt: skip
        s.add(job)
        s.flush()
        job_id = job.id
    app = create_app(engine=world.engine, web=False, webhooks=False)
    runner: JobRunner = app.state.jobs
    with TestClient(app):  # the lifespan: startup resumes the queue
        runner.wait(job_id, 60)
    with session_scope(world.engine) as s:
        done = s.get(Job, job_id)
        assert done is not None and done.status == JobStatus.DONE and done.result["tasks"]
    assert runner.resume_queued() == []  # nothing left; a job is never run twice


def test_jobs_left_running_by_a_dead_process_run_again(world: World) -> None:
    from datetime import timedelta

    from postprod.app import create_app
    from postprod.db import session_scope
    from postprod.jobs import STALE, JobRunner
    from postprod.model import Job, JobStatus
    from postprod.model.base import utcnow

    params = {"production_id": world.production_id, "actor": "before"}
    with session_scope(world.engine, actor="before") as s:
        dead = Job(kind="production-export", status=JobStatus.RUNNING, production_id=world.production_id,
                   params=params, heartbeat_at=utcnow() - timedelta(seconds=STALE + 60))  # fmt: skip
        alive = Job(kind="production-export", status=JobStatus.RUNNING, production_id=world.production_id,
                    params=params, heartbeat_at=utcnow())  # another server's, beating  # fmt: skip
        s.add_all([dead, alive])
        s.flush()
        dead_id, alive_id = dead.id, alive.id
    app = create_app(engine=world.engine, web=False, webhooks=False)
    runner: JobRunner = app.state.jobs
    with TestClient(app):
        runner.wait(dead_id, 60)
    with session_scope(world.engine) as s:
        redone, other = s.get(Job, dead_id), s.get(Job, alive_id)
        assert redone is not None and redone.status == JobStatus.DONE and redone.result["tasks"]
        assert other is not None and other.status == JobStatus.RUNNING  # left to the server running it


def test_a_running_job_beats(world: World, monkeypatch) -> None:  # noqa: ANN001
    import time as _time

    import postprod.jobs.runner as jobs_mod
    from postprod.db import session_scope
    from postprod.jobs.kinds import KINDS
    from postprod.model import Job, JobStatus

    beats: list[object] = []

    def slow(s, progress, p):  # noqa: ANN001, ANN202
        for _ in range(20):
            _time.sleep(0.05)
            with world.engine.connect() as conn:
                beats.append(conn.execute(jobs_mod.select(Job.heartbeat_at).where(Job.id == p["id"])).scalar())
        return {"ok": True}

    monkeypatch.setitem(KINDS, "test-slow", slow)
    monkeypatch.setattr(jobs_mod, "HEARTBEAT", 0.1)
    with session_scope(world.engine, actor="t") as s:
        job = Job(kind="test-slow", status=JobStatus.QUEUED, params={})
        s.add(job)
        s.flush()
        job_id = job.id
    with world.engine.begin() as conn:
        conn.execute(jobs_mod.update(Job).where(Job.id == job_id).values(params={"id": job_id}))
    jobs_mod.execute(world.engine, job_id)
    assert len({b for b in beats if b is not None}) >= 3  # the heartbeat moved while the work ran
    with session_scope(world.engine) as s:
        assert s.get(Job, job_id).status == JobStatus.DONE
