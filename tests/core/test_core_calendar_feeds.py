"""Calendar feeds of the plan: .ics files that parse, events that match the plan, UIDs that stay and
SEQUENCEs that grow when a replan moves a task, private feed addresses that can be revoked."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from postprod.app import create_app
from postprod.cli.main import app as cli_app
from postprod.db import session_scope
from postprod.errors import InvalidInput, NotFound
from postprod.model import Person, PlanTask, Production, Room
from postprod.services import calendar_feeds as feeds
from postprod.services import planning as ops
from postprod.services import users
from postprod.services.demo import create_demo

TODAY = date(2026, 11, 27)


@pytest.fixture
def demo(session: Session) -> Production:
    prod, _ = create_demo(session, today=TODAY, plan=False)
    ops.plan_production(session, prod, time_limit=0, today=TODAY)
    return prod


def _events(data: bytes) -> dict[str, dict[str, object]]:
    cal = Calendar.from_ical(data)
    out = {}
    for ev in cal.walk("VEVENT"):
        key = str(ev["summary"]).split(" ", 1)[0]
        out[key] = {
            "uid": str(ev["uid"]),
            "start": ev.decoded("dtstart"),
            "end": ev.decoded("dtend"),
            "sequence": int(ev["sequence"]),
            "description": str(ev.get("description", "")),
        }
    return out


def _plan_rows(session: Session, prod: Production) -> dict[str, PlanTask]:
    plan = ops.current_plan(session, prod)
    assert plan is not None
    return {r.task_key: r for r in session.scalars(select(PlanTask).where(PlanTask.plan_id == plan.id))}


def test_production_person_and_room_calendars_match_the_plan(session: Session, demo: Production) -> None:
    rows = _plan_rows(session, demo)
    data, name = feeds.ics(session, demo)
    assert name == demo.title
    events = _events(data)
    assert set(events) == set(rows)
    for key, r in rows.items():
        ev = events[key]
        # all-day events: DTEND is the day after the last planned day
        assert ev["start"] == r.start and ev["end"] == r.finish + timedelta(days=1), key
    # one person's calendar: exactly the tasks the plan gives them
    editor = session.scalars(select(Person).where(Person.production_id == demo.id, Person.name == "Sofia Alves")).one()
    mine = _events(feeds.ics(session, demo, person=editor.name)[0])
    assert set(mine) == {k for k, r in rows.items() if editor.id in r.person_ids} != set()
    assert all("Sofia Alves" in ev["description"] for ev in mine.values())
    # one room's calendar: its bookings
    room_id = next(r.room_id for r in rows.values() if r.room_id is not None)
    room = session.get(Room, room_id)
    assert room is not None
    booked = _events(feeds.ics(session, demo, room=room.name)[0])
    assert set(booked) == {k for k, r in rows.items() if r.room_id == room_id}
    with pytest.raises(InvalidInput, match="no room 'Nowhere'"):
        feeds.ics(session, demo, room="Nowhere")


def test_a_replan_keeps_uids_and_raises_the_sequence_of_what_moved(session: Session, demo: Production) -> None:
    before_rows = _plan_rows(session, demo)
    before = _events(feeds.ics(session, demo)[0])
    ops.replan_production(session, demo, ops.Incidents(slips=[("PIC-DIRECTORS-CUT", 5)]), time_limit=0, today=TODAY)
    after_rows = _plan_rows(session, demo)
    after = _events(feeds.ics(session, demo)[0])
    moved = {
        k
        for k in after_rows
        if (after_rows[k].start, after_rows[k].finish) != (before_rows[k].start, before_rows[k].finish)
    }
    assert "PIC-DIRECTORS-CUT" in moved
    for key in after:
        assert after[key]["uid"] == before[key]["uid"]
        assert after[key]["sequence"] >= before[key]["sequence"], key
        if key in moved:
            assert after[key]["sequence"] > before[key]["sequence"], key
            assert after[key]["start"] == after_rows[key].start


def test_no_plan_yet_gives_an_empty_calendar(session: Session) -> None:
    prod, _ = create_demo(session, today=TODAY, plan=False)
    data, _ = feeds.ics(session, prod)
    assert Calendar.from_ical(data).walk("VEVENT") == []


def test_private_feed_addresses(engine: Engine, backend: str) -> None:
    with session_scope(engine, actor="fixture") as s:
        prod, _ = create_demo(s, today=TODAY, plan=False)
        ops.plan_production(s, prod, time_limit=0, today=TODAY)
        pid = prod.id
        editor = s.scalars(select(Person).where(Person.production_id == pid, Person.name == "Sofia Alves")).one()
        tech = users.create_user(s, username="sofia", password="password1")
        users.grant(s, tech, prod, "technician", person=str(editor.id))
        client = users.create_user(s, username="client", password="password1")
        users.grant(s, client, prod, "client")
        _, tech_token = users.create_token(s, tech, "test")
        _, client_token = users.create_token(s, client, "test")
    api = TestClient(create_app(engine=engine))
    as_tech = {"Authorization": f"Bearer {tech_token}"}
    # a technician's own feed: a person feed defaults to their person
    r = api.post(f"/api/v1/productions/{pid}/calendar-feeds", json={"scope": "person"}, headers=as_tech)
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["feed"]["target"] == "Sofia Alves" and made["token"] in made["url"]
    listed = api.get("/api/v1/calendar-feeds", headers=as_tech).json()
    assert [f["id"] for f in listed] == [made["feed"]["id"]] and "token" not in listed[0]
    # calendar apps fetch it without signing in
    got = TestClient(create_app(engine=engine)).get(made["url"])
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/calendar")
    events = _events(got.content)
    assert events and all("Sofia Alves" in ev["description"] for ev in events.values())
    # bad input: one field named, nothing written
    bad = api.post(
        f"/api/v1/productions/{pid}/calendar-feeds", json={"scope": "room", "target": "Nowhere"}, headers=as_tech
    )
    assert bad.status_code == 422 and "target" in bad.text
    bad = api.post(f"/api/v1/productions/{pid}/calendar-feeds", json={"scope": "planet"}, headers=as_tech)
    assert bad.status_code == 422 and "scope" in bad.text
    assert len(api.get("/api/v1/calendar-feeds", headers=as_tech).json()) == 1
    # a client may not read the crew's plan
    refused = api.post(
        f"/api/v1/productions/{pid}/calendar-feeds",
        json={"scope": "production"},
        headers={"Authorization": f"Bearer {client_token}"},
    )
    assert refused.status_code == 403
    # someone else cannot revoke it; its owner can, and then the address is not found
    assert (
        api.delete(
            f"/api/v1/calendar-feeds/{made['feed']['id']}", headers={"Authorization": f"Bearer {client_token}"}
        ).status_code
        == 404
    )
    assert api.delete(f"/api/v1/calendar-feeds/{made['feed']['id']}", headers=as_tech).status_code == 204
    assert api.get(made["url"]).status_code == 404
    assert api.get("/api/v1/ical/cal_not-a-token.ics").status_code == 404
    # a feed dies with its owner's membership
    again = api.post(f"/api/v1/productions/{pid}/calendar-feeds", json={"scope": "production"}, headers=as_tech).json()
    assert api.get(again["url"]).status_code == 200
    with session_scope(engine, actor="fixture") as s:
        user = users.get_user(s, "sofia")
        for m in list(user.memberships):
            users.revoke(s, s.get(Production, pid), m.id)  # type: ignore[arg-type]
    assert api.get(again["url"]).status_code == 404


def test_feeds_end_with_the_password(session: Session, demo: Production) -> None:
    user = users.create_user(session, username="lead", password="password1")
    users.grant(session, user, demo, "supervisor")
    _, token = feeds.create_feed(session, user, demo, "production")
    assert feeds.feed_ics(session, token)[0].startswith(b"BEGIN:VCALENDAR")
    users.revoke_credentials(session, user)
    with pytest.raises(NotFound):
        feeds.feed_ics(session, token)


def test_cli_writes_an_ics_and_refuses_bad_input(cli_db: str, tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(cli_app, ["demo"]).exit_code == 0
    out = tmp_path / "sofia.ics"
    r = runner.invoke(cli_app, ["plan", "ical", "--person", "Sofia Alves", "--out", str(out)])
    assert r.exit_code == 0, r.stderr
    events = _events(out.read_bytes())
    assert events and "event" in r.stdout
    r = runner.invoke(cli_app, ["plan", "ical", "--room", "Nowhere", "--out", str(tmp_path / "x.ics")])
    assert r.exit_code == 2 and "no room 'Nowhere'" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "x.ics").exists()
    r = runner.invoke(cli_app, ["plan", "ical", "--out", str(tmp_path / "x.txt")])
    assert r.exit_code == 2 and "must end in .ics" in r.stderr
