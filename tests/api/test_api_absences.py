"""Absences through the API: moved and renamed in place (PATCH), checked as when added, unknown ones a 404."""

from __future__ import annotations

from api_world import World

ABSENCES = "/productions/{pid}/absences"


def test_an_absence_is_moved_checked_and_removed(world: World) -> None:
    c = world.client("S")
    people = c.get(world.url("/productions/{pid}/people")).json()
    who = people[0]["name"]
    made = c.post(world.url(ABSENCES), json={"person": who, "start": "2033-04-01", "end": "2033-04-03"})
    assert made.status_code == 201, made.text
    other = c.post(world.url(ABSENCES), json={"person": who, "start": "2033-05-01", "end": "2033-05-02"}).json()
    url = world.url(f"{ABSENCES}/{made.json()['id']}")
    # what is not sent stays; the days move and the reason changes
    r = c.patch(url, json={"end": "2033-04-08", "reason": "Jury"})
    assert r.status_code == 200, r.text
    assert (r.json()["start"], r.json()["end"], r.json()["reason"]) == ("2033-04-01", "2033-04-08", "Jury")
    # refused like an addition: ends before it starts, overlaps another, not a date; nothing written
    for body, field in [({"end": "2033-03-01"}, "to"), ({"end": "2033-05-01"}, "from"), ({"start": "soon"}, "from")]:
        bad = c.patch(url, json=body)
        assert 400 <= bad.status_code < 500 and bad.json()["field"] == field, (body, bad.text)
    listed = {a["id"]: a for a in c.get(world.url(ABSENCES)).json()}
    assert (listed[made.json()["id"]]["end"], listed[other["id"]]["start"]) == ("2033-04-08", "2033-05-01")
    # an absence can touch its own old days (it is not its own overlap)
    assert c.patch(url, json={"start": "2033-04-02", "end": "2033-04-09"}).status_code == 200
    # unknown absences: 404 to change or remove, never a 500
    missing = world.url(f"{ABSENCES}/987654")
    assert c.patch(missing, json={"reason": "x"}).status_code == 404
    assert c.delete(missing).status_code == 404
    assert c.delete(url).status_code == 204
    assert c.delete(url).status_code == 404
