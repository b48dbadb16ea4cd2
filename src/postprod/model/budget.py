"""The production's budget: its accounts (copied from a chart), fringe groups, and budget versions of lines.

Money is `Numeric` (never a float) and travels as `Decimal`. A version is a draft until locked; a
locked version never changes (services/budget refuses the edit); a revision is a new version made
from another, with its reason. Every class here is in the audit trail, whose money the gate
(services/money.MONEY_ENTITIES) keeps from roles without the budget right.
"""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from postprod.model.base import Base, TimestampMixin, str_enum


class BudgetChapter(Base):
    """A chapter of the production's chart (CNC devis chapter, or a Movie Magic account group)."""

    __tablename__ = "budget_chapter"
    __table_args__ = (UniqueConstraint("production_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    production_id: Mapped[int] = mapped_column(ForeignKey("production.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)

    @property
    def audit_production_id(self) -> int:
        return self.production_id


class BudgetAccount(Base):
    """An account of the production's chart; lines are booked to it by code."""

    __tablename__ = "budget_account"
    __table_args__ = (UniqueConstraint("production_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    production_id: Mapped[int] = mapped_column(ForeignKey("production.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    chapter: Mapped[str] = mapped_column(String(16))  # the chapter's code
    department: Mapped[str | None] = mapped_column(String(64))
    resource: Mapped[str | None] = mapped_column(String(8))  # "person" or "room": days the plan schedules
    position: Mapped[int] = mapped_column(Integer, default=0)

    @property
    def audit_production_id(self) -> int:
        return self.production_id


class FringeGroup(Base):
    """Charges sociales: a percentage on the lines of the group (intermittents, permanents...)."""

    __tablename__ = "fringe_group"
    __table_args__ = (UniqueConstraint("production_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    production_id: Mapped[int] = mapped_column(ForeignKey("production.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    percent: Mapped[Decimal] = mapped_column(Numeric(7, 3))

    @property
    def audit_production_id(self) -> int:
        return self.production_id


class BudgetStatus(enum.StrEnum):
    DRAFT = "draft"
    LOCKED = "locked"


class BudgetVersion(TimestampMixin, Base):
    """A version of the budget: the original once locked, then revisions, each with its reason."""

    __tablename__ = "budget_version"
    __table_args__ = (UniqueConstraint("production_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    production_id: Mapped[int] = mapped_column(ForeignKey("production.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[BudgetStatus] = mapped_column(str_enum(BudgetStatus, 16), default=BudgetStatus.DRAFT)
    reason: Mapped[str] = mapped_column(Text, default="")  # why this revision
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("budget_version.id", ondelete="SET NULL"))
    currency: Mapped[str] = mapped_column(String(3))
    # Exchange rates fixed for the version: {"GBP": "1.1725"} (one pound in the version's currency).
    rates: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    created_by: Mapped[str] = mapped_column(String(120), default="")
    locked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    locked_by: Mapped[str] = mapped_column(String(120), default="")
    # Frozen at lock: the fringe percentages it was computed with, and its totals per account
    # ({"fringes": {"intermittents": "65"}, "accounts": {"2.10": "27225.00"}, "total": "..."}), so
    # that a locked version reads the same whatever later happens to the fringe groups.
    frozen: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, default=1)

    lines: Mapped[list[BudgetLine]] = relationship(
        back_populates="budget", cascade="all, delete-orphan", order_by="(BudgetLine.position, BudgetLine.id)"
    )
    percent_lines: Mapped[list[BudgetPercentLine]] = relationship(
        back_populates="budget", cascade="all, delete-orphan", order_by="BudgetPercentLine.position"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def audit_production_id(self) -> int:
        return self.production_id


class BudgetLine(Base):
    """A line of a version: quantity x rate in a currency, booked to an account, with its fringe and VAT."""

    __tablename__ = "budget_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    production_id: Mapped[int] = mapped_column(ForeignKey("production.id", ondelete="CASCADE"), index=True)
    budget_id: Mapped[int] = mapped_column(ForeignKey("budget_version.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    account: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(String(500), default="")
    quantity: Mapped[Decimal] = mapped_column(Numeric(14, 3))
    unit: Mapped[str] = mapped_column(String(16), default="flat")
    rate: Mapped[Decimal] = mapped_column(Numeric(16, 4))
    currency: Mapped[str] = mapped_column(String(3))
    fringe: Mapped[str | None] = mapped_column(String(64))
    vat_rate: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal(0))
    tax_credit: Mapped[str | None] = mapped_column(String(32))
    in_france: Mapped[bool] = mapped_column(Boolean, default=True)
    # What the line pays for, when postprod knows it: ("person", id), ("room", id), ("task", id),
    # ("vfx_shot", id), ("deliverable", id)...
    link_type: Mapped[str | None] = mapped_column(String(32))
    link_id: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")

    budget: Mapped[BudgetVersion] = relationship(back_populates="lines")

    @property
    def audit_production_id(self) -> int:
        return self.production_id


class BudgetPercentLine(Base):
    """A percentage of a total: contingency (imprévus), overhead (frais généraux), insurance, bond."""

    __tablename__ = "budget_percent_line"
    __table_args__ = (UniqueConstraint("budget_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    production_id: Mapped[int] = mapped_column(ForeignKey("production.id", ondelete="CASCADE"), index=True)
    budget_id: Mapped[int] = mapped_column(ForeignKey("budget_version.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(120))
    account: Mapped[str] = mapped_column(String(16))
    percent: Mapped[Decimal] = mapped_column(Numeric(7, 3))
    on: Mapped[list[str] | None] = mapped_column(JSON)  # account or chapter codes; None: every account
    excluding: Mapped[list[str]] = mapped_column(JSON, default=list)
    includes: Mapped[list[str]] = mapped_column(JSON, default=list)  # other percentage lines in its base

    budget: Mapped[BudgetVersion] = relationship(back_populates="percent_lines")

    @property
    def audit_production_id(self) -> int:
        return self.production_id
