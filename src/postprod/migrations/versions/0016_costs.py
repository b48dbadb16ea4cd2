"""What the post costs as it goes: time entries, vendors, purchase orders, invoices, ETC overrides, snapshots.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 07:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _id() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column("id", sa.Integer(), primary_key=True)


def _production() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column("production_id", sa.Integer(), sa.ForeignKey("production.id", ondelete="CASCADE"), nullable=False)


def _stamps() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "time_entry",
        _id(),
        _production(),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("person.id", ondelete="CASCADE"), nullable=False),
        sa.Column("task_id", sa.Integer(), sa.ForeignKey("task.id", ondelete="SET NULL"), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("days", sa.Numeric(6, 3), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("logged_by", sa.String(120), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        *_stamps(),
    )
    for col in ("production_id", "person_id", "task_id", "day"):
        op.create_index(f"ix_time_entry_{col}", "time_entry", [col])
    op.create_table(
        "vendor",
        _id(),
        _production(),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(200), nullable=False),
        sa.Column("vat_number", sa.String(32), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.UniqueConstraint("production_id", "name"),
    )
    op.create_index("ix_vendor_production_id", "vendor", ["production_id"])
    op.create_table(
        "purchase_order",
        _id(),
        _production(),
        sa.Column("number", sa.String(32), nullable=False),
        sa.Column("vendor_id", sa.Integer(), sa.ForeignKey("vendor.id", ondelete="RESTRICT"), nullable=False),
        sa.Column("account", sa.String(16), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("amount", sa.Numeric(16, 2), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("issued", sa.Date(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        *_stamps(),
        sa.UniqueConstraint("production_id", "number"),
    )
    op.create_index("ix_purchase_order_production_id", "purchase_order", ["production_id"])
    op.create_index("ix_purchase_order_vendor_id", "purchase_order", ["vendor_id"])
    op.create_table(
        "invoice",
        _id(),
        _production(),
        sa.Column("vendor_id", sa.Integer(), sa.ForeignKey("vendor.id", ondelete="RESTRICT"), nullable=False),
        sa.Column("number", sa.String(64), nullable=False),
        sa.Column("order_id", sa.Integer(), sa.ForeignKey("purchase_order.id", ondelete="RESTRICT"), nullable=True),
        sa.Column("account", sa.String(16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("net", sa.Numeric(16, 2), nullable=False),
        sa.Column("vat", sa.Numeric(16, 2), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("paid", sa.Boolean(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("overrun_note", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        *_stamps(),
        sa.UniqueConstraint("production_id", "vendor_id", "number"),
    )
    for col in ("production_id", "vendor_id", "order_id", "day"):
        op.create_index(f"ix_invoice_{col}", "invoice", [col])
    op.create_table(
        "etc_override",
        _id(),
        _production(),
        sa.Column("account", sa.String(16), nullable=False),
        sa.Column("amount", sa.Numeric(16, 2), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("set_by", sa.String(120), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("production_id", "account"),
    )
    op.create_index("ix_etc_override_production_id", "etc_override", ["production_id"])
    op.create_table(
        "cost_snapshot",
        _id(),
        _production(),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("taken_by", sa.String(120), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.UniqueConstraint("production_id", "as_of"),
    )
    op.create_index("ix_cost_snapshot_production_id", "cost_snapshot", ["production_id"])


def downgrade() -> None:
    for table in ("cost_snapshot", "etc_override", "invoice", "purchase_order", "vendor", "time_entry"):
        op.drop_table(table)
