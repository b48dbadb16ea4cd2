"""Webhooks: the production's changes POSTed, signed, in order, retried, to a real local HTTP receiver."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import Engine, update

from postprod.db import session_scope
from postprod.errors import Conflict, InvalidInput
from postprod.model import Person, Webhook
from postprod.services import webhooks as wh
from postprod.services.common import get_production, get_task
from postprod.services.tasks import create_task, update_task
from tests.conftest import _empty_tables
from tests.core.factories import make_production


class Receiver:
    """An HTTP server on 127.0.0.1 that records what it is sent and answers with the statuses it is given."""

    def __init__(self, *, delay: float = 0.0, location: str = "") -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.received_at: list[float] = []
        self.statuses: list[int] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server API
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.received_at.append(time.monotonic())
                time.sleep(delay)
                status = outer.statuses.pop(0) if outer.statuses else 204
                if 200 <= status < 300:
                    outer.received.append((dict(self.headers), body))
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                self.end_headers()

            def do_GET(self) -> None:  # noqa: N802 - what a client following a redirect would send
                outer.received_at.append(time.monotonic())
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self) -> list[dict[str, Any]]:
        return [e for _h, body in self.received for e in json.loads(body)["events"]]

    def close(self) -> None:
        self.server.shutdown()


@pytest.fixture
def world_engine(engine: Engine, backend: str):
    """The test database, emptied around the test: deliveries commit in their own transactions."""
    if backend == "postgresql":
        _empty_tables(engine)
    yield engine
    if backend == "postgresql":
        _empty_tables(engine)


@pytest.fixture
def allow_private(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests deliver to receivers on 127.0.0.1, as an on-premises install allowed to reach its network."""
    monkeypatch.setenv("POSTPROD_WEBHOOK_ALLOW_PRIVATE", "1")


@pytest.fixture
def receiver(allow_private: None):
    r = Receiver()
    yield r
    r.close()


def _world(engine: Engine, url: str) -> tuple[int, int, str]:
    with session_scope(engine, actor="fixture") as s:
        prod = make_production(s, title="Hooked", with_crew=False)
        create_task(s, prod, key="HOOK-1", name="Conform", department="picture-editing")
        other = make_production(s, title="Other", with_crew=False)
        hook = wh.create_webhook(s, prod, url, actor="sup")
        return prod.id, other.id, hook.secret


def _change(engine: Engine, pid: int, **kw: Any) -> None:
    with session_scope(engine, actor="élodie") as s:
        update_task(s, get_task(s, get_production(s, pid), "HOOK-1"), **kw)


def test_changes_are_delivered_signed_in_order_once(world_engine: Engine, receiver: Receiver) -> None:
    engine = world_engine
    pid, other, secret = _world(engine, receiver.url)
    d = wh.WebhookDispatcher(engine, gap_wait=0.0)
    assert d.run_once() == 0  # the production's past is not sent: the hook starts now
    _change(engine, pid, progress=40)
    _change(engine, pid, status="in_progress")
    with session_scope(engine, actor="x") as s:  # another production's change is not this hook's business
        create_task(s, get_production(s, other), key="ELSEWHERE", name="x", department="picture-editing")
    assert d.run_once() == 2
    ((headers, body),) = receiver.received
    assert wh.verify(secret, body, headers["X-Postprod-Signature"])
    assert not wh.verify("not-the-secret", body, headers["X-Postprod-Signature"])
    doc = json.loads(body)
    assert doc["production_id"] == pid and [e["label"] for e in doc["events"]] == ["HOOK-1", "HOOK-1"]
    first, second = doc["events"]
    assert first["id"] < second["id"] and first["actor"] == "élodie"
    assert first["after"]["progress"] == 40 and second["after"]["status"] == "in-progress"
    assert d.run_once() == 0 and len(receiver.received) == 1  # nothing twice
    with session_scope(engine) as s:
        hook = s.query(Webhook).one()
        assert hook.delivered == 2 and hook.failures == 0 and hook.last_status == 204


