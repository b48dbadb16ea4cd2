"""Failed sign-ins per account and per client address, so that every server process throttles alike.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-28 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sign_in_failure",
        sa.Column("key", sa.String(length=160), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_sign_in_failure")),
    )
    op.create_index(op.f("ix_sign_in_failure_last_failure_at"), "sign_in_failure", ["last_failure_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_sign_in_failure_last_failure_at"), table_name="sign_in_failure")
    op.drop_table("sign_in_failure")
