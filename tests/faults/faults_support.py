"""Pieces of the fault tests: databases of their own, `postprod` processes on loopback, a long QC file."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
import wave
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import numpy as np
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from postprod import db

PG_SERVER = os.environ.get("POSTPROD_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def pg_or_skip() -> None:
    try:
        engine = db.make_engine(PG_SERVER)
        with engine.connect():
            pass
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure means no server here
        reason = f"PostgreSQL not reachable at {PG_SERVER}: {type(exc).__name__}"
        if os.environ.get("POSTPROD_REQUIRE_POSTGRES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)


def pg_url_of(name: str) -> str:
    return make_url(PG_SERVER).set(database=name).render_as_string(hide_password=False)


def create_pg_database(name: str) -> None:
    admin = db.make_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def drop_pg_database(name: str) -> None:
    admin = db.make_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@contextmanager
def fresh_database(backend: str, tmp_path: Path, *, create: bool = True) -> Iterator[str]:
    """The URL of a database of this test's own (a new SQLite file, or a new PostgreSQL database), dropped after."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / f'fault-{uuid.uuid4().hex[:8]}.db'}"
        return
    pg_or_skip()
    name = f"pp_fault_{uuid.uuid4().hex[:10]}"
    if create:
        create_pg_database(name)
    try:
        yield pg_url_of(name)
    finally:
        drop_pg_database(name)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def postprod(args: list[str], env: dict[str, str], **kwargs: object) -> subprocess.Popen[str]:
    """`postprod ARGS` as its own process (and process group, so that SIGKILL takes all of it)."""
    return subprocess.Popen(  # type: ignore[call-overload,no-any-return]
        [sys.executable, "-m", "postprod.cli.main", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        **kwargs,
    )


def kill(proc: subprocess.Popen[str]) -> str:
    """SIGKILL the process and its children; what it printed."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    out = proc.communicate(timeout=30)[0]
    return out or ""


def wait_healthy(port: int, proc: subprocess.Popen[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server ended early: {proc.communicate()[0]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"server on {port} not healthy after {timeout} s")


def long_tone(path: Path, seconds: int) -> Path:
    """A 5.1 24-bit line-up tone at -23 dBFS that passes dcp-audio; QC takes a few seconds per minute of it."""
    n = np.arange(48000 * seconds)
    x = np.round(10 ** (-23 / 20) * (2**23 - 1) * np.sin(2 * np.pi * 1000 * n / 48000)).astype("<i4")
    frames = np.repeat(x[:, None], 6, axis=1).reshape(-1)
    with wave.open(str(path), "wb") as fh:
        fh.setnchannels(6)
        fh.setsampwidth(3)
        fh.setframerate(48000)
        fh.writeframes(frames.view(np.uint8).reshape(-1, 4)[:, :3].tobytes())
    return path


class Output:
    """What a process prints, read line by line in a thread, so that a test can wait for a line."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        import threading

        self.lines: list[str] = []
        self._proc = proc
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            self.lines.append(line)

    def wait_for(self, words: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = next((ln for ln in self.lines if words in ln), None)
            if found is not None:
                return found
            if self._proc.poll() is not None and not self._thread.is_alive():
                break
            time.sleep(0.1)
        raise AssertionError(f"{words!r} not printed: {''.join(self.lines)}")

    def text(self) -> str:
        self._thread.join(timeout=10)
        return "".join(self.lines)


def stop(proc: subprocess.Popen[str], out: Output) -> str:
    """SIGKILL the process group; everything it printed."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=30)
    return out.text()