def test_failed_deliveries_are_retried_with_back_off_then_switched_off(
    world_engine: Engine, receiver: Receiver
) -> None:
    engine = world_engine
    pid, _other, _secret = _world(engine, receiver.url)
    d = wh.WebhookDispatcher(engine, gap_wait=0.0)
    _change(engine, pid, progress=10)
    receiver.statuses = [500]
    assert d.run_once() == 0
    with session_scope(engine) as s:
        hook = s.query(Webhook).one()
        assert hook.failures == 1 and hook.last_status == 500 and hook.last_error == "HTTP 500"
        assert hook.next_attempt_at is not None and hook.active
        hook_id = hook.id
    assert d.run_once() == 0 and not receiver.received  # backing off: not due yet
    with engine.begin() as conn:  # time passes
        conn.execute(update(Webhook).values(next_attempt_at=None))
    _change(engine, pid, progress=20)
    assert d.run_once() == 2  # the failed change again, with the new one, in order
    assert [e["after"]["progress"] for e in receiver.events()] == [10, 20]

    # a receiver that never answers well: switched off after DISABLE_AFTER failures in a row
    _change(engine, pid, progress=30)
    receiver.statuses = [503] * wh.DISABLE_AFTER
    for _ in range(wh.DISABLE_AFTER):
        with engine.begin() as conn:
            conn.execute(update(Webhook).values(next_attempt_at=None))
        d.run_once()
    with session_scope(engine) as s:
        hook = s.get(Webhook, hook_id)
        assert hook is not None and not hook.active and "switched off after 30 failures" in hook.last_error
        wh.resume_webhook(s, get_production(s, pid), hook_id)
    assert d.run_once() == 1 and receiver.events()[-1]["after"]["progress"] == 30


def test_unreachable_receiver_and_money_fields(world_engine: Engine, allow_private: None) -> None:
    engine = world_engine
    with session_scope(engine, actor="fixture") as s:
        prod = make_production(s, title="Money", with_crew=False)
        s.add(Person(production_id=prod.id, name="Ana", day_rate=650))
        s.flush()
        pid = prod.id
    with session_scope(engine, actor="fixture") as s:
        wh.create_webhook(s, get_production(s, pid), "http://127.0.0.1:9/nothing-listens")
        person = s.query(Person).filter_by(production_id=pid, name="Ana").one()
        person.day_rate = 700
        with pytest.raises(InvalidInput, match="invalid webhook URL"):
            wh.create_webhook(s, get_production(s, pid), "ftp://example.org/x")
    sent: list[bytes] = []
    d = wh.WebhookDispatcher(engine, gap_wait=0.0, send=lambda url, body, headers: sent.append(body) or 200)
    assert d.run_once() == 1
    event = json.loads(sent[0])["events"][0]
    assert event["entity_type"] == "Person" and "day_rate" not in (event["after"] or {})  # rates never leave
    failing = wh.WebhookDispatcher(engine, gap_wait=0.0)  # the real sender, to a closed port
    with engine.begin() as conn:
        conn.execute(update(Webhook).values(cursor=0, next_attempt_at=None))
    assert failing.run_once() == 0
    with session_scope(engine) as s:
        hook = s.query(Webhook).one()
        assert hook.failures == 1 and hook.last_status is None and hook.last_error == "connection failed"


def test_webhook_commands(cli_db: str, receiver: Receiver) -> None:
    from typer.testing import CliRunner

    from postprod.cli.main import app
    from postprod.db import get_engine

    cli = CliRunner()

    def ok(*args: str) -> str:
        res = cli.invoke(app, list(args))
        assert res.exit_code == 0, res.output
        return res.stdout

    ok("demo")
    made = json.loads(ok("webhook", "add", receiver.url, "--json"))
    assert len(made["secret"]) == 64
    ok("task", "update", "DUB-EN-MIX", "--priority", "1")
    assert wh.WebhookDispatcher(get_engine(), gap_wait=0.0).run_once() >= 1
    (headers, body), *_ = receiver.received
    assert wh.verify(made["secret"], body, headers["X-Postprod-Signature"])
    listed = json.loads(ok("webhook", "list", "--json"))
    assert listed[0]["delivered"] >= 1 and "secret" not in listed[0]
    ok("webhook", "resume", str(made["id"]))
    ok("webhook", "remove", str(made["id"]))
    assert json.loads(ok("webhook", "list", "--json")) == []
    bad = cli.invoke(app, ["webhook", "add", "not a url"])
    assert bad.exit_code == 2 and "invalid webhook URL" in bad.output
    os.environ.pop("POSTPROD_WEBHOOK_ALLOW_PRIVATE")  # (the fixture's monkeypatch restores it)
    inside = cli.invoke(app, ["webhook", "add", "http://2130706433:5432/"])
    assert inside.exit_code == 2 and inside.output.strip().count("\n") == 0, inside.output
    assert "inside the server's network" in inside.output
    gone = cli.invoke(app, ["webhook", "remove", "999"])
    assert gone.exit_code == 2 and "no webhook 999" in gone.output


