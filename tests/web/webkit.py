"""Shared helpers of the web tests: a demo production with one user per role, and signing in."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from postprod import db
from postprod.app import create_app
from postprod.services import registers, users
from postprod.services.demo import create_demo

# username -> password of the demo accounts (services/users.DEMO_USERS) and one with no role anywhere.
PASSWORDS = {u: p for u, p, *_ in users.DEMO_USERS} | {"outsider": "outsider-pw"}


def cheap_passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 with its lightest settings: the tests sign in often and check access, not hashing."""
    monkeypatch.setenv("POSTPROD_PASSWORD_HASH", "fast")


def seed(engine: Engine) -> int:
    """The demo production, its users, a VFX shot and an ADR cue; returns the production ID."""
    with db.session_scope(engine, actor="seed") as s:
        prod, _ = create_demo(s, plan=False)
        users.create_demo_users(s, prod)
        users.create_user(s, username="outsider", password=PASSWORDS["outsider"])
        registers.add_entry(s, prod, registers.get_kind("vfx"), {"shot_id": "053_CSC_0750", "description": "Sky"})
        registers.add_entry(s, prod, registers.get_kind("adr"), {"number": "101", "character": "Anna", "line": "Non."})
        return prod.id


@contextmanager
def client(engine: Engine) -> Iterator[TestClient]:
    app = create_app(engine=engine)
    with TestClient(app, base_url="http://testserver") as c:
        yield c


def login(c: TestClient, username: str) -> str:
    """Sign in through the form; returns the session's CSRF token."""
    c.cookies.clear()
    page = c.get("/login")
    token = re.search(r'name="login_csrf" value="([^"]+)"', page.text)
    assert token is not None
    r = c.post(
        "/login",
        data={"username": username, "password": PASSWORDS[username], "login_csrf": token.group(1), "next": "/"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return c.cookies["postprod_csrf"]
