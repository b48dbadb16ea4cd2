"""Settings read from the environment: where the database lives, who is acting, what the server may reach."""

from __future__ import annotations

import getpass
import os
from pathlib import Path

DEFAULT_DATABASE_URL = "sqlite:///postprod.db"


def database_url() -> str:
    """POSTPROD_DATABASE_URL, or the SQLite file ./postprod.db (no server needed)."""
    return with_driver(os.environ.get("POSTPROD_DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL)


def with_driver(url: str) -> str:
    """A database URL with the driver postprod ships: psycopg 3 (plain postgresql:// would ask for psycopg2)."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def broker_url() -> str:
    """POSTPROD_BROKER_URL (redis://host:6379/0): jobs then go to Celery workers; empty: threads of the server."""
    return os.environ.get("POSTPROD_BROKER_URL", "").strip()


def job_queue() -> str:
    """POSTPROD_JOB_QUEUE: the Celery queue the server sends jobs to and workers take them from."""
    return os.environ.get("POSTPROD_JOB_QUEUE", "").strip() or "postprod"


def _seconds(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, "").strip() or default)
    except ValueError:
        return default
    return value if value > 0 else default


def job_heartbeat() -> float:
    """POSTPROD_JOB_HEARTBEAT: seconds between a running job's signs of life (default 15)."""
    return _seconds("POSTPROD_JOB_HEARTBEAT", 15.0)


def job_stale() -> float:
    """POSTPROD_JOB_STALE: a running job silent this many seconds is taken for dead and queued again (default 45)."""
    return _seconds("POSTPROD_JOB_STALE", 45.0)


def job_sweep() -> float:
    """POSTPROD_JOB_SWEEP: how often every server and worker looks for dead jobs, in seconds (default 10)."""
    return _seconds("POSTPROD_JOB_SWEEP", 10.0)


MiB = 1024 * 1024


def max_upload_bytes() -> int:
    """POSTPROD_MAX_UPLOAD_MB in bytes (default 64 MiB): the cap of an uploaded cut, register file or production."""
    text = os.environ.get("POSTPROD_MAX_UPLOAD_MB", "").strip()
    return int(text) * MiB if text.isdigit() and int(text) > 0 else 64 * MiB


def current_actor() -> str:
    """Who the audit trail names for CLI changes: POSTPROD_USER, else the login name."""
    name = os.environ.get("POSTPROD_USER", "").strip()
    if name:
        return name
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"


def allow_private_targets() -> bool:
    """POSTPROD_WEBHOOK_ALLOW_PRIVATE=1: webhooks may reach loopback and private addresses (on-premises installs).

    Off by default: a webhook URL is a request the server makes on a user's behalf, and it must not
    reach the database, the broker or the cloud metadata service beside it.
    """
    return os.environ.get("POSTPROD_WEBHOOK_ALLOW_PRIVATE", "").strip().lower() in ("1", "true", "yes", "on")


def media_roots_setting() -> list[Path] | None:
    """POSTPROD_MEDIA_ROOTS: the folders (os.pathsep-separated) media and files may be read from; None when unset.

    Unset, the command line works under its current directory and the server reads no file at all
    (see postprod.media_roots).
    """
    raw = os.environ.get("POSTPROD_MEDIA_ROOTS")
    if raw is None or not raw.strip():
        return None
    return [Path(p).expanduser() for p in raw.split(os.pathsep) if p.strip()]


def smtp_url() -> str:
    """POSTPROD_SMTP_URL (smtp://user:password@host:port, smtps:// for TLS from the start): notifications
    are then also sent by e-mail; empty: in the app only."""
    return os.environ.get("POSTPROD_SMTP_URL", "").strip()


def mail_from() -> str:
    """POSTPROD_MAIL_FROM: the sender of notification e-mails (default postprod@localhost)."""
    return os.environ.get("POSTPROD_MAIL_FROM", "").strip() or "postprod@localhost"


def public_url() -> str:
    """POSTPROD_PUBLIC_URL: the address people open the app at (https://postprod.example.com), for links in
    e-mails; empty: the links are paths."""
    return os.environ.get("POSTPROD_PUBLIC_URL", "").strip().rstrip("/")
