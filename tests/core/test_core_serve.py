"""`postprod serve --workers N`: N server processes on one port, each answering, all stopped by one Ctrl-C."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


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