# --- outbound safety: no request into the server's own network ---------------------------------

REFUSED_URLS = [
    "http://127.0.0.1:5432/",
    "http://localhost:6379/",
    "http://LOCALHOST./x",
    "http://api.localhost/x",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:7f00:1]/",
    "http://[::ffff:169.254.169.254]/",
    "http://[64:ff9b::a9fe:a9fe]/",  # NAT64 of the metadata address
    "http://[2002:7f00:1::]/",  # 6to4 of 127.0.0.1
    "http://[fe80::1]/",
    "http://[fc00::1]/",
    "http://[ff02::1]/",
    "http://[::]/",
    "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.5/",
    "http://172.16.3.4:8080/",
    "http://192.168.1.1/",
    "http://100.64.0.1/",  # shared address space
    "http://0.0.0.0:8000/",
    "http://224.0.0.1/",
    "http://240.0.0.1/",
    "http://255.255.255.255/",
    "http://2130706433/",  # 127.0.0.1 in decimal
    "http://0x7f000001/",  # in hex
    "http://0x7f.0.0.1/",
    "http://0177.0.0.1/",  # in octal
    "http://127.1/",
    "http://017700000001/",
    "http://3232235777:80/",  # 192.168.1.1 in decimal
]


@pytest.mark.parametrize("url", REFUSED_URLS)
def test_internal_webhook_targets_are_refused_in_every_spelling(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("POSTPROD_WEBHOOK_ALLOW_PRIVATE", raising=False)
    with pytest.raises(InvalidInput, match="inside the server's network") as err:
        wh.outbound.check_url(url)
    assert err.value.field == "url"
    with pytest.raises(wh.outbound.TargetRefused):  # and at delivery, whatever was stored before
        wh.outbound.checked_addresses(urlsplit(url).hostname or "", 80)


@pytest.mark.parametrize("url", ["https://tools.example/in", "http://93.184.216.34/x", "http://[2606:4700::1111]/"])
def test_public_webhook_targets_are_accepted(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("POSTPROD_WEBHOOK_ALLOW_PRIVATE", raising=False)
    assert wh.outbound.check_url(url) == url


def test_internal_targets_only_when_the_install_allows_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POSTPROD_WEBHOOK_ALLOW_PRIVATE", "1")
    assert wh.outbound.check_url("http://127.0.0.1:9000/hook") == "http://127.0.0.1:9000/hook"
    assert wh.outbound.checked_addresses("10.1.2.3", 80) == ["10.1.2.3"]
    monkeypatch.setenv("POSTPROD_WEBHOOK_ALLOW_PRIVATE", "0")
    with pytest.raises(InvalidInput):
        wh.outbound.check_url("http://127.0.0.1:9000/hook")


def _hook(engine: Engine, url: str) -> tuple[int, int]:
    with session_scope(engine, actor="fixture") as s:
        prod = make_production(s, title=f"Out {url}"[:60], with_crew=False)
        create_task(s, prod, key="HOOK-1", name="Conform", department="picture-editing")
        return prod.id, wh.create_webhook(s, prod, url, actor="sup").id


def _hook_state(engine: Engine, hook_id: int) -> Webhook:
    with session_scope(engine) as s:
        hook = s.get(Webhook, hook_id)
        assert hook is not None
        s.expunge(hook)
        return hook


def test_a_name_resolving_inside_is_refused_at_delivery(
    world_engine: Engine, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = world_engine
    port = receiver.server.server_port
    asked: list[str] = []

    def resolver(host: str, _port: int) -> list[str]:
        asked.append(host)
        return ["93.184.216.34", "127.0.0.1"] if host == "mixed.example" else ["127.0.0.1"]

    monkeypatch.setattr(wh.outbound, "resolve", resolver)
    monkeypatch.delenv("POSTPROD_WEBHOOK_ALLOW_PRIVATE")
    pid, rebound = _hook(engine, f"http://rebound.example:{port}/hook")  # a public-looking name: accepted
    with session_scope(engine, actor="fixture") as s:
        mixed = wh.create_webhook(s, get_production(s, pid), f"http://mixed.example:{port}/hook").id
    _change(engine, pid, progress=10)
    assert wh.WebhookDispatcher(engine, gap_wait=0.0).run_once() == 0
    assert receiver.received_at == []  # nothing reached the local receiver
    assert sorted(asked) == ["mixed.example", "rebound.example"]
    for hook_id in (rebound, mixed):
        assert _hook_state(engine, hook_id).last_error == "address not allowed"

    # allowed, the connection goes to the address checked, with the URL's name as Host
    monkeypatch.setenv("POSTPROD_WEBHOOK_ALLOW_PRIVATE", "1")
    with engine.begin() as conn:
        conn.execute(update(Webhook).where(Webhook.id == rebound).values(next_attempt_at=None))
    assert wh.WebhookDispatcher(engine, gap_wait=0.0).run_once() == 1
    ((headers, _body),) = receiver.received
    assert headers["Host"] == f"rebound.example:{port}"


def test_redirects_are_not_followed(world_engine: Engine, allow_private: None) -> None:
    engine = world_engine
    target = Receiver()
    redirecting = Receiver(location=target.url)
    try:
        redirecting.statuses = [302]
        pid, hook_id = _hook(engine, redirecting.url)
        _change(engine, pid, progress=10)
        assert wh.WebhookDispatcher(engine, gap_wait=0.0).run_once() == 0
        assert len(redirecting.received_at) == 1 and target.received_at == []
        hook = _hook_state(engine, hook_id)
        assert hook.last_status == 302 and hook.last_error == "HTTP 302"
    finally:
        target.close()
        redirecting.close()


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = int(s.getsockname()[1])
    s.close()
    return port


def test_the_stored_error_does_not_tell_an_open_port_from_a_closed_one(
    world_engine: Engine, allow_private: None
) -> None:
    engine = world_engine
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)

    def speak_another_protocol() -> None:  # what a database or a cache answers to an HTTP request
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            conn.sendall(b"-ERR unknown command 'POST', with args beginning with: '/hook'\r\n")
            conn.close()

    threading.Thread(target=speak_another_protocol, daemon=True).start()
    try:
        pid, open_hook = _hook(engine, f"http://127.0.0.1:{listener.getsockname()[1]}/hook")
        with session_scope(engine, actor="fixture") as s:
            closed_hook = wh.create_webhook(s, get_production(s, pid), f"http://127.0.0.1:{_closed_port()}/h").id
        _change(engine, pid, progress=10)
        assert wh.WebhookDispatcher(engine, gap_wait=0.0).run_once() == 0
        seen = {
            (h.last_status, h.last_error) for h in (_hook_state(engine, open_hook), _hook_state(engine, closed_hook))
        }
        assert seen == {(None, "connection failed")}
    finally:
        listener.close()


def test_a_slow_receiver_does_not_delay_another_hook(world_engine: Engine, allow_private: None) -> None:
    engine = world_engine
    # The slow receiver answers after 4 s; the fast one must not wait for it. The bound is half that delay, so that
    # a loaded machine (CI runs two test workers on two cores) cannot fail it, while a serial delivery still would.
    slow, fast = Receiver(delay=4.0), Receiver()
    try:
        pid, _slow_id = _hook(engine, slow.url)  # the slow hook comes first
        with session_scope(engine, actor="fixture") as s:
            wh.create_webhook(s, get_production(s, pid), fast.url)
        _change(engine, pid, progress=10)
        start = time.monotonic()
        assert wh.WebhookDispatcher(engine, gap_wait=0.0).run_once() == 2
        assert fast.received_at and fast.received_at[0] - start < 2.0
        assert slow.received_at and len(slow.received) == 1
    finally:
        slow.close()
        fast.close()


def test_a_production_has_a_bounded_number_of_hooks(world_engine: Engine) -> None:
    with session_scope(world_engine, actor="fixture") as s:
        prod = make_production(s, title="Many hooks", with_crew=False)
        for i in range(wh.MAX_HOOKS):
            wh.create_webhook(s, prod, f"https://tools.example/{i}")
        with pytest.raises(Conflict, match="webhooks already"):
            wh.create_webhook(s, prod, "https://tools.example/one-more")
        other = make_production(s, title="Another", with_crew=False)
        wh.create_webhook(s, other, "https://tools.example/fine")  # the cap is per production
