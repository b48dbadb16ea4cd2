"""Stored plans of a production (current, baseline, what-if scenarios) and where each task landed."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from postprod.model.base import Base, str_enum, utcnow


class PlanKind(enum.StrEnum):
    """What a stored plan is for: the live plan, the frozen reference, or a what-if beside them."""

    BASELINE = "baseline"
    CURRENT = "current"
    SCENARIO = "scenario"


class Plan(Base):
    """One solved schedule of a production; the newest plan of a kind is the one in force."""

    __tablename__ = "plan"
    __table_args__ = (Index("ix_plan_production_kind", "production_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    production_id: Mapped[int] = mapped_column(ForeignKey("production.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[PlanKind] = mapped_column(str_enum(PlanKind, 16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(120), default="")
    solver: Mapped[str] = mapped_column(String(32), default="")
    time_limit: Mapped[float] = mapped_column(Float, default=0.0)
    start_date: Mapped[date] = mapped_column(Date)
    today: Mapped[date] = mapped_column(Date)
    makespan: Mapped[int] = mapped_column(Integer, default=0)
    end_date: Mapped[date] = mapped_column(Date)
    delivery_date: Mapped[date | None] = mapped_column(Date)
    lower_bound: Mapped[int] = mapped_column(Integer, default=0)
    optimal: Mapped[bool] = mapped_column(default=False)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    incident: Mapped[str] = mapped_column(Text, default="")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("plan.id", ondelete="SET NULL"))
    critical_path: Mapped[list[str]] = mapped_column(JSON, default=list)
    late: Mapped[list[str]] = mapped_column(JSON, default=list)
    warnings: Mapped[list[str]] = mapped_column(JSON, default=list)
    # What moved against the parent plan: [{"task", "old_start", "new_start", "days"}].
    moves: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # A scenario's incidents as data (services/planning.incidents_dict), so adopting it records them.
    incidents: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    tasks: Mapped[list[PlanTask]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", passive_deletes=True, order_by="PlanTask.start"
    )

    @property
    def audit_production_id(self) -> int:
        return self.production_id


class PlanTask(Base):
    """Where one task sits in a plan: dates, people and room, slack and flags (one row per task)."""

    __tablename__ = "plan_task"
    __table_args__ = (Index("ix_plan_task_plan_start", "plan_id", "start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"))
    # None for a task that exists only in a what-if scenario; its key is always kept.
    task_id: Mapped[int | None] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"), index=True)
    task_key: Mapped[str] = mapped_column(String(64))
    start: Mapped[date] = mapped_column(Date)
    finish: Mapped[date] = mapped_column(Date)
    work_days: Mapped[int] = mapped_column(Integer)
    person_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    room_id: Mapped[int | None] = mapped_column(ForeignKey("room.id", ondelete="SET NULL"))
    slack: Mapped[int] = mapped_column(Integer, default=0)
    critical: Mapped[bool] = mapped_column(default=False)
    late_days: Mapped[int] = mapped_column(Integer, default=0)
    fixed: Mapped[bool] = mapped_column(default=False)

    plan: Mapped[Plan] = relationship(back_populates="tasks")

    @property
    def late(self) -> bool:
        return self.late_days > 0

    @property
    def audit_production_id(self) -> int:
        return self.plan.production_id
