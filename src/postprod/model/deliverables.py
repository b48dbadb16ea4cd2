"""Deliverables owed at the end, each with its spec, and the QC runs made on their files."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from postprod.model.base import Base, TimestampMixin, str_enum, utcnow


class DeliverableStatus(enum.StrEnum):
    """Where a deliverable stands; a failed QC run sends it back to "fix"."""

    PENDING = "pending"
    IN_QC = "in-qc"
    FIX = "fix"
    QC_PASSED = "qc-passed"
    APPROVED = "approved"
    DELIVERED = "delivered"


class Deliverable(TimestampMixin, Base):
    """An item owed at delivery (master, stems, M&E, DCP, subtitles...), checked against a spec."""

    __tablename__ = "deliverable"
    __table_args__ = (UniqueConstraint("production_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    production_id: Mapped[int] = mapped_column(ForeignKey("production.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    spec: Mapped[str | None] = mapped_column(String(500))  # a built-in spec's name, or the name of its own
    spec_text: Mapped[str | None] = mapped_column(Text)  # the TOML of the production's own spec (never a path)
    due_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[DeliverableStatus] = mapped_column(str_enum(DeliverableStatus), default=DeliverableStatus.PENDING)
    file_path: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    # The language of a subtitle or dubbed deliverable: it links it to that language's dubbing and
    # subtitling work (the DubbingVersion and the tasks of the same language).
    language: Mapped[str | None] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer, default=1)

    runs: Mapped[list[QcRun]] = relationship(
        back_populates="deliverable", cascade="all, delete-orphan", order_by="QcRun.id"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def audit_production_id(self) -> int:
        return self.production_id


class QcRun(Base):
    """One QC run of a deliverable's file against its spec, with the findings that made it fail."""

    __tablename__ = "qc_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    production_id: Mapped[int] = mapped_column(ForeignKey("production.id", ondelete="CASCADE"), index=True)
    deliverable_id: Mapped[int] = mapped_column(ForeignKey("deliverable.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(120), default="")
    file_path: Mapped[str] = mapped_column(Text)
    spec: Mapped[str] = mapped_column(String(500))
    result: Mapped[str] = mapped_column(String(16))  # pass, fail or error
    error: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    clauses: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    deliverable: Mapped[Deliverable] = relationship(back_populates="runs")
    findings: Mapped[list[QcFinding]] = relationship(
        back_populates="run", cascade="all, delete-orphan", order_by="QcFinding.id"
    )

    @property
    def audit_production_id(self) -> int:
        return self.production_id


class QcFinding(Base):
    """A finding of a failed clause: kind, frames and timecodes, stream and channel."""

    __tablename__ = "qc_finding"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("qc_run.id", ondelete="CASCADE"), index=True)
    clause: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    start_frame: Mapped[int | None] = mapped_column(Integer)
    end_frame: Mapped[int | None] = mapped_column(Integer)
    start_tc: Mapped[str | None] = mapped_column(String(16))
    end_tc: Mapped[str | None] = mapped_column(String(16))
    stream: Mapped[int | None] = mapped_column(Integer)
    channel: Mapped[str | None] = mapped_column(String(16))  # the channel's name: L, R, C, LFE, Ls, Rs...
    message: Mapped[str] = mapped_column(Text, default="")

    run: Mapped[QcRun] = relationship(back_populates="findings")
