"""A property-based run (schemathesis) over the whole OpenAPI document, on SQLite and on PostgreSQL.

No generated request to any operation may get a 5xx. Besides schemathesis's own data (valid and
invalid, NUL characters in strings included), one example in three has one parameter or body
field made hostile: an integer beyond the databases' integers (2^31 for PostgreSQL, 2^63 for
SQLite), a numeric reference as large, or a string with a NUL character.
"""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is not installed")
from hypothesis import HealthCheck, settings  # noqa: E402
from tests.conftest import _empty_tables, _pg_engine  # noqa: E402

from postprod import db  # noqa: E402
from postprod.app import create_app  # noqa: E402
from postprod.db import session_scope  # noqa: E402
from postprod.services.demo import create_demo  # noqa: E402
from postprod.services.users import create_demo_users, create_token, get_user  # noqa: E402

BIG = (2**31, 2**63)
_state: dict[str, Any] = {}
_examples = itertools.count()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def fuzz_app(
    request: pytest.FixtureRequest, sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    """The app over the demo production (no webhook deliveries: nothing leaves the machine)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("POSTPROD_PASSWORD_HASH", "fast")
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("fuzz") / "fuzz.db"
        shutil.copy(sqlite_template, path)
        engine = db.make_engine(f"sqlite:///{path}")
    else:
        engine = _pg_engine()
        _empty_tables(engine)
    with session_scope(engine, actor="fuzz") as s:
        prod, _ = create_demo(s)
        create_demo_users(s, prod)
        _state["token"] = create_token(s, get_user(s, "supervisor"), "fuzz")[1]
    app = create_app(engine=engine, web=False, webhooks=False)
    yield app
    app.state.jobs.shutdown()
    if request.param == "postgresql":
        _empty_tables(engine)
    else:
        engine.dispose()
    mp.undo()


def _slots(value: Any, holder: Any = None, key: Any = None) -> Iterator[tuple[Any, Any]]:
    """Every place of a scalar in a parameter dict or JSON body, as (holder, key)."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _slots(v, value, k)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _slots(v, value, i)
    elif holder is not None and not isinstance(value, bool) and isinstance(value, (int, str)):
        yield holder, key


def map_case(_context: Any, case: Any) -> Any:
    """Make one field of one example in three hostile: a huge integer (or numeric reference), or a NUL character."""
    n = next(_examples)
    if n % 3 == 0:
        return case
    slots = [
        *_slots(case.path_parameters or {}),
        *_slots(case.query or {}),
        *(_slots(case.body) if isinstance(case.body, (dict, list)) else ()),
    ]
    if not slots:
        return case
    holder, key = slots[(n // 3) % len(slots)]
    old = holder[key]
    big = BIG[(n // 3) % 2]
    if n % 3 == 1:
        holder[key] = big if isinstance(old, int) else str(big)
    else:
        holder[key] = f"{old}\x00"  # an integer field gets a string with NUL: a type error, still no 5xx
    return case


@pytest.fixture(scope="module")
def api_schema(fuzz_app: Any) -> Any:
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", fuzz_app)
    schema.hook(map_case)
    return schema


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_server_error(case: Any) -> None:
    if case.path == "/api/v1/events":  # the stream: one event or a fifth of a second
        case.query = {**(case.query or {}), "limit": 1, "timeout": 0.2}
    response = case.call(headers={"Authorization": f"Bearer {_state['token']}"})
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path} {case.query!r} {case.body!r}: {response.status_code} {response.text[:300]}"
    )
