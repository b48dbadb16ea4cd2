"""A deliverable's own spec is kept as its TOML text: the server no longer reads specs from paths.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 15:20:00

A deliverable whose spec was a file path keeps the path as its spec's name; its QC then asks for
the spec to be set again (as text), since the file is not read.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("deliverable") as batch:
        batch.add_column(sa.Column("spec_text", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("deliverable") as batch:
        batch.drop_column("spec_text")
