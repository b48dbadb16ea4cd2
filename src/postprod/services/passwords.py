"""Password hashing (argon2id) behind a gate: only a few hashes run at once, whatever the number of sign-ins.

One argon2id hash with the recommended cost takes 64 MiB and most of a core for a moment; twenty
sign-ins at once would take a server past a gigabyte and starve every other request. The gate lets
`POSTPROD_HASH_CONCURRENCY` hashes run at once (default: half the cores, at least one), lets a few
more wait briefly, and refuses the rest at once with `SignInBusy` (503, Retry-After), so that
waiting sign-ins never pile up in the server's threads. The hashes run in the gate's own threads,
at a lower CPU priority (nice +10, and the argon2 lanes they start inherit it): under a flood of
sign-ins the other requests still get the cores first.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from postprod.errors import PostprodError


class SignInBusy(PostprodError):
    """Too many passwords being checked at once: try again in a moment."""

    http_status = 503

    def __init__(self, message: str = "the server is busy checking other sign-ins: try again in a moment") -> None:
        super().__init__(message)
        self.retry_after = 1


T = TypeVar("T")
HASH_NICENESS = 10


def _lower_priority() -> None:
    """Make the calling thread (and the threads it starts) yield the CPU to the server's other threads."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASH_NICENESS)
    except (AttributeError, OSError):  # not Linux, or not allowed: hash at normal priority
        pass


class HashGate:
    """At most `limit` hashes at once; at most `max_waiting` callers wait, each for `wait_seconds` at most."""

    def __init__(self, limit: int, *, max_waiting: int | None = None, wait_seconds: float = 2.0) -> None:
        if limit < 1:
            raise ValueError("a hash gate lets at least one hash through")
        self.limit = limit
        self.max_waiting = max_waiting if max_waiting is not None else 4 * limit
        self.wait_seconds = wait_seconds
        self._slots = threading.BoundedSemaphore(limit)
        self._lock = threading.Lock()
        self._waiting = 0
        self.active = 0
        self.peak = 0  # the most hashes ever seen running at once (tests and benchmarks read it)
        self.refused = 0
        self._pool: ThreadPoolExecutor | None = None

    def run(self, work: Callable[[], T]) -> T:
        """Do the work in one of the gate's low-priority threads once a slot is free (or raise SignInBusy)."""
        with self.slot():
            if self._pool is None:
                with self._lock:
                    if self._pool is None:
                        self._pool = ThreadPoolExecutor(
                            self.limit, thread_name_prefix="postprod-hash", initializer=_lower_priority
                        )
            return self._pool.submit(work).result()

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one of the gate's slots while hashing, or raise SignInBusy."""
        with self._lock:
            if self._waiting >= self.max_waiting:
                self.refused += 1
                raise SignInBusy()
            self._waiting += 1
        try:
            got = self._slots.acquire(timeout=self.wait_seconds)
        finally:
            with self._lock:
                self._waiting -= 1
        if not got:
            with self._lock:
                self.refused += 1
            raise SignInBusy()
        with self._lock:
            self.active += 1
            self.peak = max(self.peak, self.active)
        try:
            yield
        finally:
            with self._lock:
                self.active -= 1
            self._slots.release()


def default_concurrency() -> int:
    """POSTPROD_HASH_CONCURRENCY, else half the cores (at least one): the rest stay for other requests."""
    text = os.environ.get("POSTPROD_HASH_CONCURRENCY", "").strip()
    if text.isdigit() and int(text) >= 1:
        return int(text)
    return max(1, (os.cpu_count() or 2) // 2)


GATE = HashGate(default_concurrency())

_HASHERS: dict[str, PasswordHasher] = {}


def hasher() -> PasswordHasher:
    """argon2id with its recommended cost; POSTPROD_PASSWORD_HASH=fast (tests only) makes it cheap."""
    profile = os.environ.get("POSTPROD_PASSWORD_HASH", "").strip().lower()
    if profile not in _HASHERS:
        fast = profile == "fast"
        _HASHERS[profile] = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1) if fast else PasswordHasher()
    return _HASHERS[profile]


def hash_password(password: str) -> str:
    """The argon2id hash of a password (through the gate)."""
    return GATE.run(lambda: hasher().hash(password))


def verify_password(stored_hash: str, password: str) -> bool:
    """Whether the password matches the stored hash (through the gate); a malformed hash never matches."""

    def check() -> bool:
        try:
            return bool(hasher().verify(stored_hash, password))
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    return GATE.run(check)


def needs_rehash(stored_hash: str) -> bool:
    """Whether the hash was made with other costs than today's (it is then renewed at the next sign-in)."""
    try:
        return bool(hasher().check_needs_rehash(stored_hash))
    except InvalidHashError:
        return True
