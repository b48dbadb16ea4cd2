"""Valid or near-valid input never gets a 500: far dates, double holidays, day-time timecodes, large IDs, NUL bytes.

Each case is a 4xx naming the field (or the expected success), on SQLite and PostgreSQL; and a 500,
should one still happen, leaves the keep-alive connection usable.
"""

from __future__ import annotations

import http.client
import re
import socket
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from api_world import API, World

BIG = [2**31, 2**63, 2**64]


def _create(w: World, **body: Any) -> Any:
    return w.client("S").post(f"{API}/productions", json={"title": f"Film {w.next()}", **body})


@pytest.mark.parametrize(("start", "delivery"), [("2008-01-01", None), ("2057-09-01", "2058-06-01")])
def test_a_year_with_two_holidays_on_one_day_makes_a_production(world: World, start: str, delivery: str | None) -> None:
    r = _create(world, start=start, deliveries=delivery)
    assert r.status_code == 201, r.text


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"start": "9999-06-01"}, "start"),
        ({"start": "0001-01-01"}, "start"),
        ({"deliveries": "9999-12-31"}, "delivery"),
        ({"record_start_tc": "-01:00:00:00"}, "record_start_tc"),
        ({"record_start_tc": "24:00:00:00"}, "record_start_tc"),
        ({"title": "Nul\x00"}, "title"),
        ({"description": "a\x00b"}, "description"),
    ],
)
def test_production_input_out_of_range_is_a_422_naming_the_field(
    world: World, body: dict[str, Any], field: str
) -> None:
    r = _create(world, **body)
    assert r.status_code == 422, r.text
    assert r.json()["field"] == field


def test_task_due_date_and_version_out_of_range(world: World) -> None:
    c = world.client("S")
    r = c.post(
        world.url("/productions/{pid}/tasks"),
        json={"key": "FAR-1", "name": "Far", "department": "vfx", "due": "9999-01-01"},
    )
    assert r.status_code == 422 and r.json()["field"] == "due", r.text
    for version in BIG:
        r = c.patch(world.url("/productions/{pid}/tasks/PIC-EDITORS-CUT"), json={"progress": 5, "version": version})
        assert r.status_code == 422 and r.json()["field"] == "version", r.text
        r = c.patch(
            world.url("/productions/{pid}/tasks/PIC-EDITORS-CUT"),
            json={"progress": 5},
            headers={"If-Match": f'"{version}"'},
        )
        assert r.status_code == 422 and r.json()["field"] == "If-Match", r.text


def _operations(w: World) -> list[tuple[str, str, dict[str, Any]]]:
    """Every operation of the OpenAPI document (paths begin with /api/v1) with its path parameters (name -> schema)."""
    doc = w.client("S").get(f"{API}/openapi.json").json()
    out = []
    for path, item in doc["paths"].items():
        for method, op in item.items():
            params = {p["name"]: p["schema"] for p in op.get("parameters", []) if p["in"] == "path"}
            if params:
                out.append((method.upper(), path, params))
    return out


@pytest.mark.parametrize("big", BIG)
def test_every_path_parameter_takes_a_large_number_without_a_server_error(world: World, big: int) -> None:
    c = world.client("S")
    seen = 0
    for method, path, params in _operations(world):
        url = path
        for name, schema in params.items():
            value = big if schema.get("type") == "integer" else str(big)
            if name == "production_id" and any(p != "production_id" for p in params):
                value = world.production_id  # the production exists: the other parameter is the one tried
            url = url.replace("{" + name + "}", str(value))
        r = c.request(method, url, json={} if method in ("POST", "PATCH", "PUT") else None)
        assert r.status_code < 500, f"{method} {url}: {r.status_code} {r.text[:200]}"
        assert r.status_code in (400, 401, 403, 404, 405, 409, 422, 428), f"{method} {url}: {r.status_code}"
        seen += 1
    assert seen > 50


@pytest.mark.parametrize("big", BIG)
def test_cursors_take_a_large_number_without_a_server_error(world: World, big: int) -> None:
    c = world.client("S")
    for params in ({"after": big}, {"production": big}):
        r = c.get(f"{API}/events/recent", params=params)
        assert r.status_code == 422 and r.json()["field"] == next(iter(params)), r.text
    r = c.get(f"{API}/events", params={"limit": 1, "timeout": 0.2}, headers={"Last-Event-ID": str(big)})
    assert r.status_code == 200, r.text
    r = c.get(world.url("/productions/{pid}/tasks"), params={"offset": big})
    assert r.status_code == 422 and r.json()["field"] == "offset"


def test_nul_bytes_anywhere_are_a_422_naming_the_field(world: World) -> None:
    anonymous = world.client("N")
    r = anonymous.post(f"{API}/auth/login", json={"username": "supervisor\x00", "password": "x"})
    assert r.status_code == 422 and r.json()["field"] == "username", r.text
    r = anonymous.post(f"{API}/auth/login", json={"username": "supervisor", "password": "pw\x00"})
    assert r.status_code == 422 and r.json()["field"] == "password", r.text
    c = world.client("S")
    r = c.get(world.url("/productions/{pid}/tasks/PIC%00CUT"))
    assert r.status_code == 422 and r.json()["field"] == "task_ref", r.text
    r = c.get(world.url("/productions/{pid}/tasks"), params={"department": "vfx\x00"})
    assert r.status_code == 422 and r.json()["field"] == "department", r.text
    r = c.post(world.url("/productions/{pid}/tasks/PIC-EDITORS-CUT/notes"), json={"body": "a\x00"})
    assert r.status_code == 422 and r.json()["field"] == "body", r.text
    r = c.post(world.url("/productions/{pid}/registers/vfx"), json={"values": {"shot_id": "A\x00", "description": "x"}})
    assert r.status_code == 422 and r.json()["field"] == "values", r.text
    r = c.post(world.url("/productions/{pid}/registers/vfx"), json={"values": {"shot\x00id": "A"}})
    assert r.status_code == 422 and r.json()["field"] == "values", r.text
    r = c.post(f"{API}/productions/import", json={"format": "postprod\x00"})
    assert 400 <= r.status_code < 500, r.text


def test_nul_in_the_sign_in_form_is_refused(world: World) -> None:
    from fastapi.testclient import TestClient

    from postprod.app import create_app

    with TestClient(create_app(engine=world.engine), base_url="http://testserver") as c:
        page = c.get("/login")
        token = re.search(r'name="login_csrf" value="([^"]+)"', page.text)
        assert token is not None
        data = {"username": "supervisor\x00", "password": "x", "login_csrf": token.group(1)}
        r = c.post("/login", data=data, headers={"Accept": "application/json"})
        assert r.status_code == 422 and r.json()["field"] == "username", r.text


def test_a_server_error_keeps_the_connection_usable(tmp_path: Path) -> None:
    import uvicorn

    from postprod import db
    from postprod.app import create_app

    engine = db.make_engine(f"sqlite:///{tmp_path / 'ka.db'}")
    db.migrate(engine)
    app = create_app(engine=engine, web=False)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("a bug")

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="critical"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/boom")
        r = conn.getresponse()
        assert r.status == 500
        assert b"internal error (RuntimeError)" in r.read()
        conn.request("GET", f"{API}/health")  # the same connection
        r = conn.getresponse()
        assert r.status == 200, r.read()
        conn.close()
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
        engine.dispose()
