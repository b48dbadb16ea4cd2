"""A real server refuses an oversized body from its headers alone, and stops reading a chunked one at the cap."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from postprod import db
from postprod.app import create_app


@pytest.fixture
def server(tmp_path: Path) -> Iterator[int]:
    """The app on Uvicorn in a thread, on a free loopback port, over an empty SQLite file."""
    import uvicorn

    engine = db.make_engine(f"sqlite:///{tmp_path / 'limits.db'}")
    db.migrate(engine)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    config = uvicorn.Config(create_app(engine=engine, webhooks=False), host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started
    yield port
    srv.should_exit = True
    thread.join(10)
    engine.dispose()


def _status(sock: socket.socket) -> bytes:
    sock.settimeout(5)
    data = b""
    while b"\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data.split(b"\r\n", 1)[0]


def test_a_100_mb_login_body_is_refused_before_it_is_sent(server: int) -> None:
    with socket.create_connection(("127.0.0.1", server)) as sock:
        start = time.monotonic()
        sock.sendall(
            b"POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: 104857600\r\n\r\n" + b'{"username": "' + b"a" * 65536
        )
        assert _status(sock).split()[1] == b"413"
        assert time.monotonic() - start < 2


def test_a_chunked_body_is_cut_off_at_the_cap(server: int) -> None:
    with socket.create_connection(("127.0.0.1", server)) as sock:
        sock.sendall(
            b"POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )
        chunk = b"x" * 8192
        sent = 0
        try:
            for _ in range(1000):  # up to 8 MB, never all sent: the server answers at 16 KiB
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sent += len(chunk)
                sock.settimeout(0.01)
                try:
                    peek = sock.recv(4096, socket.MSG_PEEK)
                except (TimeoutError, BlockingIOError):
                    continue
                if peek:
                    break
        except (BrokenPipeError, ConnectionResetError):
            pass
        assert _status(sock).split()[1] == b"413"
        assert sent < 1024 * 1024, sent
