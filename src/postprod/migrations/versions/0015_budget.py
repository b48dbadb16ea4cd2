"""The budget: the production's chart of accounts, fringe groups, budget versions and their lines.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 07:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _production() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(
        "production_id",
        sa.Integer(),
        sa.ForeignKey("production.id", ondelete="CASCADE", name=None),
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "budget_chapter",
        sa.Column("id", sa.Integer(), primary_key=True),
        _production(),
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.UniqueConstraint("production_id", "code"),
    )
    op.create_index("ix_budget_chapter_production_id", "budget_chapter", ["production_id"])
    op.create_table(
        "budget_account",
        sa.Column("id", sa.Integer(), primary_key=True),
        _production(),
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("chapter", sa.String(16), nullable=False),
        sa.Column("department", sa.String(64), nullable=True),
        sa.Column("resource", sa.String(8), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.UniqueConstraint("production_id", "code"),
    )
    op.create_index("ix_budget_account_production_id", "budget_account", ["production_id"])
    op.create_table(
        "fringe_group",
        sa.Column("id", sa.Integer(), primary_key=True),
        _production(),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("percent", sa.Numeric(7, 3), nullable=False),
        sa.UniqueConstraint("production_id", "name"),
    )
    op.create_index("ix_fringe_group_production_id", "fringe_group", ["production_id"])
    op.create_table(
        "budget_version",
        sa.Column("id", sa.Integer(), primary_key=True),
        _production(),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("parent_id", sa.Integer(), sa.ForeignKey("budget_version.id", ondelete="SET NULL"), nullable=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("rates", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(120), nullable=False),
        sa.Column("locked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("locked_by", sa.String(120), nullable=False),
        sa.Column("frozen", sa.JSON(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("production_id", "number"),
    )
    op.create_index("ix_budget_version_production_id", "budget_version", ["production_id"])
    op.create_table(
        "budget_line",
        sa.Column("id", sa.Integer(), primary_key=True),
        _production(),
        sa.Column("budget_id", sa.Integer(), sa.ForeignKey("budget_version.id", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(16), nullable=False),
        sa.Column("description", sa.String(500), nullable=False),
        sa.Column("quantity", sa.Numeric(14, 3), nullable=False),
        sa.Column("unit", sa.String(16), nullable=False),
        sa.Column("rate", sa.Numeric(16, 4), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("fringe", sa.String(64), nullable=True),
        sa.Column("vat_rate", sa.Numeric(5, 2), nullable=False),
        sa.Column("tax_credit", sa.String(32), nullable=True),
        sa.Column("in_france", sa.Boolean(), nullable=False),
        sa.Column("link_type", sa.String(32), nullable=True),
        sa.Column("link_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
    )
    op.create_index("ix_budget_line_production_id", "budget_line", ["production_id"])
    op.create_index("ix_budget_line_budget_id", "budget_line", ["budget_id"])
    op.create_table(
        "budget_percent_line",
        sa.Column("id", sa.Integer(), primary_key=True),
        _production(),
        sa.Column("budget_id", sa.Integer(), sa.ForeignKey("budget_version.id", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("account", sa.String(16), nullable=False),
        sa.Column("percent", sa.Numeric(7, 3), nullable=False),
        sa.Column("on", sa.JSON(), nullable=True),
        sa.Column("excluding", sa.JSON(), nullable=False),
        sa.Column("includes", sa.JSON(), nullable=False),
        sa.UniqueConstraint("budget_id", "name"),
    )
    op.create_index("ix_budget_percent_line_production_id", "budget_percent_line", ["production_id"])
    op.create_index("ix_budget_percent_line_budget_id", "budget_percent_line", ["budget_id"])


def downgrade() -> None:
    for table in (
        "budget_percent_line",
        "budget_line",
        "budget_version",
        "fringe_group",
        "budget_account",
        "budget_chapter",
    ):
        op.drop_table(table)
