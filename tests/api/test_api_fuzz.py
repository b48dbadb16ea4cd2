"""A property-based run (schemathesis) over the OpenAPI document: no generated request to any operation gets a 5xx.

Runs on SQLite only: it checks the handlers, not the database.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is not installed")
from hypothesis import HealthCheck, settings  # noqa: E402

from postprod import db  # noqa: E402
from postprod.app import create_app  # noqa: E402
from postprod.db import session_scope  # noqa: E402
from postprod.services.demo import create_demo  # noqa: E402
from postprod.services.users import create_demo_users, create_token, get_user  # noqa: E402

_state: dict[str, Any] = {}


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    os.environ["POSTPROD_PASSWORD_HASH"] = "fast"
    path: Path = tmp_path_factory.mktemp("fuzz") / "fuzz.db"
    engine = db.make_engine(f"sqlite:///{path}")
    db.migrate(engine)
    with session_scope(engine, actor="fuzz") as s:
        prod, _ = create_demo(s)
        create_demo_users(s, prod)
        _state["token"] = create_token(s, get_user(s, "supervisor"), "fuzz")[1]
    app = create_app(engine=engine, web=False)
    yield app
    app.state.jobs.shutdown()
    engine.dispose()


@pytest.fixture(scope="module")
def api_schema(fuzz_app: Any) -> Any:
    return schemathesis.openapi.from_asgi("/api/v1/openapi.json", fuzz_app)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_server_error(case: Any) -> None:
    if case.path == "/api/v1/events":
        case.query = {**(case.query or {}), "limit": 1, "timeout": 0.2}
    response = case.call(headers={"Authorization": f"Bearer {_state['token']}"})
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path}: {response.status_code} {response.text[:300]}"
    )
