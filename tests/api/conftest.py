"""API fixtures: the app on the test database, the demo production and one signed-in client per role.

On SQLite the populated database is built once per run and copied for each test; on PostgreSQL
it is built in the worker's schema for each test and the tables are emptied afterwards.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from api_world import USERS, World, empty_tables
from sqlalchemy import Engine

from postprod import db
from postprod.app import create_app
from postprod.db import session_scope
from postprod.services import review
from postprod.services.demo import create_demo
from postprod.services.users import create_demo_users, create_token, create_user, get_user

Populated = tuple[int, dict[str, str]]


def populate(engine: Engine) -> Populated:
    """The demo production, one user per role (and an administrator) with a token each; the editor's cut shared."""
    with session_scope(engine, actor="fixture") as s:
        prod, _ = create_demo(s)
        create_demo_users(s, prod)
        create_user(s, username="admin", password="admin-pass", is_admin=True)
        tokens = {role: create_token(s, get_user(s, name), "tests")[1] for role, name in USERS.items()}
        review.share(s, prod, "task", "PIC-EDITORS-CUT")
        return prod.id, tokens


@pytest.fixture(scope="session")
def sqlite_world(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Populated]:
    path = tmp_path_factory.mktemp("apiworld") / "world.db"
    shutil.copy(sqlite_template, path)
    engine = db.make_engine(f"sqlite:///{path}")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("POSTPROD_PASSWORD_HASH", "fast")
        data = populate(engine)
    engine.dispose()
    return path, data


@pytest.fixture
def world(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[World]:
    monkeypatch.setenv("POSTPROD_PASSWORD_HASH", "fast")
    (tmp_path / "media").mkdir()
    monkeypatch.setenv("POSTPROD_MEDIA_ROOTS", str(tmp_path / "media"))  # where the server may read deliveries
    if backend == "sqlite":
        template, (pid, tokens) = request.getfixturevalue("sqlite_world")
        path = tmp_path / "world.db"
        shutil.copy(template, path)
        engine = db.make_engine(f"sqlite:///{path}")
    else:
        engine = request.getfixturevalue("engine")
        empty_tables(engine)
        pid, tokens = populate(engine)
    app = create_app(engine=engine, web=False)
    w = World(app=app, engine=engine, production_id=pid, tokens=tokens)
    yield w
    for c in w.clients.values():
        c.close()
    app.state.jobs.shutdown()
    if backend == "postgresql":
        empty_tables(engine)
    else:
        engine.dispose()
