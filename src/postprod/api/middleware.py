"""What every HTTP answer carries and every request may weigh: security headers, a cap on bodies, and
refused sign-ins held back.

All are plain ASGI middleware around the whole app (API, pages, static files and error answers alike).
"""

from __future__ import annotations

import asyncio
import json
import os
import re

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from postprod import config

# No inline script, no script from elsewhere, never framed. Styles allow inline `style` attributes
# (the progress bars' widths); scripts do not.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

# The sign-in, over the API and as the page's form.
SIGN_IN_PATH = re.compile(r"^/(api/v1/auth/)?login$")

SECURITY_HEADERS = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
)


class SecurityHeaders:
    """Adds the security headers to every HTTP response that does not set its own."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend((name, value) for name, value in SECURITY_HEADERS if name not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


MiB = config.MiB


def _env_bytes(name: str, default: int) -> int:
    text = os.environ.get(name, "").strip()
    return int(text) * MiB if text.isdigit() and int(text) > 0 else default


def default_limits() -> tuple[int, list[tuple[re.Pattern[str], int]]]:
    """The cap of any request body (POSTPROD_MAX_BODY_MB, default 1 MiB) and the routes that differ.

    Signing in takes a few hundred bytes: 16 KiB. A cut (an EDL or FCP XML as JSON text) or a
    production's export document may be large: POSTPROD_MAX_UPLOAD_MB, default 64 MiB.
    """
    upload = config.max_upload_bytes()
    rules = [
        (SIGN_IN_PATH, 16 * 1024),
        (re.compile(r"^/api/v1/productions/[^/]+/cuts/[^/]+/import-jobs$"), upload),
        (re.compile(r"^/api/v1/productions/import$"), upload),
        # the pages' uploads: a cut, a register's CSV or spotting list
        (re.compile(r"^/p/[^/]+/cuts/import$"), upload),
        (re.compile(r"^/p/[^/]+/registers/[^/]+/import$"), upload),
    ]
    return _env_bytes("POSTPROD_MAX_BODY_MB", 1 * MiB), rules


def _too_large(limit: int) -> str:
    return f"request body too large: at most {limit} bytes here"


def _sign_in_hold() -> float:
    """POSTPROD_SIGN_IN_HOLD: seconds a refused sign-in is held before its answer (default 1; 0 answers at once)."""
    try:
        value = float(os.environ.get("POSTPROD_SIGN_IN_HOLD", "").strip() or 1.0)
    except ValueError:
        value = 1.0
    return max(0.0, min(value, 5.0))


class HoldRefusedSignIns:
    """Holds a sign-in refused as throttled (429) or busy (503) a moment before answering.

    A client hammering the sign-in then gets its answers at the pace of the holds, not as fast as
    the server can refuse: the wait is an asyncio sleep (no thread, no CPU), so a flood of refused
    sign-ins leaves the cores to everybody else's requests.
    """

    def __init__(self, app: ASGIApp, hold: float | None = None) -> None:
        self.app = app
        self.hold = _sign_in_hold() if hold is None else hold

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.hold <= 0 or not SIGN_IN_PATH.match(scope.get("path", "")):
            await self.app(scope, receive, send)
            return

        async def send_held(message: Message) -> None:
            if message["type"] == "http.response.start" and message.get("status") in (429, 503):
                await asyncio.sleep(self.hold)
            await send(message)

        await self.app(scope, receive, send_held)


class BodyLimit:
    """Refuses a request body over its route's cap with 413: at once when Content-Length says so,
    else as soon as the bytes read pass the cap (a chunked body is never read whole)."""

    def __init__(
        self, app: ASGIApp, default: int | None = None, rules: list[tuple[re.Pattern[str], int]] | None = None
    ) -> None:
        self.app = app
        base, base_rules = default_limits()
        self.default = default if default is not None else base
        self.rules = rules if rules is not None else base_rules

    def limit_for(self, path: str) -> int:
        for pattern, limit in self.rules:
            if pattern.match(path):
                return limit
        return self.default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope.get("path", ""))
        declared = None
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                declared = value
                break
        if declared is not None:
            try:
                length = int(declared)
            except ValueError:
                await _refuse(send, 400, "invalid Content-Length header")
                return
            if length > limit:
                await _refuse(send, 413, _too_large(limit))
                return
        seen = 0

        async def counted_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise HTTPException(413, _too_large(limit))
            return message

        await self.app(scope, counted_receive, send)


async def _refuse(send: Send, status: int, message: str) -> None:
    body = json.dumps({"error": message, "field": None}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
