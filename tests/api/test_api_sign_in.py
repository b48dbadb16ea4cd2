"""Signing in under attack: repeated failures throttled, password hashing bounded, bodies capped,
changing a password needs the current one and signs out everywhere else; on both backends."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

import argon2
import pytest
from api_world import World
from fastapi.testclient import TestClient

LOGIN = "/auth/login"


def _login(c: TestClient, w: World, username: str, password: str) -> Any:
    return c.post(w.url(LOGIN), json={"username": username, "password": password})


def test_fifty_wrong_passwords_are_throttled_with_growing_waits(world: World) -> None:
    c = TestClient(world.app)
    codes = []
    waits = []
    for _ in range(50):
        r = _login(c, world, "director", "not-the-password")
        codes.append(r.status_code)
        if r.status_code == 429:
            waits.append(int(r.headers["Retry-After"]))
            assert r.json()["error"].startswith("too many failed sign-ins")
    assert codes[:5] == [401] * 5
    assert codes.count(429) >= 40, codes
    assert set(codes) <= {401, 429}
    # While the account waits, even the right password is refused (the throttle comes before the check).
    r = _login(c, world, "director", "director")
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    # Another account from the same address still signs in: five failures do not lock the address.
    assert _login(c, world, "supervisor", "supervisor").status_code == 200


def test_refused_sign_ins_are_held_back_and_nothing_else_is(world: World) -> None:
    """A throttled sign-in is answered after the hold (an asyncio sleep); other answers are not held."""
    from postprod.api.middleware import HoldRefusedSignIns

    # A hold long enough that a held answer cannot be mistaken for a slow one on a loaded machine.
    c = TestClient(HoldRefusedSignIns(world.app, hold=2.0))

    def timed(method: str, path: str, **kw: Any) -> tuple[int, float]:
        began = time.perf_counter()
        r = c.request(method, path, **kw)
        return r.status_code, time.perf_counter() - began

    quick = [timed("POST", world.url(LOGIN), json={"username": "director", "password": "no"}) for _ in range(5)]
    assert [code for code, _ in quick] == [401] * 5 and max(t for _, t in quick) < 1.5, quick
    code, took = timed("POST", world.url(LOGIN), json={"username": "director", "password": "no"})
    assert code == 429 and took >= 2.0, (code, took)
    code, took = timed("GET", "/api/v1/health")
    assert code == 200 and took < 1.5, (code, took)


def test_waits_double_up_to_a_cap_and_a_success_clears_the_account(world: World) -> None:
    from postprod.db import session_scope
    from postprod.model.base import utcnow
    from postprod.services import sign_in
    from postprod.services.sign_in import TooManyAttempts

    assert [sign_in.wait_after(n, 5).total_seconds() for n in range(1, 10)] == [0, 0, 0, 0, 1, 2, 4, 8, 16]
    assert sign_in.wait_after(100, 5) == sign_in.LONGEST_WAIT == timedelta(minutes=15)
    t0 = utcnow()
    with session_scope(world.engine) as s:
        for _ in range(8):
            sign_in.note_failure(s, "picturelead", "10.1.2.3", now=t0)
    with session_scope(world.engine) as s:
        with pytest.raises(TooManyAttempts) as exc:
            sign_in.check_throttle(s, "picturelead", "10.9.9.9", now=t0 + timedelta(seconds=1))
        assert exc.value.retry_after == 7  # eight failures: 8 s after the last, 1 s of it gone
        # The right password during the wait is refused too; after it, it signs in and clears the count.
        with pytest.raises(TooManyAttempts):
            sign_in.sign_in(s, "picturelead", "picturelead", now=t0 + timedelta(seconds=7))
        assert sign_in.sign_in(s, "picturelead", "picturelead", now=t0 + timedelta(seconds=9)).username == "picturelead"
        sign_in.check_throttle(s, "picturelead", None, now=t0 + timedelta(seconds=9))
        # IPv6 addresses count by their /64 network; counts idle for an hour are forgotten.
        assert (
            sign_in.address_key("2001:db8::1")
            == sign_in.address_key("2001:db8::ffff")
            != sign_in.address_key("2001:db8:0:1::1")
        )
        sign_in.note_failure(s, "nobody", "10.1.2.3", now=t0 + timedelta(hours=2))
        from postprod.model import SignInFailure

        assert s.get(SignInFailure, "user:picturelead") is None
        assert s.get(SignInFailure, "addr:10.1.2.3").failures == 1  # type: ignore[union-attr]


def test_one_address_guessing_many_accounts_is_throttled(world: World) -> None:
    c = TestClient(world.app)
    codes = [_login(c, world, f"guess{n}", "password1").status_code for n in range(25)]
    assert codes[:20] == [401] * 20 and codes[20] == 429, codes
    # The address waits, whatever account it tries next.
    assert _login(c, world, "supervisor", "supervisor").status_code == 429


def test_parallel_sign_ins_hash_a_few_at_a_time(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """Twenty sign-ins at once: at most the gate's limit of hashes run together, the rest wait or get 503."""
    from postprod.services import passwords

    monkeypatch.setattr(passwords, "GATE", passwords.HashGate(2, max_waiting=6, wait_seconds=3.0))
    lock = threading.Lock()
    running = {"now": 0, "peak": 0}
    real_verify = argon2.PasswordHasher.verify

    def slow_verify(self: argon2.PasswordHasher, hash: str, password: str) -> bool:  # noqa: A002
        with lock:
            running["now"] += 1
            running["peak"] = max(running["peak"], running["now"])
        try:
            time.sleep(0.15)  # a real argon2id check takes about this long and 64 MiB
            return bool(real_verify(self, hash, password))
        finally:
            with lock:
                running["now"] -= 1

    monkeypatch.setattr(argon2.PasswordHasher, "verify", slow_verify)
    codes: list[int] = []

    def one() -> None:
        codes.append(_login(TestClient(world.app), world, "supervisor", "supervisor").status_code)

    threads = [threading.Thread(target=one) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(codes) == 20 and set(codes) <= {200, 503}, codes
    assert running["peak"] == 2, running  # they did run side by side, never more than two
    assert codes.count(200) >= 2, codes
    # Past the few allowed to wait, a sign-in is refused at once, and told when to come back.
    monkeypatch.setattr(passwords, "GATE", passwords.HashGate(1, max_waiting=0))
    busy = _login(TestClient(world.app), world, "supervisor", "supervisor")
    assert busy.status_code == 503 and busy.headers["Retry-After"] == "1"


def test_request_bodies_are_capped_before_they_are_read(world: World) -> None:
    c = TestClient(world.app)
    start = time.monotonic()
    big = c.post(
        world.url(LOGIN), content=b"{" + b" " * (100 * 1024 * 1024), headers={"content-type": "application/json"}
    )
    assert big.status_code == 413 and "too large" in big.json()["error"]
    assert time.monotonic() - start < 5
    # Any other route: 1 MiB; the cut import takes large EDLs (past the cap: refused for want of sign-in only).
    two_mib = b'{"text": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    assert c.post(world.url("/productions"), content=two_mib).status_code == 413
    r = c.post(world.url("/productions/{pid}/cuts/R1/import-jobs"), content=two_mib)
    assert r.status_code == 401


def _me(c: TestClient, w: World, **headers: str) -> int:
    return int(c.get(w.url("/auth/me"), headers=headers).status_code)


def test_changing_the_password_needs_the_current_one_and_signs_out_everywhere_else(world: World) -> None:
    here, elsewhere = TestClient(world.app), TestClient(world.app)
    csrf = _login(here, world, "editor", "editor-demo").json()["csrf_token"]
    assert _login(elsewhere, world, "editor", "editor-demo").status_code == 200
    token = world.tokens["T"]
    bearer = {"Authorization": f"Bearer {token}"}
    patch = here.patch
    h = {"X-CSRF-Token": csrf}
    r = patch(world.url("/auth/me"), json={"password": "new-password-1"}, headers=h)
    assert r.status_code == 422 and r.json()["field"] == "current_password"
    r = patch(world.url("/auth/me"), json={"password": "new-password-1", "current_password": "wrong!"}, headers=h)
    assert r.status_code == 422 and r.json()["field"] == "current_password"
    assert _login(TestClient(world.app), world, "editor", "editor-demo").status_code == 200  # unchanged so far
    assert _me(elsewhere, world) == 200 and _me(TestClient(world.app), world, **bearer) == 200
    r = patch(world.url("/auth/me"), json={"password": "new-password-1", "current_password": "editor-demo"}, headers=h)
    assert r.status_code == 200
    assert _me(here, world) == 200  # this session stays signed in
    assert _me(elsewhere, world) == 401  # the others end
    assert _me(TestClient(world.app), world, **bearer) == 401  # and so do the API tokens
    assert _login(TestClient(world.app), world, "editor", "editor-demo").status_code == 401
    assert _login(TestClient(world.app), world, "editor", "new-password-1").status_code == 200


def test_a_password_changed_with_a_token_keeps_that_token_only(world: World) -> None:
    browser = TestClient(world.app)
    assert _login(browser, world, "director", "director").status_code == 200
    script = world.client("D")
    other = script.post(world.url("/auth/tokens"), json={"name": "other"}).json()["token"]
    r = script.patch(world.url("/auth/me"), json={"password": "new-password-2", "current_password": "director"})
    assert r.status_code == 200
    assert script.get(world.url("/auth/me")).status_code == 200
    assert _me(TestClient(world.app), world, Authorization=f"Bearer {other}") == 401
    assert _me(browser, world) == 401


def test_cli_password_reset_ends_the_users_sessions_and_tokens(cli_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from postprod.app import create_app
    from postprod.cli.main import app as cli

    monkeypatch.setenv("POSTPROD_PASSWORD_HASH", "fast")
    runner = CliRunner()
    assert runner.invoke(cli, ["user", "add", "ana", "--password", "first-pass"]).exit_code == 0
    token = runner.invoke(cli, ["user", "token", "ana"]).stdout.strip()
    app = create_app(cli_db, web=False)
    try:
        browser = TestClient(app)
        assert browser.post("/api/v1/auth/login", json={"username": "ana", "password": "first-pass"}).status_code == 200
        bearer = {"Authorization": f"Bearer {token}"}
        assert TestClient(app).get("/api/v1/auth/me", headers=bearer).status_code == 200
        result = runner.invoke(cli, ["user", "password", "ana", "--password", "second-pass"])
        assert result.exit_code == 0 and "signed out" in result.stdout
        assert TestClient(app).get("/api/v1/auth/me", headers=bearer).status_code == 401
        assert browser.get("/api/v1/auth/me").status_code == 401
        again = TestClient(app).post("/api/v1/auth/login", json={"username": "ana", "password": "second-pass"})
        assert again.status_code == 200
        short = runner.invoke(cli, ["user", "password", "ana", "--password", "short"])
        assert short.exit_code == 2 and "password too short" in short.output
    finally:
        app.state.jobs.shutdown()
        app.state.engine.dispose()
