"""Webhooks: a production's changes POSTed to another tool (a chat, a tracker, a render farm), signed and retried.

Each hook reads the audit trail from its own cursor, in order (the same FeedCursor as the event
stream, so an entry whose transaction commits late on PostgreSQL is not skipped), and POSTs
batches of up to MAX_BATCH changes:

    POST <url>
    Content-Type: application/json
    X-Postprod-Delivery: <uuid>            (the same for a retried batch is not promised: use the ids)
    X-Postprod-Signature: sha256=<hex HMAC-SHA256 of the body with the hook's secret>
    {"webhook": 3, "production_id": 1, "events": [{"id": 812, "at": ..., "actor": ..., "action": "update",
     "entity_type": "task", "entity_id": 40, "label": "VFX-041", "before": {...}, "after": {...}}, ...]}

A 2xx answer moves the cursor past the batch; anything else (or no answer within TIMEOUT) keeps it
and retries the same changes later, backing off (2, 4, 8 ... s, at most an hour); after
DISABLE_AFTER failures in a row the hook is switched off, and says why. Delivery is at least once:
receivers skip events whose id they have seen. Money fields (rates, bids) are never sent.

Several server processes may run a dispatcher: a hook is claimed (a lease on next_attempt_at)
before its delivery, so one process delivers it at a time. Within a process, hooks are delivered
side by side by a small pool (POOL), so a slow receiver holds one worker, not the other hooks.

A hook's URL is checked when it is made and again at each delivery, on the address actually
connected to (postprod.outbound): no loopback, private, link-local or reserved address unless
POSTPROD_WEBHOOK_ALLOW_PRIVATE is set, no redirect followed, and a failure is stored as its class
only ("connection failed", "timeout", "HTTP 500", "address not allowed"). A production has at most
MAX_HOOKS hooks.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import logging
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta
from typing import Any, NotRequired

from sqlalchemy import Engine, func, or_, select, update
from sqlalchemy.orm import Session
from typing_extensions import TypedDict

from postprod import db, outbound
from postprod.errors import N_, Conflict, NotFound
from postprod.model import Production, Webhook
from postprod.model.base import utcnow
from postprod.services import events
from postprod.services.common import described
from postprod.services.money import hide_all

log = logging.getLogger("postprod.webhooks")

MAX_BATCH = 100
MAX_HOOKS = 20  # per production
POOL = 4  # deliveries at once: a slow receiver holds one of them, not the others
TIMEOUT = 5.0  # seconds to connect, and between bytes of the answer
BACKOFF_MAX = 3600.0
DISABLE_AFTER = 30  # failures in a row (about a day of retries at the longest back-off)
LEASE = 60.0  # seconds a dispatcher owns a hook while it delivers

Send = Callable[[str, bytes, dict[str, str]], int]


def sign(secret: str, body: bytes) -> str:
    """The X-Postprod-Signature value of a body: HMAC-SHA256 with the hook's secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, signature: str) -> bool:
    """What a receiver does: compare the signature in constant time."""
    return hmac.compare_digest(sign(secret, body), signature)


def create_webhook(session: Session, prod: Production, url: str, actor: str = "") -> Webhook:
    """A new hook on the production; it receives the changes made from now on. Its secret is returned once."""
    url = outbound.check_url(url)
    count = session.scalar(select(func.count()).select_from(Webhook).where(Webhook.production_id == prod.id)) or 0
    if count >= MAX_HOOKS:
        raise Conflict(
            N_("%(title)r has %(count)s webhooks already, the most a production may have"),
            params={"title": prod.title, "count": count},
        )
    hook = Webhook(
        production_id=prod.id,
        url=url,
        secret=secrets.token_hex(32),
        cursor=events.last_id(session),
        created_by=actor,
        last_error="",
    )
    session.add(hook)
    session.flush()
    return hook


def list_webhooks(session: Session, prod: Production) -> list[Webhook]:
    return list(session.scalars(select(Webhook).where(Webhook.production_id == prod.id).order_by(Webhook.id)))


