"""Alembic environment: runs on the engine handed over by postprod.db.migrate."""

from __future__ import annotations

from alembic import context

from postprod.db import make_engine
from postprod.model import Base
from postprod.model.search import modelled

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine") or make_engine()
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            include_name=modelled,  # autogenerate leaves the full-text tables alone (model/search.py)
        )
        context.run_migrations()


run_migrations_online()
