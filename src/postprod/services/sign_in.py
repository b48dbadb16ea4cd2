"""Signing in with a password, throttled; changing one's password; the demo accounts' passwords.

Failed sign-ins are counted in the database per account and per client address (so every server
process sees the same counts). After `FREE_FAILURES` failures in a row, each further failure makes
the next attempt wait twice as long as the last (1 s, 2 s, 4 s ... at most 15 minutes); an attempt
during the wait is refused with `TooManyAttempts` (429 with Retry-After) before any password is
checked, even a right one. A success clears the account's count (not the address's: one valid
account must not reset the count of an address guessing others). Counts idle for an hour are
forgotten.
"""

from __future__ import annotations

import ipaddress
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from postprod.errors import N_, InvalidInput, PostprodError
from postprod.model import ApiToken, SignInFailure, User, WebSession
from postprod.model.base import utcnow
from postprod.services import users
from postprod.services.passwords import verify_password
from postprod.services.users import Unauthorized

# Failures allowed before the waits begin: an account's own, and a client address's (several
# people may share one address behind a proxy or a NAT).
FREE_FAILURES = {"user": 5, "addr": 20}
FIRST_WAIT = timedelta(seconds=1)
LONGEST_WAIT = timedelta(minutes=15)
FORGET_AFTER = timedelta(hours=1)


class TooManyAttempts(PostprodError):
    """Too many failed sign-ins lately, for this account or from this address: wait before the next."""

    http_status = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__(N_("too many failed sign-ins: try again in %(seconds)s s"), params={"seconds": retry_after})
        self.retry_after = retry_after


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def address_key(address: str | None) -> str | None:
    """The throttle key of a client address: the address itself, an IPv6 address by its /64 network."""
    text = (address or "").strip()
    if not text:
        return None
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return "addr:" + text[:100]
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if isinstance(ip, ipaddress.IPv6Address):
        return "addr:" + str(ipaddress.IPv6Network((ip, 64), strict=False))
    return "addr:" + str(ip)


def account_key(username: str) -> str:
    return "user:" + username.strip().lower()[:100]


def _keys(username: str, address: str | None) -> list[str]:
    keys = [account_key(username)]
    addr = address_key(address)
    if addr:
        keys.append(addr)
    return keys


def _free(key: str) -> int:
    return FREE_FAILURES["addr" if key.startswith("addr:") else "user"]


def wait_after(failures: int, free: int) -> timedelta:
    """How long the next attempt waits after this many failures in a row (none up to `free`)."""
    over = failures - free
    if over < 0:
        return timedelta(0)
    if over >= 20:  # 2**20 s is far past the longest wait
        return LONGEST_WAIT
    return min(FIRST_WAIT * (2**over), LONGEST_WAIT)


def check_throttle(session: Session, username: str, address: str | None, *, now: datetime | None = None) -> None:
    """Refuse with TooManyAttempts while the account or the address must wait."""
    now = now or utcnow()
    rows = session.scalars(select(SignInFailure).where(SignInFailure.key.in_(_keys(username, address))))
    waits = [
        _aware(r.blocked_until) - now
        for r in rows
        if r.blocked_until is not None
        and _aware(r.blocked_until) > now
        and now - _aware(r.last_failure_at) <= FORGET_AFTER
    ]
    if waits:
        longest = max(waits)
        raise TooManyAttempts(max(1, int(longest.total_seconds() + 0.999)))


def note_failure(session: Session, username: str, address: str | None, *, now: datetime | None = None) -> None:
    """Count one failed sign-in for the account and the address; forget counts idle for long."""
    now = now or utcnow()
    session.execute(delete(SignInFailure).where(SignInFailure.last_failure_at < now - FORGET_AFTER))
    for key in _keys(username, address):
        row = session.get(SignInFailure, key)
        if row is None:
            row = SignInFailure(key=key, failures=0, last_failure_at=now)
            try:
                with session.begin_nested():
                    session.add(row)
            except IntegrityError:  # another process counted its first failure meanwhile
                row = session.get(SignInFailure, key, populate_existing=True)
                if row is None:
                    continue
        row.failures += 1
        row.last_failure_at = now
        wait = wait_after(row.failures, _free(key))
        row.blocked_until = now + wait if wait else None
    session.flush()


def clear_account(session: Session, username: str) -> None:
    """A success: the account starts again from no failure."""
    session.execute(delete(SignInFailure).where(SignInFailure.key == account_key(username)))


def sign_in(
    session: Session, username: str, password: str, *, address: str | None = None, now: datetime | None = None
) -> User:
    """The user with this password, unless the account or the address must wait first.

    A failure is committed at once (the caller's transaction is rolled back by the error that follows),
    so that it counts whatever the interface does next.
    """
    check_throttle(session, username, address, now=now)
    try:
        user = users.authenticate(session, username, password)
    except Unauthorized:
        session.rollback()
        note_failure(session, username, address, now=now)
        session.commit()
        raise
    clear_account(session, username)
    return user


# --- changing one's password -------------------------------------------------------------------


def change_password(
    session: Session,
    user: User,
    current: str | None,
    new: str,
    *,
    keep_session: WebSession | None = None,
    keep_token: ApiToken | None = None,
    address: str | None = None,
) -> None:
    """Set a new password once the current one is given; every other session and token of the user ends.

    A wrong current password counts as a failed sign-in of the account (a stolen session cannot be
    used to guess it faster than the sign-in form allows).
    """
    if not current:
        raise InvalidInput("give your current password to change it", field="current_password")
    check_throttle(session, user.username, address)
    if not user.password_hash or not verify_password(user.password_hash, current):
        session.rollback()
        note_failure(session, user.username, address)
        session.commit()
        raise InvalidInput("wrong current password", field="current_password")
    clear_account(session, user.username)
    users.set_password(session, user, new)
    users.revoke_credentials(session, user, keep_session=keep_session, keep_token=keep_token)
    session.flush()


def reset_password(session: Session, user: User, new: str) -> None:
    """An administrator's reset (the CLI): a new password, and every session and token of the user ends."""
    users.set_password(session, user, new)
    users.revoke_credentials(session, user)
    clear_account(session, user.username)
    session.flush()


# --- the demo accounts -------------------------------------------------------------------------

_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}


def is_loopback_host(host: str) -> bool:
    """Whether a server listening on this host is reachable from this machine only."""
    text = host.strip().lower().strip("[]")
    if text in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(text).is_loopback
    except ValueError:
        return False


def demo_passwords(host: str) -> dict[str, str]:
    """The demo accounts' passwords for a server on this host: the documented ones on loopback only.

    Anywhere else (0.0.0.0, a LAN address, a name) anyone who has read the README could sign in with
    the documented ones, so each account gets a random password instead, shown once.
    """
    if is_loopback_host(host):
        return {username: password for username, password, *_ in users.DEMO_USERS}
    return {username: secrets.token_urlsafe(12) for username, *_ in users.DEMO_USERS}
