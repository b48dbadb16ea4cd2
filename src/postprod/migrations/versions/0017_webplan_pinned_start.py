"""A task's pinned start (the supervisor's "start on" date) and a scenario's incidents as data (to adopt it).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("task") as batch:
        batch.add_column(sa.Column("pinned_start", sa.Date(), nullable=True))
    with op.batch_alter_table("plan") as batch:
        batch.add_column(sa.Column("incidents", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("plan") as batch:
        batch.drop_column("incidents")
    with op.batch_alter_table("task") as batch:
        batch.drop_column("pinned_start")
