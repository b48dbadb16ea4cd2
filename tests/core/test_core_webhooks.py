"""Webhooks: the production's changes POSTed, signed, in order, retried, to a real local HTTP receiver."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import Engine, update

from postprod.db import session_scope
from postprod.errors import InvalidInput
from postprod.model import Person, Webhook
from postprod.services import webhooks as wh
from postprod.services.common import get_production, get_task
from postprod.services.tasks import create_task, update_task
from tests.conftest import _empty_tables
from tests.core.factories import make_production


class Receiver:
    """An HTTP server on 127.0.0.1 that records what it is sent and answers with the statuses it is given."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.statuses: list[int] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server API
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = outer.statuses.pop(0) if outer.statuses else 204
                if 200 <= status < 300:
                    outer.received.append((dict(self.headers), body))
                self.send_response(status)
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
def receiver():
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


def test_unreachable_receiver_and_money_fields(world_engine: Engine) -> None:
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
        assert hook.failures == 1 and hook.last_status is None and "Error" in hook.last_error


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
    gone = cli.invoke(app, ["webhook", "remove", "999"])
    assert gone.exit_code == 2 and "no webhook 999" in gone.output
