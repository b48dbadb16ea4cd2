"""Test fixtures: every database test runs on SQLite and again on PostgreSQL when it is reachable.

SQLite tests get a fresh copy of a migrated database file; PostgreSQL tests run in a schema of
their own per test worker, inside a transaction rolled back at the end (CLI tests, which commit,
empty the tables afterwards). Set POSTPROD_REQUIRE_POSTGRES=1 to fail instead of skip when the
server cannot be reached (.ci/run does).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from postprod import db
from postprod.model import Base

# Refused sign-ins are answered at once in the tests (the hold before a 429 has a test of its own,
# tests/api/test_api_sign_in.py); servers the tests start inherit this.
os.environ.setdefault("POSTPROD_SIGN_IN_HOLD", "0")

PG_BASE = os.environ.get("POSTPROD_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("POSTPROD_SHARED_DATA", REPO.parent / "shared" / "data"))


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _schema() -> str:
    """A schema of this test run's own, so that two runs on one server never share tables."""
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID", "")[:8] or str(os.getpid())
    return f"pp_test_{run}_{_worker()}"


def _pg_url() -> str:
    schema = _schema()
    sep = "&" if "?" in PG_BASE else "?"
    # A lock waited on for a minute fails the test that waits, rather than hanging the whole run (a test
    # holding an uncommitted row that a CLI run of its own then wants, say).
    return f"{PG_BASE}{sep}options=-csearch_path%3D{schema}%20-clock_timeout%3D60s"


_pg_state: dict[str, object] = {}


def _pg_engine() -> Engine:
    """The worker's PostgreSQL engine, its schema recreated and migrated once per run."""
    if "engine" in _pg_state:
        return _pg_state["engine"]  # type: ignore[return-value]
    if "error" in _pg_state:
        _skip_or_fail(str(_pg_state["error"]))
    schema = _schema()
    try:
        admin = db.make_engine(PG_BASE)
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        admin.dispose()
    except Exception as exc:  # unreachable server
        _pg_state["error"] = f"PostgreSQL not reachable at {PG_BASE}: {exc.__class__.__name__}"
        _skip_or_fail(str(_pg_state["error"]))
    engine = db.make_engine(_pg_url())
    db.migrate(engine)
    _pg_state["engine"] = engine
    return engine


def _skip_or_fail(reason: str) -> None:
    if os.environ.get("POSTPROD_REQUIRE_POSTGRES") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session", autouse=True)
def _drop_pg_schema() -> Iterator[None]:
    """Remove this run's PostgreSQL schema at the end."""
    yield
    engine = _pg_state.get("engine")
    if engine is None:
        return
    engine.dispose()  # type: ignore[attr-defined]
    try:
        admin = db.make_engine(PG_BASE)
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {_schema()} CASCADE"))
        admin.dispose()
    except Exception:
        pass


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test."""
    path = tmp_path_factory.mktemp("dbtemplate") / "template.db"
    engine = db.make_engine(f"sqlite:///{path}")
    db.migrate(engine)
    engine.dispose()
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def engine(backend: str, sqlite_template: Path, tmp_path: Path) -> Iterator[Engine]:
    """A migrated engine of the backend under test, empty."""
    if backend == "sqlite":
        path = tmp_path / "postprod.db"
        shutil.copy(sqlite_template, path)
        eng = db.make_engine(f"sqlite:///{path}")
        yield eng
        eng.dispose()
    else:
        yield _pg_engine()


@pytest.fixture
def session(engine: Engine, backend: str) -> Iterator[Session]:
    """A session whose work is thrown away at the end of the test."""
    if backend == "sqlite":
        s = Session(bind=engine, expire_on_commit=False)
        s.info["actor"] = "tester"
        yield s
        s.close()
        return
    conn = engine.connect()
    trans = conn.begin()
    s = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
    s.info["actor"] = "tester"
    yield s
    s.close()
    trans.rollback()
    conn.close()


def _empty_tables(engine: Engine) -> None:
    with engine.begin() as conn:
        names = ", ".join(t.name for t in Base.metadata.sorted_tables)
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture
def cli_db(backend: str, sqlite_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """POSTPROD_DATABASE_URL pointed at an empty database for CLI tests (which commit)."""
    if backend == "sqlite":
        path = tmp_path / "cli.db"
        shutil.copy(sqlite_template, path)
        url = f"sqlite:///{path}"
    else:
        eng = _pg_engine()
        _empty_tables(eng)
        url = _pg_url()
    monkeypatch.setenv("POSTPROD_DATABASE_URL", url)
    monkeypatch.setenv("POSTPROD_USER", "tester")
    monkeypatch.delenv("POSTPROD_PRODUCTION", raising=False)
    db.reset_engines()
    yield url
    db.reset_engines()
    if backend == "postgresql":
        _empty_tables(_pg_engine())
