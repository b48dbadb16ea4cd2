"""Users and permissions: the pure role x action check, and the `postprod user` commands."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from postprod.cli.main import app as cli
from postprod.errors import PostprodError
from postprod.services.users import ACTIONS, PERMISSIONS, Grant, Resource, can

runner = CliRunner()


def test_supervisor_may_do_everything_in_their_production_and_nothing_elsewhere() -> None:
    sup = [Grant("supervisor", 1)]
    for action in ACTIONS:
        if action == "production.create":
            continue
        assert can(sup, action, Resource(1, department="vfx"))
        assert not can(sup, action, Resource(2, department="vfx"))


def test_scopes_department_own_and_shared() -> None:
    lead = [Grant("department-lead", 1, department="vfx")]
    assert can(lead, "task.update", Resource(1, department="vfx"))
    assert not can(lead, "task.update", Resource(1, department="adr"))
    assert can(lead, "task.read", Resource(1, department="adr"))
    tech = [Grant("technician", 1, person_id=7)]
    assert can(tech, "task.progress", Resource(1, assignee_ids=frozenset({7, 8})))
    assert not can(tech, "task.progress", Resource(1, assignee_ids=frozenset({8})))
    assert not can(tech, "task.update", Resource(1, assignee_ids=frozenset({7})))
    client = [Grant("client", 1)]
    assert can(client, "task.read", Resource(1, shared=True))
    assert not can(client, "task.read", Resource(1))
    assert not any(can(client, a, Resource(1, shared=True)) for a in ACTIONS if not a.endswith(".read"))
    director = [Grant("production-director", 1)]
    assert can(director, "budget.read", Resource(1)) and not can(lead, "budget.read", Resource(1))
    assert not any(can(director, a, Resource(1)) for a in ("task.update", "task.progress", "people.edit"))
    assert can([Grant("admin", None)], "member.manage", Resource(5))
    assert not can([], "task.read", Resource(1))
    with pytest.raises(ValueError):
        can(lead, "task.fly", Resource(1))


def test_every_role_names_only_known_actions() -> None:
    for table in PERMISSIONS.values():
        assert set(table) <= set(ACTIONS)


def run(*args: str) -> tuple[int, str]:
    """Exit code and output as `postprod` gives them (a PostprodError is exit 2 with its message)."""
    result = runner.invoke(cli, list(args))
    if isinstance(result.exception, PostprodError):
        return result.exception.exit_code, str(result.exception)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout + (result.stderr or "")


def test_user_commands_add_grant_list_and_token(cli_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POSTPROD_PASSWORD_HASH", "fast")
    assert run("demo")[0] == 0
    code, out = run("user", "add", "ana", "--password", "s3cret-pass", "--name", "Ana Costa", "--language", "fr")
    assert code == 0 and "added user ana" in out
    assert run("user", "add", "ana", "--password", "s3cret-pass")[0] == 2
    code, out = run("user", "add", "Bad Name", "--password", "s3cret-pass")
    assert code == 2 and "invalid username" in out
    code, out = run("user", "grant", "ana", "department-lead", "--department", "vfx")
    assert code == 0 and "department-lead (vfx)" in out
    code, out = run("user", "grant", "ana", "technician")
    assert code == 2 and "person" in out
    code, out = run("user", "list", "--json")
    rows = {r["username"]: r for r in json.loads(out)}
    assert rows["ana"]["language"] == "fr"
    assert [(m["role"], m["department"]) for m in rows["ana"]["memberships"]] == [("department-lead", "vfx")]
    code, token = run("user", "token", "ana", "--name", "script")
    assert code == 0 and token.strip().startswith("pp_")
    from postprod.app import create_app

    app = create_app(cli_db, web=False)
    with TestClient(app, headers={"Authorization": f"Bearer {token.strip()}"}) as c:
        me = c.get("/api/v1/auth/me").json()
        assert me["username"] == "ana"
        pid = me["memberships"][0]["production_id"]
        v = c.get(f"/api/v1/productions/{pid}/tasks/VFX-SPOTTING").json()["version"]
        ok = c.patch(f"/api/v1/productions/{pid}/tasks/VFX-SPOTTING", json={"priority": 5, "version": v})
        assert ok.status_code == 200
        v = c.get(f"/api/v1/productions/{pid}/tasks/PIC-LOCK").json()["version"]
        no = c.patch(f"/api/v1/productions/{pid}/tasks/PIC-LOCK", json={"priority": 5, "version": v})
        assert no.status_code == 403
    app.state.engine.dispose()


def test_feed_cursor_waits_for_a_late_commit_then_gives_up_on_a_gap() -> None:
    from postprod.services.events import FeedCursor

    cur = FeedCursor(10, gap_wait=3.0)
    assert cur.advance([11, 12], now=0.0) == [11, 12]
    # 13 is not visible yet (its transaction has not committed), 14 is: hold 14 back.
    assert cur.advance([14, 15], now=1.0) == []
    assert cur.advance([13, 14, 15], now=2.0) == [13, 14, 15]
    # 16 never comes (rolled back): after the wait, move past it.
    assert cur.advance([17], now=3.0) == []
    assert cur.advance([17], now=5.9) == []
    assert cur.advance([17, 18], now=6.0) == [17, 18]
    assert cur.last == 18
    # A hole in old history (entries written long ago) is not waited for.
    assert cur.advance([25, 26], now=7.0, ages=[3600.0, 3600.0]) == [25, 26]
    assert cur.advance([28], now=7.0, ages=[0.5]) == []
