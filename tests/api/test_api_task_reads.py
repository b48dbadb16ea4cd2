"""Task reads from columns: one task, a page and the whole list (all=true, streamed) show exactly what the
ORM objects' views show, with the same filters, order and role rules."""

from __future__ import annotations

from api_world import World
from sqlalchemy import select

from postprod.model import Task
from postprod.services import tasks
from postprod.services.common import get_production, get_task, task_dict

TASKS = "/productions/{pid}/tasks"


def _orm_views(world: World, **query: object) -> list[dict[str, object]]:
    with world.scope() as s:
        prod = get_production(s, world.production_id)
        return [dict(task_dict(t)) for t in tasks.list_tasks(s, prod, limit=None, **query).items]  # type: ignore[arg-type]


def test_one_task_reads_as_its_orm_view_with_links_both_ways(world: World) -> None:
    c = world.client("S")
    first, second = world.new_task(), world.new_task(assign="Karim Haddad")
    assert c.post(world.url(f"{TASKS}/{second}/dependencies"), json={"on": first, "lag_days": 2}).status_code == 201
    with world.scope() as s:
        prod = get_production(s, world.production_id)
        want = {k: dict(tasks.task_detail(get_task(s, prod, k))) for k in (first, second)}
        ident = get_task(s, prod, second).id
    for key in (first, second):
        r = c.get(world.url(f"{TASKS}/{key.lower()}"))
        assert r.status_code == 200 and r.json() == want[key]
    assert want[second]["depends_on"] == [{"task": first, "lag_days": 2}] and want[first]["successors"] == [second]
    assert c.get(world.url(f"{TASKS}/{ident}")).json() == want[second]  # by ID too
    missing = c.get(world.url(f"{TASKS}/NO-SUCH-TASK"))
    assert missing.status_code == 404 and "NO-SUCH-TASK" in missing.text


def test_pages_and_the_whole_list_read_as_the_orm_views(world: World) -> None:
    c = world.client("S")
    world.new_task(assign="Karim Haddad")
    want = _orm_views(world, sort="-due")
    assert len(want) > 10
    pages = [
        c.get(world.url(TASKS), params={"sort": "-due", "limit": 7, "offset": off}).json()
        for off in range(0, len(want), 7)
    ]
    assert [t for p in pages for t in p["items"]] == want and {p["total"] for p in pages} == {len(want)}
    whole = c.get(world.url(TASKS), params={"sort": "-due", "all": "true", "limit": 3})
    assert whole.status_code == 200 and whole.headers["content-type"] == "application/json"
    assert whole.json() == want  # every task, limit not applying
    vfx = c.get(world.url(TASKS), params={"all": "true", "department": "vfx"}).json()
    assert vfx == _orm_views(world, department="vfx") and vfx
    assert c.get(world.url(TASKS), params={"all": "true", "q": "no such text"}).json() == []


def test_the_whole_list_refuses_a_bad_filter_before_sending_and_keeps_role_rules(world: World) -> None:
    c = world.client("S")
    bad = c.get(world.url(TASKS), params={"all": "true", "sort": "colour"})
    assert bad.status_code == 422 and "sort" in bad.text
    assert c.get(world.url(TASKS), params={"all": "true", "department": "nowhere"}).status_code == 404
    # a client sees the shared tasks only, as in the pages
    shared = world.client("C").get(world.url(TASKS), params={"all": "true"}).json()
    paged = world.client("C").get(world.url(TASKS), params={"limit": 500}).json()["items"]
    with world.scope() as s:
        n = len(s.scalars(select(Task.id).where(Task.production_id == world.production_id)).all())
    assert shared == paged and 0 < len(shared) < n
    assert world.client("N").get(world.url(TASKS), params={"all": "true"}).status_code == 401
