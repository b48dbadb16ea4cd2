"""A QC finding's channel is a name ("L", "C", "Ls"), as audio findings give it: the column was an integer.

PostgreSQL refused to keep a run with an audio finding on a named channel; SQLite kept the text.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 07:40:00
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
            "channel", existing_type=sa.Integer(), type_=sa.String(length=16), postgresql_using="channel::text"
        )


def downgrade() -> None:
    # A named channel has no integer: it is dropped (None) rather than failing the downgrade.
    with op.batch_alter_table("qc_finding") as batch:
        batch.alter_column(
            "channel",
            existing_type=sa.String(length=16),
            type_=sa.Integer(),
            postgresql_using="CASE WHEN channel ~ '^[0-9]+$' THEN channel::integer END",
        )