def get_webhook(session: Session, prod: Production, hook_id: int) -> Webhook:
    hook = session.get(Webhook, hook_id)
    if hook is None or hook.production_id != prod.id:
        raise NotFound(N_("no webhook %(hook_id)s in this production"), params={"hook_id": hook_id})
    return hook


def delete_webhook(session: Session, prod: Production, hook_id: int) -> None:
    session.delete(get_webhook(session, prod, hook_id))
    session.flush()


def resume_webhook(session: Session, prod: Production, hook_id: int) -> Webhook:
    """Switch a hook back on after failures; it retries at once from where it stopped."""
    hook = get_webhook(session, prod, hook_id)
    hook.active, hook.failures, hook.next_attempt_at = True, 0, None
    session.flush()
    return hook


@described(secret="The signing secret: only when the hook is made.")
class WebhookView(TypedDict):
    id: int
    production_id: int
    url: str
    active: bool
    delivered: int
    failures: int
    last_status: int | None
    last_error: str
    last_delivery_at: str | None
    next_attempt_at: str | None
    created_by: str
    created_at: str
    secret: NotRequired[str]


def webhook_dict(hook: Webhook, *, with_secret: bool = False) -> WebhookView:
    out: WebhookView = {
        "id": hook.id,
        "production_id": hook.production_id,
        "url": hook.url,
        "active": hook.active,
        "delivered": hook.delivered,
        "failures": hook.failures,
        "last_status": hook.last_status,
        "last_error": hook.last_error,
        "last_delivery_at": hook.last_delivery_at.isoformat() if hook.last_delivery_at else None,
        "next_attempt_at": hook.next_attempt_at.isoformat() if hook.next_attempt_at else None,
        "created_by": hook.created_by,
        "created_at": hook.created_at.isoformat(),
    }
    if with_secret:
        out["secret"] = hook.secret
    return out


