"""Who is asking is kept a few seconds per token or session in a server process; every change to a
token, a session, an account or a role made through that process takes effect on the next request."""

from __future__ import annotations

from api_world import USERS, World
from fastapi.testclient import TestClient

from postprod.services import users
from postprod.services.common import get_production


def _me(c: TestClient, w: World) -> int:
    return c.get(w.url("/auth/me")).status_code


def test_a_revoked_token_is_refused_on_the_very_next_request(world: World) -> None:
    c = world.client("S")
    made = c.post(world.url("/auth/tokens"), json={"name": "script"}).json()
    script = TestClient(world.app, headers={"Authorization": f"Bearer {made['token']}"})
    assert _me(script, world) == 200 and _me(script, world) == 200  # read, then kept
    assert c.delete(world.url(f"/auth/tokens/{made['id']}")).status_code == 204
    assert _me(script, world) == 401


def test_signing_out_ends_the_session_at_once(world: World) -> None:
    browser = TestClient(world.app)
    signed = browser.post(world.url("/auth/login"), json={"username": "director", "password": "director"})
    assert signed.status_code == 200
    cookie = browser.cookies.get("postprod_session")
    assert cookie and _me(browser, world) == 200 and _me(browser, world) == 200
    out = browser.post(world.url("/auth/logout"), headers={"X-CSRF-Token": signed.json()["csrf_token"]})
    assert out.status_code == 204
    again = TestClient(world.app, cookies={"postprod_session": cookie})  # the old cookie, kept by someone
    assert _me(again, world) == 401


def test_a_role_taken_and_an_account_disabled_hold_at_once(world: World) -> None:
    lead = world.client("L")
    tasks = world.url("/productions/{pid}/tasks")
    assert lead.get(tasks).status_code == 200
    with world.scope() as s:
        user = users.get_user(s, USERS["L"])
        for m in list(user.memberships):
            users.revoke(s, get_production(s, world.production_id), m.id)
    assert lead.get(tasks).status_code == 403
    tech = world.client("T")
    assert _me(tech, world) == 200
    with world.scope() as s:
        users.update_user(s, users.get_user(s, USERS["T"]), active=False)
    assert _me(tech, world) == 401
