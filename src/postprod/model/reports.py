"""Issued weekly reports: frozen, so that last month's report reads the same next year (services/weekly_report.py).

A report's header (week, revision, who issued it, the supervisor's paragraph) is audited like any
item, so its issue reaches the history, the event stream and the webhooks; its content (the data
as JSON, which holds money, and the PDF) lives apart and never enters the audit trail.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from postprod.model.base import Base, utcnow


class WeeklyReport(Base):
    """One issue of the weekly report of a production: a week and its revision (1, 2... on each re-issue)."""

    __tablename__ = "weekly_report"
    __table_args__ = (UniqueConstraint("production_id", "week", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    production_id: Mapped[int] = mapped_column(ForeignKey("production.id", ondelete="CASCADE"), index=True)
    week: Mapped[str] = mapped_column(String(8))  # ISO week, 2027-W05
    revision: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(8))  # red, amber, green
    language: Mapped[str] = mapped_column(String(8))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    issued_by: Mapped[str] = mapped_column(String(120), default="")
    paragraph: Mapped[str] = mapped_column(Text, default="")
    label: Mapped[str] = mapped_column(String(40), default="")  # "2027-W05 rev 2", for the history
    content: Mapped[WeeklyReportContent] = relationship(
        back_populates="report", uselist=False, cascade="all, delete-orphan", lazy="select"
    )

    @property
    def audit_production_id(self) -> int:
        return self.production_id


class WeeklyReportContent(Base):
    """What an issued report showed, frozen: its data (money included) and its PDF."""

    __tablename__ = "weekly_report_content"

    report_id: Mapped[int] = mapped_column(ForeignKey("weekly_report.id", ondelete="CASCADE"), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    report: Mapped[WeeklyReport] = relationship(back_populates="content")
