"""Engine, sessions and migrations: one transaction per command, schema kept by Alembic."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from postprod import config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def _lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _upper(value: Any) -> Any:
    return value.upper() if isinstance(value, str) else value


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    """An engine for the URL; SQLite gets foreign keys on and a busy timeout."""
    url = url or config.database_url()
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
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def alembic_config(engine: Engine) -> Any:
    """An Alembic Config pointing at the packaged migrations and this engine."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine) -> None:
    """Bring the schema to the latest migration (a no-op when already there)."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    cfg = alembic_config(engine)
    heads = set(ScriptDirectory.from_config(cfg).get_heads())
    with engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    if current != heads:
        command.upgrade(cfg, "heads")


_engines: dict[str, Engine] = {}


def get_engine() -> Engine:
    """The migrated engine for the configured database (one per URL per process)."""
    url = config.database_url()
    engine = _engines.get(url)
    if engine is None:
        engine = make_engine(url)
        migrate(engine)
        _engines[url] = engine
    return engine


def reset_engines() -> None:
    """Dispose of every engine made by get_engine (tests switch databases between runs)."""
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()


def session_factory(engine: Engine | None = None) -> sessionmaker[Session]:
    """A sessionmaker bound to the engine; objects stay readable after commit."""
    return sessionmaker(bind=engine or get_engine(), expire_on_commit=False)


@contextmanager
def session_scope(engine: Engine | None = None, actor: str | None = None) -> Iterator[Session]:
    """One transaction: commit on success, roll back everything on any error."""
    session = session_factory(engine)()
    session.info["actor"] = actor or config.current_actor()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
