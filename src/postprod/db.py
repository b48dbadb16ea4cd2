"""Engine, sessions and migrations: one transaction per command, schema kept by Alembic."""

from __future__ import annotations

import ast
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from postprod import config
from postprod.errors import N_, DatabaseUnavailable

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _upper(value: Any) -> Any:
    return value.upper() if isinstance(value, str) else value


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    """An engine for the URL; SQLite gets foreign keys on and a busy timeout."""
    url = config.with_driver(url) if url else config.database_url()
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"timeout": 30})
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()
            # SQLite's own lower() and upper() know only ASCII: "Élodie" would not match "élodie".
            # Python's versions make name look-ups behave as on PostgreSQL.
            dbapi_conn.create_function("lower", 1, _lower, deterministic=True)
            dbapi_conn.create_function("upper", 1, _upper, deterministic=True)

        return engine
    # No ping before each use (a round trip per request): a connection that died with its server (a
    # restart) fails its next statement, that request gets a 503 (api/errors), and the failure marks
    # every connection of the pool older than it as stale, replaced when next taken. Connections are
    # also renewed after half an hour, before any idle timeout between here and the server ends them.
    kwargs.setdefault("pool_recycle", 1800)
    if url.startswith("postgresql"):
        kwargs.setdefault("connect_args", {"connect_timeout": 10})  # a silent host is an error, not a hang
    engine = create_engine(url, **kwargs)
    if url.startswith("postgresql"):
        event.listen(engine, "before_cursor_execute", _begin_before_a_write)
    return engine


def _is_read(statement: str) -> bool:
    head = statement.lstrip()[:6].upper()
    return head == "SELECT" and " FOR " not in statement.upper()


def _begin_before_a_write(conn: Connection, cursor: Any, statement: str, *_args: Any) -> None:
    """On a connection that reads without a transaction (`reading`), a transaction is opened before
    its first statement that is not a plain SELECT: what a read writes stays one transaction, committed
    or rolled back with the request."""
    if not conn.get_execution_options().get("reads_first") or _is_read(statement):
        return
    raw = cursor.connection
    if raw.info.transaction_status == 0:  # idle: no transaction open yet (psycopg's TransactionStatus.IDLE)
        cursor.execute("BEGIN")


def reading(engine: Engine) -> Engine:
    """The engine for requests that mostly read (GET, HEAD): on PostgreSQL their SELECTs run without
    BEGIN and COMMIT, two round trips of three for a one-query read; the first write opens a
    transaction, committed at the end of the request as any other. Other databases: the engine itself."""
    if engine.dialect.name != "postgresql":
        return engine
    return engine.execution_options(isolation_level="AUTOCOMMIT", reads_first=True)


def safe_url(url: str) -> str:
    """The URL as it may be shown: its password replaced by ***."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unreadable database URL>"


def unavailable(exc: BaseException, url: str | None = None) -> DatabaseUnavailable:
    """One line for a database that cannot be reached: the URL without its password, and the driver's reason."""
    url = url or config.database_url()
    orig = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(orig).splitlines() if line.strip()]
    reason = lines[0] if lines else type(orig).__name__
    password = make_url(url).password if url else None
    if password:
        reason = reason.replace(str(password), "***")
    return DatabaseUnavailable(
        N_("database unreachable at %(url)s: %(reason)s"), params={"url": safe_url(url), "reason": reason}
    )


def alembic_config(engine: Engine) -> Any:
    """An Alembic Config pointing at the packaged migrations and this engine."""
    from alembic.config import Config  # Alembic only when migrating or restoring: ~0.1 s off every command

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


# A migration's own `revision = "..."` and `down_revision = ...` lines (annotated or not).
_REVISION_LINE = re.compile(r"^(revision|down_revision)\b[^=\n]*=(.+)$", re.MULTILINE)


def packaged_heads() -> set[str]:
    """The head revisions of the packaged migrations: those no other migration revises.

    Read from each file's `revision` and `down_revision` lines, not through Alembic's
    ScriptDirectory, which imports Alembic and every migration module (about 0.3 s) on each command
    just to find the schema already current; a test checks that both agree.
    """
    revisions: set[str] = set()
    revised: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        for name, value in _REVISION_LINE.findall(path.read_text(encoding="utf-8")):
            found = ast.literal_eval(value.strip())
            if name == "revision":
                revisions.add(found)
            else:
                revised.update([found] if isinstance(found, str) else found or ())
    return revisions - revised


def current_heads(conn: Connection) -> set[str]:
    """The revisions the database's schema is at (none for a new database), as Alembic records them."""
    if not inspect(conn).has_table("alembic_version"):
        return set()
    return set(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())


def migrate(engine: Engine) -> None:
    """Bring the schema to the latest migration (a no-op when already there)."""
    with engine.connect() as conn:
        current = current_heads(conn)
    if current != packaged_heads():
        # Alembic only when there is something to do: importing it and the migrations costs ~0.3 s.
        from alembic import command

        command.upgrade(alembic_config(engine), "heads")


_engines: dict[str, Engine] = {}


def get_engine() -> Engine:
    """The migrated engine for the configured database (one per URL per process)."""
    url = config.database_url()
    engine = _engines.get(url)
    if engine is None:
        try:
            engine = make_engine(url)
            migrate(engine)
        except (OperationalError, InterfaceError) as exc:
            if engine is not None:
                engine.dispose()
            raise unavailable(exc, url) from None
        _engines[url] = engine
    return engine


def wait_for_engine(
    timeout: float | None = None, say: Callable[[str], None] = print, *, longest_pause: float = 10.0
) -> Engine:
    """get_engine(), trying again with growing pauses while the database cannot be reached.

    For the long-running commands (serve, worker): a database that starts after them, or restarts,
    is waited for with a message each try. `timeout` None waits for ever; once passed, the last
    DatabaseUnavailable is raised.
    """
    deadline = None if timeout is None else time.monotonic() + timeout
    pause = 0.5
    while True:
        try:
            return get_engine()
        except DatabaseUnavailable as exc:
            if deadline is not None and time.monotonic() + pause > deadline:
                raise
            say(f"{exc}; trying again in {pause:g} s")
            time.sleep(pause)
            pause = min(pause * 2, longest_pause)


def reset_engines(*, close: bool = True) -> None:
    """Dispose of every engine made by get_engine (tests switch databases between runs).

    `close=False` in a forked process: the parent's connections are dropped, not closed under it.
    """
    for engine in _engines.values():
        engine.dispose(close=close)
    _engines.clear()


def session_factory(engine: Engine | None = None) -> sessionmaker[Session]:
    """A sessionmaker bound to the engine; objects stay readable after commit."""
    return sessionmaker(bind=engine or get_engine(), expire_on_commit=False)


@contextmanager
def session_scope(
    engine: Engine | None = None, actor: str | None = None, *, factory: sessionmaker[Session] | None = None
) -> Iterator[Session]:
    """One transaction: commit on success, roll back everything on any error.

    Every interface opens its transactions here: a command, a request (`http_deps.get_session`,
    with the server's `factory`), a job.
    """
    session = (factory or session_factory(engine))()
    session.info["actor"] = actor or config.current_actor()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def acting_as(session: Session, actor: str) -> Iterator[Session]:
    """The session's writes inside the block told as `actor`'s (the audit trail, notifications, who logged
    what), then the session's own actor again; what was written before and inside is flushed under its own."""
    session.flush()
    before = session.info.get("actor")
    session.info["actor"] = actor
    try:
        yield session
        session.flush()
    finally:
        session.info["actor"] = before
