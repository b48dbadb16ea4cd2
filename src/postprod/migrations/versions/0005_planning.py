"""Planning: stored plans (current, baseline, what-if scenarios) and their per-task rows.

Revision ID: 0005
Revises: 0002
Create Date: 2026-11-27 08:04:38.594735
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("production_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("baseline", "current", "scenario", name="plankind", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("solver", sa.String(length=32), nullable=False),
        sa.Column("time_limit", sa.Float(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("today", sa.Date(), nullable=False),
        sa.Column("makespan", sa.Integer(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("delivery_date", sa.Date(), nullable=True),
        sa.Column("lower_bound", sa.Integer(), nullable=False),
        sa.Column("optimal", sa.Boolean(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("incident", sa.Text(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("critical_path", sa.JSON(), nullable=False),
        sa.Column("late", sa.JSON(), nullable=False),
        sa.Column("warnings", sa.JSON(), nullable=False),
        sa.Column("moves", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["parent_id"], ["plan.id"], name=op.f("fk_plan_parent_id_plan"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(
            ["production_id"], ["production.id"], name=op.f("fk_plan_production_id_production"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan")),
    )
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_plan_production_id"), ["production_id"], unique=False)
        batch_op.create_index("ix_plan_production_kind", ["production_id", "kind"], unique=False)

    op.create_table(
        "plan_task",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("task_key", sa.String(length=64), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("finish", sa.Date(), nullable=False),
        sa.Column("work_days", sa.Integer(), nullable=False),
        sa.Column("person_ids", sa.JSON(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=True),
        sa.Column("slack", sa.Integer(), nullable=False),
        sa.Column("critical", sa.Boolean(), nullable=False),
        sa.Column("late_days", sa.Integer(), nullable=False),
        sa.Column("fixed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["plan.id"], name=op.f("fk_plan_task_plan_id_plan"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["room_id"], ["room.id"], name=op.f("fk_plan_task_room_id_room"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["task_id"], ["task.id"], name=op.f("fk_plan_task_task_id_task"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_task")),
    )
    with op.batch_alter_table("plan_task", schema=None) as batch_op:
        batch_op.create_index("ix_plan_task_plan_start", ["plan_id", "start"], unique=False)
        batch_op.create_index(batch_op.f("ix_plan_task_task_id"), ["task_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("plan_task", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_plan_task_task_id"))
        batch_op.drop_index("ix_plan_task_plan_start")

    op.drop_table("plan_task")
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.drop_index("ix_plan_production_kind")
        batch_op.drop_index(batch_op.f("ix_plan_production_id"))

    op.drop_table("plan")
