"""The database unreachable: one line without the password and exit 2 from the CLI, 503 from the API, serve waits."""

from __future__ import annotations

import os
import time
from pathlib import Path

import httpx
import pytest
from faults_support import PG_SERVER, Output, create_pg_database, free_port, fresh_database, pg_or_skip, postprod, stop
from sqlalchemy import text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from postprod import db

PASSWORD = "s3cret-pw"

# One command of each group that reads or writes the database, and the top-level ones.
COMMANDS = [
    ["production", "list"],
    ["task", "list"],
    ["person", "list"],
    ["room", "list"],
    ["calendar", "list"],
    ["deliverable", "list"],
    ["user", "list"],
    ["webhook", "list"],
    ["history"],
    ["export"],
    ["backup", "copy.bak"],
    ["serve", "--db-wait", "0"],
]


def _unreachable(kind: str, tmp_path: Path) -> str:
    host = make_url(PG_SERVER)
    if kind == "closed port":
        return f"postgresql://postgres:{PASSWORD}@127.0.0.1:{free_port()}/test"
    if kind == "missing database":
        return f"postgresql://postgres:{PASSWORD}@{host.host}:{host.port}/pp_no_such_database"
    if kind == "refused sign-in":
        return f"postgresql://pp_no_such_role:{PASSWORD}@{host.host}:{host.port}/test"
    return f"sqlite:///{tmp_path / 'no such directory' / 'postprod.db'}"


@pytest.mark.parametrize("kind", ["closed port", "missing database", "refused sign-in", "sqlite file"])
def test_cli_says_in_one_line_that_the_database_is_unreachable(kind: str, tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    from postprod.cli.main import app

    if kind in ("missing database", "refused sign-in"):
        pg_or_skip()
    url = _unreachable(kind, tmp_path)
    monkeypatch.setenv("POSTPROD_DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)
    db.reset_engines()
    shown = db.safe_url(url.replace("postgresql://", "postgresql+psycopg://", 1))
    for args in COMMANDS:
        res = CliRunner().invoke(app, args)
        lines = [ln for ln in res.output.splitlines() if ln.strip()]
        assert res.exit_code == 2, (args, res.output, res.exception)
        assert len(lines) == 1 and lines[0].startswith("error: database unreachable at "), (args, res.output)
        assert shown in lines[0] and PASSWORD not in res.output, (args, res.output)
    db.reset_engines()


def test_the_postprod_command_itself_exits_2_without_a_traceback(tmp_path: Path) -> None:
    env = dict(os.environ, POSTPROD_DATABASE_URL=f"postgresql://postgres:{PASSWORD}@127.0.0.1:{free_port()}/x")
    proc = postprod(["task", "list"], env, cwd=tmp_path)
    out = proc.communicate(timeout=60)[0]
    assert proc.returncode == 2 and out.count("\n") == 1, out
    assert "database unreachable at postgresql+psycopg://postgres:***@127.0.0.1" in out and PASSWORD not in out


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_serve_waits_for_the_database_then_serves(backend: str, tmp_path: Path) -> None:
    """Started before its database exists, the server says so, tries again, and serves once it is there."""
    with fresh_database(backend, tmp_path, create=False) as url:
        if backend == "sqlite":
            target = tmp_path / "later" / "postprod.db"
            url = f"sqlite:///{target}"
        else:
            url = url.replace("postgres@", f"postgres:{PASSWORD}@", 1)  # trust sign-in: shown hidden all the same
        port = free_port()
        proc = postprod(["serve", "--port", str(port)], dict(os.environ, POSTPROD_DATABASE_URL=url), cwd=tmp_path)
        out = Output(proc)
        try:
            said = out.wait_for("trying again", 90)
            assert said.startswith("database unreachable at") and PASSWORD not in said, said
            out.wait_for("trying again in 1 s", 30)  # it tries again, and goes on waiting
            assert proc.poll() is None, out.text()
            with pytest.raises(httpx.ConnectError):
                httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2)
            if backend == "sqlite":
                target.parent.mkdir()
            else:
                create_pg_database(make_url(url).database or "")
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline and proc.poll() is None, "server did not come up"
                time.sleep(0.3)
            login = httpx.post(f"http://127.0.0.1:{port}/api/v1/auth/login", json={"username": "x", "password": "y"})
            assert login.status_code == 401, login.text  # the schema was made: a real answer
        finally:
            printed = stop(proc, out)
    assert PASSWORD not in printed, printed


def test_the_api_answers_503_while_the_database_is_away_and_recovers(tmp_path: Path) -> None:
    """Connections cut and refused (as in a PostgreSQL restart): 503 with Retry-After, never 500; then back by itself."""
    from fastapi.testclient import TestClient

    from postprod.app import create_app

    with fresh_database("postgresql", tmp_path) as url:
        name = make_url(url).database
        app = create_app(url, web=True, webhooks=False)
        admin = db.make_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
        creds = {"username": "nobody", "password": "wrong"}
        try:
            with TestClient(app) as c:
                assert c.post("/api/v1/auth/login", json=creds).status_code == 401
                with admin.connect() as conn:
                    conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
                    conn.execute(
                        text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :d"), {"d": name}
                    )
                for _ in range(3):
                    away = c.post("/api/v1/auth/login", json=creds)
                    assert away.status_code == 503, away.text
                    assert away.headers["Retry-After"] and "try again" in away.json()["error"]
                page = c.get("/login", headers={"accept": "text/html"})
                assert page.status_code in (200, 503), page.text  # a page needing the database: 503, not 500
                with admin.connect() as conn:
                    conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
                assert c.post("/api/v1/auth/login", json=creds).status_code == 401  # recovered, no restart
        finally:
            app.state.engine.dispose()
            admin.dispose()
