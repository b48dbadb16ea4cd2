"""The Alembic migrations build exactly the schema the models describe."""

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine

from postprod.model import Base
from postprod.model.search import modelled


def test_models_and_migrations_agree(engine: Engine) -> None:
    with engine.connect() as conn:
        # The full-text structures (SQLite's FTS5 tables) are the database's own: model/search.py.
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "include_name": modelled})
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == [], f"models and migrations disagree; write a migration: {diff}"


def test_migrations_reach_head(engine: Engine) -> None:
    from alembic.script import ScriptDirectory

    from postprod.db import alembic_config

    heads = set(ScriptDirectory.from_config(alembic_config(engine)).get_heads())
    with engine.connect() as conn:
        assert set(MigrationContext.configure(conn).get_current_heads()) == heads


def test_the_quick_schema_check_agrees_with_alembic(engine: Engine, tmp_path: Path) -> None:
    """db.migrate reads the heads without Alembic: the same heads as Alembic's, the same current revisions."""
    from alembic.script import ScriptDirectory

    from postprod.db import alembic_config, current_heads, make_engine, migrate, packaged_heads

    assert packaged_heads() == set(ScriptDirectory.from_config(alembic_config(engine)).get_heads())
    with engine.connect() as conn:
        assert current_heads(conn) == set(MigrationContext.configure(conn).get_current_heads())
    new = make_engine(f"sqlite:///{tmp_path / 'new.db'}")
    with new.connect() as conn:
        assert current_heads(conn) == set()  # a new database: migrate() upgrades it
    migrate(new)
    with new.connect() as conn:
        assert current_heads(conn) == packaged_heads()
    new.dispose()
