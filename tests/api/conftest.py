"""API fixtures: the app on the test database, the demo production and one signed-in client per role."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from api_world import USERS, World, empty_tables
from sqlalchemy import Engine

from postprod.app import create_app
from postprod.db import session_scope
from postprod.services.demo import create_demo
from postprod.services.users import create_demo_users, create_token, create_user, get_user


@pytest.fixture
def world(engine: Engine, backend: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    monkeypatch.setenv("POSTPROD_PASSWORD_HASH", "fast")
    if backend == "postgresql":
        empty_tables(engine)
    app = create_app(engine=engine, web=False)
    with session_scope(engine, actor="fixture") as s:
        prod, _ = create_demo(s)
        create_demo_users(s, prod)
        create_user(s, username="admin", password="admin-pass", is_admin=True)
        tokens = {role: create_token(s, get_user(s, name), "tests")[1] for role, name in USERS.items()}
        pid = prod.id
    w = World(app=app, engine=engine, production_id=pid, tokens=tokens)
    w.share("PIC-EDITORS-CUT")
    yield w
    for c in w.clients.values():
        c.close()
    app.state.jobs.shutdown()
    if backend == "postgresql":
        empty_tables(engine)