def post_json(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST to a checked public address of the URL's host, no redirect followed; the HTTP status."""
    return outbound.post(url, body, headers, TIMEOUT)


class WebhookDispatcher:
    """Delivers every due hook's pending changes; run_once() for one round, start() for a thread."""

    def __init__(self, engine: Engine, *, interval: float = 2.0, send: Send = post_json, gap_wait: float = 3.0):
        self.engine = engine
        self.interval = interval
        self.send = send
        self.gap_wait = gap_wait
        self._cursors: dict[int, events.FeedCursor] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pool = ThreadPoolExecutor(max_workers=POOL, thread_name_prefix="postprod-webhook")
        self._in_flight: dict[int, Future[int]] = {}
        self._lock = threading.Lock()

    def submit_due(self, now: float | None = None) -> list[Future[int]]:
        """Start delivering every due hook not already on its way, POOL at a time; each future: changes delivered."""
        mono = time.monotonic() if now is None else now
        with self.engine.connect() as conn:
            ids = list(
                conn.execute(
                    select(Webhook.id).where(
                        Webhook.active.is_(True),
                        or_(Webhook.next_attempt_at.is_(None), Webhook.next_attempt_at <= utcnow()),
                    )
                ).scalars()
            )
        started: list[Future[int]] = []
        for hook_id in ids:
            with self._lock:
                if hook_id in self._in_flight:
                    continue
                fut = self._in_flight[hook_id] = self._pool.submit(self._deliver, hook_id, mono)
            fut.add_done_callback(functools.partial(self._finished, hook_id))
            started.append(fut)
        return started

    def _finished(self, hook_id: int, fut: Future[int]) -> None:
        with self._lock:
            self._in_flight.pop(hook_id, None)
        if not fut.cancelled() and fut.exception() is not None:
            log.error("webhook %s: delivery round failed", hook_id, exc_info=fut.exception())

    def run_once(self, now: float | None = None) -> int:
        """Deliver what is due (hooks side by side) and wait for it; the number of changes delivered."""
        return sum(f.result() for f in self.submit_due(now))

    def _claim(self, hook_id: int) -> bool:
        now = utcnow()
        with self.engine.begin() as conn:
            taken = conn.execute(
                update(Webhook)
                .where(
                    Webhook.id == hook_id,
                    Webhook.active.is_(True),
                    or_(Webhook.next_attempt_at.is_(None), Webhook.next_attempt_at <= now),
                )
                .values(next_attempt_at=now + timedelta(seconds=LEASE))
            ).rowcount
        return bool(taken)

    def _deliver(self, hook_id: int, mono: float) -> int:
        if not self._claim(hook_id):
            return 0  # another dispatcher has it
        with db.session_scope(self.engine) as s:
            hook = s.get(Webhook, hook_id)
            if hook is None:
                return 0
            url, secret, pid, stored = hook.url, hook.secret, hook.production_id, hook.cursor
            cursor = self._cursors.get(hook_id)
            if cursor is None or cursor.last != stored:
                cursor = self._cursors[hook_id] = events.FeedCursor(stored, self.gap_wait)
            entries = events.feed_step(s, cursor, [pid], mono, limit=MAX_BATCH, money=hide_all)
        if not entries:  # nothing for this hook (the cursor may still have passed other productions' entries)
            self._record(hook_id, cursor=cursor.last)
            return 0
        body = json.dumps({"webhook": hook_id, "production_id": pid, "events": entries}).encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "postprod-webhooks",
            "X-Postprod-Delivery": str(uuid.uuid4()),
            "X-Postprod-Signature": sign(secret, body),
        }
        try:
            status: int | None = self.send(url, body, headers)
            error = "" if status is not None and 200 <= status < 300 else f"HTTP {status}"
        except Exception as exc:  # noqa: BLE001 - any failure to deliver is retried, and recorded
            # Only the class of failure is kept: the far end's words would tell an open port from a closed one.
            status, error = None, outbound.error_class(exc)
            log.debug("webhook %s: %s", hook_id, exc)
        if not error:
            self._record(hook_id, cursor=cursor.last, status=status, delivered=len(entries))
            return len(entries)
        self._cursors.pop(hook_id, None)  # the same changes again next time
        self._fail(hook_id, status, error)
        return 0

    def _record(self, hook_id: int, *, cursor: int, status: int | None = None, delivered: int = 0) -> None:
        values: dict[str, Any] = {"cursor": cursor, "next_attempt_at": None}
        if delivered:
            values |= {
                "failures": 0,
                "last_status": status,
                "last_error": "",
                "last_delivery_at": utcnow(),
                "delivered": Webhook.delivered + delivered,
            }
        with self.engine.begin() as conn:
            conn.execute(update(Webhook).where(Webhook.id == hook_id).values(**values))

    def _fail(self, hook_id: int, status: int | None, error: str) -> None:
        with self.engine.begin() as conn:
            failures = (
                conn.execute(select(Webhook.failures).where(Webhook.id == hook_id)).scalar_one_or_none() or 0
            ) + 1
            wait = min(BACKOFF_MAX, 2.0**failures)
            values: dict[str, Any] = {
                "failures": failures,
                "last_status": status,
                "last_error": error,
                "next_attempt_at": utcnow() + timedelta(seconds=wait),
            }
            if failures >= DISABLE_AFTER:
                values |= {"active": False, "last_error": f"switched off after {failures} failures: {error}"}
            conn.execute(update(Webhook).where(Webhook.id == hook_id).values(**values))
        log.warning("webhook %s: delivery failed (%s), retry in %.0f s", hook_id, error, wait)

    def start(self) -> WebhookDispatcher:
        def loop() -> None:
            while not self._stop.wait(self.interval):
                try:
                    self.submit_due()  # not waited for: a slow receiver delays no other hook, nor the next round
                except Exception:  # a database hiccup must not kill the dispatcher
                    log.exception("webhook round failed")

        self._thread = threading.Thread(target=loop, name="postprod-webhooks", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=TIMEOUT + self.interval)
        self._pool.shutdown(wait=False, cancel_futures=True)
