"""A QC finding's channel is the channel's name (L, R, Ls...), as the audio detectors give it, not a number.

The integer column took the names on SQLite but refused them on PostgreSQL: a failed run with a
clipped or silent channel could not be recorded there.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 07:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("qc_finding") as batch:
        batch.alter_column(
            "channel",
            existing_type=sa.Integer(),
            type_=sa.String(length=16),
            existing_nullable=True,
            postgresql_using="channel::varchar",
        )


def downgrade() -> None:
    # names that are not numbers cannot go back into an integer column: they are dropped
    op.execute("UPDATE qc_finding SET channel = NULL WHERE channel IS NOT NULL")
    with op.batch_alter_table("qc_finding") as batch:
        batch.alter_column(
            "channel",
            existing_type=sa.String(length=16),
            type_=sa.Integer(),
            existing_nullable=True,
            postgresql_using="channel::integer",
        )
