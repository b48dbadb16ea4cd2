"""Tasks, their finish-to-start dependencies, assignees, and notes."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from postprod.model.base import Base, TimestampMixin, str_enum, utcnow
from postprod.model.people import RoomKind

if TYPE_CHECKING:
    from postprod.model.people import Person
    from postprod.model.production import Department, Production


class TaskStatus(enum.StrEnum):
    """The task workflow."""

    NOT_STARTED = "not-started"
    IN_PROGRESS = "in-progress"
    IN_REVIEW = "in-review"
    APPROVED = "approved"
    DONE = "done"
    RETAKE = "retake"
    ON_HOLD = "on-hold"


# Which status may follow which. A retake goes back to work; done can be reopened as a retake.
TRANSITIONS: dict[TaskStatus, frozenset[TaskStatus]] = {
    TaskStatus.NOT_STARTED: frozenset({TaskStatus.IN_PROGRESS, TaskStatus.ON_HOLD}),
    TaskStatus.IN_PROGRESS: frozenset({TaskStatus.IN_REVIEW, TaskStatus.DONE, TaskStatus.ON_HOLD}),
    TaskStatus.IN_REVIEW: frozenset({TaskStatus.APPROVED, TaskStatus.RETAKE, TaskStatus.IN_PROGRESS}),
    TaskStatus.APPROVED: frozenset({TaskStatus.DONE, TaskStatus.RETAKE}),
    TaskStatus.RETAKE: frozenset({TaskStatus.IN_PROGRESS, TaskStatus.ON_HOLD}),
    TaskStatus.ON_HOLD: frozenset({TaskStatus.NOT_STARTED, TaskStatus.IN_PROGRESS}),
    TaskStatus.DONE: frozenset({TaskStatus.RETAKE}),
}


class Task(TimestampMixin, Base):
    """A unit of post work in a department, with an estimate and a place in the plan."""

    __tablename__ = "task"
    __table_args__ = (
        UniqueConstraint("production_id", "key"),
        CheckConstraint("progress >= 0 AND progress <= 100", name="progress_range"),
        CheckConstraint("estimate_days >= 0", name="estimate_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    production_id: Mapped[int] = mapped_column(ForeignKey("production.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id", ondelete="RESTRICT"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    estimate_days: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    status: Mapped[TaskStatus] = mapped_column(str_enum(TaskStatus), default=TaskStatus.NOT_STARTED, index=True)
    required_skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    room_kind: Mapped[RoomKind | None] = mapped_column(str_enum(RoomKind))
    language: Mapped[str | None] = mapped_column(String(16))
    priority: Mapped[int] = mapped_column(Integer, default=3)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    due_date: Mapped[date | None] = mapped_column(Date)
    planned_start: Mapped[date | None] = mapped_column(Date)
    planned_finish: Mapped[date | None] = mapped_column(Date)
    # Set by the supervisor (the Gantt's drag, "start on"): the planner starts the task that day
    # until it starts for real; None lets the planner choose.
    pinned_start: Mapped[date | None] = mapped_column(Date)
    actual_start: Mapped[date | None] = mapped_column(Date)
    actual_finish: Mapped[date | None] = mapped_column(Date)
    position: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)

    production: Mapped[Production] = relationship(back_populates="tasks")
    department: Mapped[Department] = relationship()
    assignments: Mapped[list[TaskAssignment]] = relationship(
        back_populates="task", cascade="all, delete-orphan", order_by="TaskAssignment.id"
    )
    predecessors: Mapped[list[Dependency]] = relationship(
        back_populates="successor",
        cascade="all, delete-orphan",
        foreign_keys="Dependency.successor_id",
        order_by="Dependency.id",
    )
    successors: Mapped[list[Dependency]] = relationship(
        back_populates="predecessor",
        cascade="all, delete-orphan",
        foreign_keys="Dependency.predecessor_id",
        order_by="Dependency.id",
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def assignees(self) -> list[Person]:
        return [a.person for a in self.assignments]

    @property
    def audit_production_id(self) -> int:
        return self.production_id


class TaskAssignment(Base):
    """A person assigned to a task."""

    __tablename__ = "task_assignment"
    __table_args__ = (UniqueConstraint("task_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)

    task: Mapped[Task] = relationship(back_populates="assignments")
    person: Mapped[Person] = relationship()

    @property
    def audit_production_id(self) -> int:
        return self.task.production_id


class Dependency(Base):
    """Finish-to-start: the successor starts lag_days work days after the predecessor finishes."""

    __tablename__ = "dependency"
    __table_args__ = (
        UniqueConstraint("predecessor_id", "successor_id"),
        CheckConstraint("predecessor_id <> successor_id", name="not_self"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    predecessor_id: Mapped[int] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"), index=True)
    successor_id: Mapped[int] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"), index=True)
    lag_days: Mapped[int] = mapped_column(Integer, default=0)

    predecessor: Mapped[Task] = relationship(back_populates="successors", foreign_keys=[predecessor_id])
    successor: Mapped[Task] = relationship(back_populates="predecessors", foreign_keys=[successor_id])

    @property
    def audit_production_id(self) -> int:
        return self.successor.production_id


class Note(Base):
    """A note on any item (a task today; registers and deliverables later)."""

    __tablename__ = "note"

    id: Mapped[int] = mapped_column(primary_key=True)
    production_id: Mapped[int] = mapped_column(ForeignKey("production.id", ondelete="CASCADE"), index=True)
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[int] = mapped_column(Integer)
    author: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (Index("ix_note_target", "target_type", "target_id"),)

    @property
    def audit_production_id(self) -> int:
        return self.production_id
