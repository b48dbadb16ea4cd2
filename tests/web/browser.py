"""Headless Chromium for the end-to-end tests: the app on Uvicorn in a thread, pages, sign-in, axe-core.

Needs Playwright for Python and Debian's chromium at /usr/bin/chromium (never a downloaded browser);
a module that imports this one is skipped without them, unless CI requires them
(POSTPROD_REQUIRE_CHROMIUM=1). Use the `server` fixture (re-export it in the test module) and
`open_page`; `sign_in` signs in through the form; `accessibility_violations` runs axe-core.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from tests.web.webkit import PASSWORDS, cheap_passwords, seed

from postprod import db
from postprod.app import create_app
from postprod.services import planning as planning_ops
from postprod.services.common import get_production

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# CI installs both and sets POSTPROD_REQUIRE_CHROMIUM=1: there a missing browser fails instead of skipping.
_REQUIRED = os.environ.get("POSTPROD_REQUIRE_CHROMIUM") == "1"
if _REQUIRED:
    from playwright import sync_api

    assert CHROMIUM.exists(), "Debian's chromium is not installed at /usr/bin/chromium (apt-get install chromium)"
else:
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="Playwright for Python is not installed (pip install playwright)"
    )
    if not CHROMIUM.exists():
        pytest.skip(
            "Debian's chromium is not installed at /usr/bin/chromium (apt-get install chromium)",
            allow_module_level=True,
        )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, int]]:
    """The app on Uvicorn in a thread, on a free port, over a fresh SQLite file with the demo planned."""
    import uvicorn

    cheap_passwords(monkeypatch)
    engine = db.make_engine(f"sqlite:///{tmp_path / 'e2e.db'}")
    db.migrate(engine)
    pid = seed(engine)
    with db.session_scope(engine, actor="planner") as s:
        planning_ops.plan_production(s, get_production(s, pid), time_limit=0.5)
    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(engine=engine), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}", pid
    srv.should_exit = True
    thread.join(10)
    engine.dispose()


@contextmanager
def open_page(pw: Any, profile: Path, width: int, height: int) -> Iterator[Any]:
    """A page in Debian's Chromium with a profile of its own, closed with its browser."""
    ctx = pw.chromium.launch_persistent_context(
        str(profile), executable_path=str(CHROMIUM), args=ARGS, headless=True,
        viewport={"width": width, "height": height},
    )  # fmt: skip
    try:
        page = ctx.new_page()
        page.set_default_timeout(15_000)
        yield page
    finally:
        ctx.close()


def sign_in(page: Any, base: str, username: str) -> None:
    """Sign in through the form as one of the demo accounts (tests/web/webkit.PASSWORDS)."""
    page.goto(base + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORDS[username])
    page.click("button.primary")
    page.wait_for_url(lambda url: "/login" not in url)


def accessibility_violations(page: Any, impacts: tuple[str, ...] = ("serious", "critical")) -> list[str]:
    """axe-core's violations of these impacts on the page as it stands: "rule: target" lines."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']}: {', '.join(str(n['target']) for n in v['nodes'][:3])}"
        for v in results.response["violations"]
        if v.get("impact") in impacts
    ]
