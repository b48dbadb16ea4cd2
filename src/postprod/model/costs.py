"""What the post costs as it goes: time entries, vendors, purchase orders, invoices, forecast overrides, snapshots.

Money is `Numeric`, never a float. An invoice is net of VAT (HT) with its VAT apart. A purchase
order is a commitment until invoiced or closed. A weekly snapshot freezes the cost report as it was,
so that the trend of the estimate at completion can be drawn and no past report changes.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from postprod.model.base import Base, TimestampMixin, str_enum, utcnow


class TimeEntry(TimestampMixin, Base):
    """Days (or part of one) a person worked on a task, logged by them or for them."""

    __tablename__ = "time_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    production_id: Mapped[int] = mapped_column(ForeignKey("production.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("task.id", ondelete="SET NULL"), index=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    days: Mapped[Decimal] = mapped_column(Numeric(6, 3))  # 1 = a full working day; hours are converted
    note: Mapped[str] = mapped_column(Text, default="")
    logged_by: Mapped[str] = mapped_column(String(120), default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    @property
    def audit_production_id(self) -> int:
        return self.production_id


class Vendor(Base):
    """A supplier: a VFX house, a lab, a mix stage, a dubbing studio, a freelancer's company."""

    __tablename__ = "vendor"
    __table_args__ = (UniqueConstraint("production_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    production_id: Mapped[int] = mapped_column(ForeignKey("production.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(200), default="")
    vat_number: Mapped[str] = mapped_column(String(32), default="")
    country: Mapped[str] = mapped_column(String(2), default="")  # ISO 3166: where the work is done

    @property
    def audit_production_id(self) -> int:
        return self.production_id


class OrderStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"  # nothing more will be invoiced: no longer a commitment
    CANCELLED = "cancelled"


class PurchaseOrder(TimestampMixin, Base):
    """A purchase order (bon de commande) or accepted quote: money committed to an account."""

    __tablename__ = "purchase_order"
    __table_args__ = (UniqueConstraint("production_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    production_id: Mapped[int] = mapped_column(ForeignKey("production.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(32))
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendor.id", ondelete="RESTRICT"), index=True)
    account: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text, default="")
    amount: Mapped[Decimal] = mapped_column(Numeric(16, 2))  # net of VAT, in `currency`
    currency: Mapped[str] = mapped_column(String(3))
    issued: Mapped[date] = mapped_column(Date)
    status: Mapped[OrderStatus] = mapped_column(str_enum(OrderStatus, 16), default=OrderStatus.OPEN)
    version: Mapped[int] = mapped_column(Integer, default=1)

    vendor: Mapped[Vendor] = relationship()
    invoices: Mapped[list[Invoice]] = relationship(back_populates="order")

    __mapper_args__ = {"version_id_col": version}

    @property
    def audit_production_id(self) -> int:
        return self.production_id


class Invoice(TimestampMixin, Base):
    """A vendor's invoice, against a purchase order or straight to an account: net, VAT, paid or not."""

    __tablename__ = "invoice"
    __table_args__ = (UniqueConstraint("production_id", "vendor_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    production_id: Mapped[int] = mapped_column(ForeignKey("production.id", ondelete="CASCADE"), index=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendor.id", ondelete="RESTRICT"), index=True)
    number: Mapped[str] = mapped_column(String(64))  # the vendor's number
    order_id: Mapped[int | None] = mapped_column(ForeignKey("purchase_order.id", ondelete="RESTRICT"), index=True)
    account: Mapped[str] = mapped_column(String(16))
    day: Mapped[date] = mapped_column(Date, index=True)
    net: Mapped[Decimal] = mapped_column(Numeric(16, 2))  # HT, in `currency`
    vat: Mapped[Decimal] = mapped_column(Numeric(16, 2), default=Decimal(0))
    currency: Mapped[str] = mapped_column(String(3))
    paid: Mapped[bool] = mapped_column(Boolean, default=False)
    paid_on: Mapped[date | None] = mapped_column(Date)
    overrun_note: Mapped[str] = mapped_column(Text, default="")  # why it may exceed its order
    version: Mapped[int] = mapped_column(Integer, default=1)

    vendor: Mapped[Vendor] = relationship()
    order: Mapped[PurchaseOrder | None] = relationship(back_populates="invoices")

    __mapper_args__ = {"version_id_col": version}

    @property
    def audit_production_id(self) -> int:
        return self.production_id


class EtcOverride(Base):
    """An estimate to complete set by hand for an account, with the note that says why."""

    __tablename__ = "etc_override"
    __table_args__ = (UniqueConstraint("production_id", "account"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    production_id: Mapped[int] = mapped_column(ForeignKey("production.id", ondelete="CASCADE"), index=True)
    account: Mapped[str] = mapped_column(String(16))
    amount: Mapped[Decimal] = mapped_column(Numeric(16, 2))
    note: Mapped[str] = mapped_column(Text)
    set_by: Mapped[str] = mapped_column(String(120), default="")
    set_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @property
    def audit_production_id(self) -> int:
        return self.production_id


class CostSnapshot(Base):
    """The cost report frozen as of a date (each Monday, or on demand): the trend's points."""

    __tablename__ = "cost_snapshot"
    __table_args__ = (UniqueConstraint("production_id", "as_of"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    production_id: Mapped[int] = mapped_column(ForeignKey("production.id", ondelete="CASCADE"), index=True)
    as_of: Mapped[date] = mapped_column(Date)
    taken_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    taken_by: Mapped[str] = mapped_column(String(120), default="")
    report: Mapped[dict[str, Any]] = mapped_column(JSON)
