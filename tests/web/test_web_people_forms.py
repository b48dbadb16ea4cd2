"""The forms of people, rooms, absences, calendars and holidays: each mistake beside its field with nothing
written, rates only for roles with the budget right, every write refused without the right or the CSRF token."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from tests.web.webkit import login

from postprod import db
from postprod.model import Absence, Calendar, Person, Room


def _count(c: TestClient, model: type) -> int:
    with db.session_scope(c.app.state.engine) as s:  # type: ignore[attr-defined]
        return len(list(s.query(model)))


def _id(c: TestClient, model: type, name: str) -> int:
    with db.session_scope(c.app.state.engine) as s:  # type: ignore[attr-defined]
        return int(s.query(model).filter_by(name=name).one().id)


PERSON = {"name": "Anaïs Vidal", "role": "Assistant editor", "skills": "editing, conform", "day_rate": "320",
          "currency": "EUR", "email": "anais@studio.fr", "phone": "+33 6 12 34 56 78", "calendar": ""}  # fmt: skip


def test_add_edit_remove_a_person(site: tuple[TestClient, int]) -> None:
    c, pid = site
    csrf = login(c, "supervisor")
    page = c.get(f"/p/{pid}/people").text
    assert 'id="person-form"' in page and 'name="day_rate"' in page
    before = _count(c, Person)
    for field, bad in [("name", ""), ("email", "not-an-address"), ("day_rate", "lots"), ("currency", "euros"),
                       ("name", "Claire Moreau")]:  # fmt: skip
        r = c.post(f"/p/{pid}/people/new", data={**PERSON, field: bad, "csrf_token": csrf})
        assert r.status_code == 422, field
        assert f'id="err-p-{field}"' in r.text, field
        assert 'value="+33 6 12 34 56 78"' in r.text  # what was typed stays
    assert c.post(f"/p/{pid}/people/new", data=PERSON).status_code == 403
    assert _count(c, Person) == before
    r = c.post(f"/p/{pid}/people/new", data={**PERSON, "csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    assert _count(c, Person) == before + 1
    ident = _id(c, Person, "Anaïs Vidal")
    page = c.get(f"/p/{pid}/people/{ident}").text
    assert "320" in page and "anais@studio.fr" in page

    edit = {**PERSON, "role": "First assistant editor", "day_rate": "350", "csrf_token": csrf}
    r = c.post(f"/p/{pid}/people/{ident}/edit", data={**edit, "email": "x"})
    assert r.status_code == 422 and 'id="err-email"' in r.text
    r = c.post(f"/p/{pid}/people/{ident}/edit", data=edit, follow_redirects=False)
    assert r.status_code == 303
    assert "First assistant editor" in c.get(f"/p/{pid}/people/{ident}").text

    # Absences: start after end is refused beside the last day; an overlap beside the first.
    url = f"/p/{pid}/people/{ident}/absences"
    away = _count(c, Absence)
    r = c.post(url, data={"start": "2031-03-10", "end": "2031-03-01", "reason": "", "csrf_token": csrf})
    assert r.status_code == 422 and 'id="err-end"' in r.text
    r = c.post(url, data={"start": "someday", "end": "", "reason": "", "csrf_token": csrf})
    assert r.status_code == 422 and 'id="err-start"' in r.text
    assert _count(c, Absence) == away
    ok = {"start": "2031-03-02", "end": "2031-03-06", "reason": "Festival", "csrf_token": csrf}
    assert c.post(url, data=ok, follow_redirects=False).status_code == 303
    r = c.post(url, data={**ok, "start": "2031-03-05", "end": "2031-03-09"})
    assert r.status_code == 422 and 'id="err-start"' in r.text
    page = c.get(f"/p/{pid}/people/{ident}").text
    assert "Festival" in page
    absence = re.search(r"/absences/(\d+)/delete", page)
    assert absence is not None
    assert c.post(f"/p/{pid}/absences/{absence.group(1)}/delete", data={}).status_code == 403
    r = c.post(f"/p/{pid}/absences/{absence.group(1)}/delete", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303 and _count(c, Absence) == away

    # Removing asks first.
    assert "cannot be undone" in c.get(f"/p/{pid}/people/{ident}/delete").text
    assert c.post(f"/p/{pid}/people/{ident}/delete", data={}).status_code == 403
    r = c.post(f"/p/{pid}/people/{ident}/delete", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303 and _count(c, Person) == before


def test_rooms_and_calendars(site: tuple[TestClient, int]) -> None:
    c, pid = site
    csrf = login(c, "supervisor")
    room = {"name": "Auditorium B", "kind": "mix-stage", "day_rate": "900", "currency": "EUR",
            "location": "Boulogne", "calendar": "", "csrf_token": csrf}  # fmt: skip
    r = c.post(f"/p/{pid}/rooms/new", data={**room, "kind": "kitchen"})
    assert r.status_code == 422 and 'id="err-r-kind"' in r.text
    assert c.post(f"/p/{pid}/rooms/new", data=room, follow_redirects=False).status_code == 303
    ident = _id(c, Room, "Auditorium B")
    r = c.post(f"/p/{pid}/rooms/{ident}/edit", data={**room, "location": "Joinville", "name": ""})
    assert r.status_code == 422 and 'id="err-name"' in r.text
    r = c.post(f"/p/{pid}/rooms/{ident}/edit", data={**room, "location": "Joinville"}, follow_redirects=False)
    assert r.status_code == 303 and "Joinville" in c.get(f"/p/{pid}/rooms/{ident}").text
    away = _count(c, Absence)
    r = c.post(f"/p/{pid}/rooms/{ident}/absences", data={"start": "2031-01-05", "end": "", "csrf_token": csrf},
               follow_redirects=False)  # fmt: skip
    assert r.status_code == 303 and _count(c, Absence) == away + 1

    cal = {"name": "Night shift", "work_days": ["1", "2", "3"], "day_start": "20:00", "day_end": "23:00",
           "csrf_token": csrf}  # fmt: skip
    before = _count(c, Calendar)
    for field, bad in [("work_days", []), ("day_end", "19:00"), ("name", "Studio")]:
        r = c.post(f"/p/{pid}/calendars/new", data={**cal, field: bad})
        assert r.status_code == 422 and f'id="err-c-{field}"' in r.text, field
    assert _count(c, Calendar) == before
    r = c.post(f"/p/{pid}/calendars/new", data=cal, follow_redirects=False)
    assert r.status_code == 303
    url = r.headers["location"]
    page = c.get(url).text
    assert "20:00" in page and "Night shift" in page
    r = c.post(url + "/edit", data={**cal, "work_days": ["1", "2", "3", "4"], "day_start": "19:00"},
               follow_redirects=False)  # fmt: skip
    assert r.status_code == 303 and "19:00" in c.get(url).text
    r = c.post(url + "/holidays", data={"day": "2031-02-30", "name": "", "csrf_token": csrf})
    assert r.status_code == 422 and 'id="err-h-day"' in r.text
    r = c.post(url + "/holidays", data={"day": "2031-02-14", "name": "Closure", "csrf_token": csrf},
               follow_redirects=False)  # fmt: skip
    assert r.status_code == 303 and "Closure" in c.get(url).text
    holiday = re.search(r'/holidays/(\d+)/delete"', c.get(url).text)
    assert holiday is not None
    r = c.post(f"{url}/holidays/{holiday.group(1)}/delete", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    # The default calendar stays; one followed by nobody goes.
    default = _id(c, Calendar, "Studio")
    r = c.post(f"/p/{pid}/calendars/{default}/delete", data={"csrf_token": csrf})
    assert r.status_code == 422 and 'id="err-calendar"' in r.text
    assert c.post(url + "/delete", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    assert _count(c, Calendar) == before


def test_only_the_budget_right_sees_and_sets_rates(site: tuple[TestClient, int]) -> None:
    c, pid = site
    # Only the supervisor edits the crew (people.edit); every other role is refused, pages and posts alike.
    person = _id(c, Person, "Claire Moreau")
    for role in ("director", "picturelead", "editor"):
        csrf = login(c, role)
        page = c.get(f"/p/{pid}/people").text
        assert 'id="person-form"' not in page and 'name="day_rate"' not in page
        person_page = c.get(f"/p/{pid}/people/{person}")
        assert person_page.status_code == 200 and 'id="owner-form"' not in person_page.text
        assert ("Day rate" in person_page.text) == (role == "director")
        assert c.get(f"/p/{pid}/people/{person}/delete").status_code == 403
        for url in ("/people/new", "/rooms/new", "/calendars/new", f"/people/{person}/edit",
                    f"/people/{person}/absences", f"/people/{person}/delete"):  # fmt: skip
            r = c.post(f"/p/{pid}{url}", data={**PERSON, "csrf_token": csrf}, follow_redirects=False)
            assert r.status_code == 403, (role, url)
        calendar = c.get(f"/p/{pid}/calendars/{_id(c, Calendar, 'Studio')}")
        assert calendar.status_code == 200 and 'id="calendar-form"' not in calendar.text
    login(c, "client")
    assert c.get(f"/p/{pid}/people/{person}").status_code == 403
    assert c.get(f"/p/{pid}/calendars/{_id(c, Calendar, 'Studio')}").status_code == 403
