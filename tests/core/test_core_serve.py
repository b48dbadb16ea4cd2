"""`postprod serve --workers N`: N server processes on one port, each answering, all stopped by one Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from postprod import db
from postprod.services.demo import create_demo
from postprod.services.users import create_demo_users, create_token, get_user


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def workers_of(pid: int) -> list[int]:
    """The server processes Uvicorn started under `pid` (spawned by multiprocessing), from /proc."""
    found = []
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        try:
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
        except FileNotFoundError:
            continue
        if b"spawn_main" in cmdline:
            found.append(int(child))
    return found


def test_serve_with_two_workers_answers_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "POSTPROD_DATABASE_URL": f"sqlite:///{tmp_path / 'served.db'}"}
    env.pop("POSTPROD_BROKER_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "postprod.cli.main", "serve", "--workers", "2", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, proc.communicate()[0]
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the server did not answer within 90 s"
            time.sleep(0.2)
        with httpx.Client(base_url=base, timeout=10) as c:
            for _ in range(2):
                health = c.get("/api/v1/health")
                assert health.status_code == 200 and health.json()["database"] == "sqlite"
                login = c.get("/login")
                assert login.status_code == 200 and 'name="login_csrf"' in login.text
            assert c.get("/api/v1/productions").status_code == 401  # the API is there, behind its sign-in
        deadline = time.monotonic() + 30
        while len(workers := workers_of(proc.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(workers) == 2, workers
        proc.send_signal(signal.SIGINT)  # Ctrl-C
        out = proc.communicate(timeout=30)[0]
        assert proc.returncode == 0, out
        assert "2 processes" in out and "Traceback" not in out, out
        for pid in workers:  # no server process is left behind
            assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split()[2]
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate(timeout=30)


# Creates the app on a seeded database, serves the common reads of the API and the pages through a
# TestClient, then writes what was imported and what the collector holds (a process of its own, so that
# the engines other tests load are not counted).
SERVER_PROBE = """
import gc, json, re, sys
from fastapi.testclient import TestClient
from postprod.app import create_app

url, pid, token, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
app = create_app(url)
answers = {}
with TestClient(app) as c:
    api = {"Authorization": f"Bearer {token}"}
    tasks = c.get(f"/api/v1/productions/{pid}/tasks", params={"limit": 100}, headers=api)
    key = tasks.json()["items"][0]["key"]
    answers["api tasks"] = tasks.status_code
    for name, path in [("api task", f"tasks/{key}"), ("api notes", "notes"), ("api people", "people")]:
        answers[name] = c.get(f"/api/v1/productions/{pid}/{path}", headers=api).status_code
    csrf = re.search(r'name="login_csrf" value="([^"]+)"', c.get("/login").text).group(1)
    form = {"username": "supervisor", "password": "supervisor", "login_csrf": csrf, "next": "/"}
    answers["sign-in"] = c.post("/login", data=form, follow_redirects=False).status_code
    for page in ("", "/board", f"/tasks/{key}", "/gantt", "/planning", "/registers/vfx", "/people", "/deliverables"):
        answers[page or "dashboard"] = c.get(f"/p/{pid}{page}").status_code
    frozen = gc.get_freeze_count()
with open(out, "w") as fh:
    json.dump({"modules": sorted(sys.modules), "answers": answers, "frozen": frozen}, fh)
"""

ENGINES_NO_PAGE_NEEDS = ("ortools", "scipy", "matplotlib", "pandas")


def test_the_server_loads_no_engine_its_pages_do_not_use(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Planning (OR-Tools), QC (SciPy) and plotting (Matplotlib) load in the jobs that use them, not in
    the server process; the objects made at its start-up are kept out of the collector's work."""
    monkeypatch.setenv("POSTPROD_PASSWORD_HASH", "fast")
    url = f"sqlite:///{tmp_path / 'pages.db'}"
    engine = db.make_engine(url)
    db.migrate(engine)
    with db.session_scope(engine, actor="test") as s:
        prod, _ = create_demo(s)  # with its plan: the Gantt and the plan de travail have bars to draw
        create_demo_users(s, prod)
        pid, token = prod.id, create_token(s, get_user(s, "supervisor"), "probe")[1]
    engine.dispose()
    out = tmp_path / "probe.json"
    done = subprocess.run(
        [sys.executable, "-c", SERVER_PROBE, url, str(pid), token, str(out)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(out.read_text())
    assert seen["answers"] == {name: (303 if name == "sign-in" else 200) for name in seen["answers"]}, seen["answers"]
    assert len(seen["answers"]) == 13
    assert "postprod.planning.gantt" in seen["modules"]  # the pages did draw a plan
    loaded = sorted(m for m in seen["modules"] if m.split(".")[0] in ENGINES_NO_PAGE_NEEDS)
    assert not loaded, loaded[:10]
    assert seen["frozen"] > 50_000
