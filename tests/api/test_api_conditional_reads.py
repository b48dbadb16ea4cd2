"""Conditional reads: a task's or a task page's ETag sent back in If-None-Match gives 304 while nothing it
shows has changed, and a full answer with a new ETag as soon as anything has (even through another table)."""

from __future__ import annotations

from api_world import World

from postprod.services import people, tasks
from postprod.services.common import get_person, get_production, get_task

TASKS = "/productions/{pid}/tasks"


def _task(world: World, key: str) -> str:
    return world.url(f"{TASKS}/{key}")


def _still(world: World, url: str, etag: str, role: str = "S", **params: object) -> bool:
    """True if the server answers 304 to this ETag (and then with the same ETag and no body)."""
    r = world.client(role).get(url, params=params, headers={"If-None-Match": etag})
    if r.status_code == 304:
        assert r.headers["ETag"].removeprefix("W/") in etag or etag == "*", (r.headers["ETag"], etag)
        assert r.content == b""
        return True
    assert r.status_code == 200 and r.headers["ETag"] not in etag and r.json()
    return False


def test_a_task_read_again_unchanged_is_304_and_after_a_change_200(world: World) -> None:
    c = world.client("S")
    key = world.new_task()
    first = c.get(_task(world, key))
    etag = first.headers["ETag"]
    assert first.status_code == 200 and etag == f'"{first.json()["version"]}"'  # still the If-Match of a write
    assert _still(world, _task(world, key), etag)
    assert _still(world, _task(world, key), f'W/"0", W/{etag}')  # weak comparison, one of a list
    assert _still(world, _task(world, key), "*")
    assert not _still(world, _task(world, key), '"0"')
    changed = c.patch(_task(world, key), json={"progress": 30}, headers={"If-Match": etag})
    assert changed.status_code == 200
    assert not _still(world, _task(world, key), etag)
    assert _still(world, _task(world, key), changed.headers["ETag"])


def test_a_304_is_no_way_around_the_read_right(world: World) -> None:
    key = world.new_task()
    etag = world.client("S").get(_task(world, key)).headers["ETag"]
    r = world.client("C").get(_task(world, key), headers={"If-None-Match": etag})
    assert r.status_code == 403  # the client is not shown this task, whatever ETag it sends
    assert world.client("N").get(_task(world, key), headers={"If-None-Match": etag}).status_code == 401


def test_a_link_or_an_assignee_s_new_name_changes_the_task_s_etag(world: World) -> None:
    c = world.client("S")
    first, second = world.new_task(), world.new_task(assign="Karim Haddad")
    tags = {k: c.get(_task(world, k)).headers["ETag"] for k in (first, second)}
    added = c.post(_task(world, second) + "/dependencies", json={"on": first})
    assert added.status_code == 201
    # both read differently: the second waits for the first, which now has a successor
    assert not _still(world, _task(world, second), tags[second])
    after = c.get(_task(world, first))
    assert not _still(world, _task(world, first), tags[first]) and after.json()["successors"] == [second]
    tag = c.get(_task(world, second)).headers["ETag"]
    with world.scope() as s:
        prod = get_production(s, world.production_id)
        people.update_person(s, get_person(s, prod, "Karim Haddad"), name="Karim Haddad-Morel")
    assert not _still(world, _task(world, second), tag)
    assert c.get(_task(world, second)).json()["assignees"] == ["Karim Haddad-Morel"]
    tag = c.get(_task(world, second)).headers["ETag"]
    assert c.delete(_task(world, second) + f"/dependencies/{first}").status_code == 204
    assert not _still(world, _task(world, second), tag)


def test_a_task_page_is_304_until_one_of_its_tasks_or_its_total_changes(world: World) -> None:
    c = world.client("S")
    url = world.url(TASKS)
    page = {"department": "picture-editing", "limit": 100}
    first = c.get(url, params=page)
    etag = first.headers["ETag"]
    assert first.status_code == 200 and etag.startswith('W/"')
    assert _still(world, url, etag, **page)
    assert not _still(world, url, etag, department="picture-editing", limit=99)  # another page
    # a task of another department: this page is unchanged
    other = c.get(url, params={"department": "sound-editing", "limit": 1}).json()["items"][0]
    assert c.patch(_task(world, other["key"]), json={"priority": 2, "version": other["version"]}).status_code == 200
    assert _still(world, url, etag, **page)
    # one of its tasks changes
    mine = first.json()["items"][-1]
    assert c.patch(_task(world, mine["key"]), json={"progress": 12, "version": mine["version"]}).status_code == 200
    assert not _still(world, url, etag, **page)
    etag = c.get(url, params=page).headers["ETag"]
    assert _still(world, url, etag, **page)
    # a task added, then one deleted: the page's tasks and total change
    key = world.new_task()
    assert not _still(world, url, etag, **page)
    etag = c.get(url, params=page).headers["ETag"]
    with world.scope() as s:
        tasks.delete_task(s, get_task(s, get_production(s, world.production_id), key))
    assert not _still(world, url, etag, **page)


def test_a_page_s_etag_is_of_what_the_reader_may_see(world: World) -> None:
    """The client sees only the shared tasks: the supervisor's ETag does not answer for its page."""
    url = world.url(TASKS)
    etag = world.client("S").get(url, params={"limit": 500}).headers["ETag"]
    shared = world.client("C").get(url, params={"limit": 500})
    assert shared.status_code == 200 and shared.headers["ETag"] != etag
    assert not _still(world, url, etag, role="C", limit=500)
    assert _still(world, url, shared.headers["ETag"], role="C", limit=500)
