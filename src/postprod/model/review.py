"""Review and approval of tasks, deliverables and register items; items shared with clients."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from postprod.model.base import Base, str_enum, utcnow


class ApprovalStatus(enum.StrEnum):
    """Where a request for approval stands."""

    PENDING = "pending"
    APPROVED = "approved"
    CHANGES_REQUESTED = "changes-requested"
    CANCELLED = "cancelled"


class ApprovalDecision(enum.StrEnum):
    """One reviewer's answer."""

    PENDING = "pending"
    APPROVED = "approved"
    CHANGES_REQUESTED = "changes-requested"


class ApprovalRequest(Base):
    """An item sent to named people for approval."""

    __tablename__ = "approval_request"
    __table_args__ = (Index("ix_approval_target", "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    production_id: Mapped[int] = mapped_column(ForeignKey("production.id", ondelete="CASCADE"), index=True)
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(200), default="")
    message: Mapped[str] = mapped_column(Text, default="")
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"))
    status: Mapped[ApprovalStatus] = mapped_column(str_enum(ApprovalStatus), default=ApprovalStatus.PENDING)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    reviews: Mapped[list[ApprovalReview]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="ApprovalReview.id"
    )

    @property
    def audit_production_id(self) -> int:
        return self.production_id


class ApprovalReview(Base):
    """A named reviewer's decision on a request, with a note."""

    __tablename__ = "approval_review"
    __table_args__ = (UniqueConstraint("request_id", "reviewer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("approval_request.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    decision: Mapped[ApprovalDecision] = mapped_column(str_enum(ApprovalDecision), default=ApprovalDecision.PENDING)
    note: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    request: Mapped[ApprovalRequest] = relationship(back_populates="reviews")

    @property
    def audit_production_id(self) -> int:
        return self.request.production_id

    @property
    def label(self) -> str:
        return self.request.label


class SharedItem(Base):
    """An item a production shows to its clients (read-only)."""

    __tablename__ = "shared_item"
    __table_args__ = (UniqueConstraint("production_id", "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    production_id: Mapped[int] = mapped_column(ForeignKey("production.id", ondelete="CASCADE"), index=True)
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @property
    def audit_production_id(self) -> int:
        return self.production_id
