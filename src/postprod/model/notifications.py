"""Notifications: something that happened that one user should know of (services/notifications.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from postprod.model.base import Base, utcnow


class Notification(Base):
    """One thing for one user to see: an approval asked of them, their task changed, their tasks moved by a
    replan, a failed QC, a mention."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_user_read", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    production_id: Mapped[int] = mapped_column(ForeignKey("production.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # approval_asked, task_changed, plan_moved, qc_failed, mention
    actor: Mapped[str] = mapped_column(String(120), default="")  # the username of who did it
    item_type: Mapped[str] = mapped_column(String(32), default="")  # where it links: an item kind, "approval"
    item_ref: Mapped[str] = mapped_column(String(200), default="")
    label: Mapped[str] = mapped_column(String(300), default="")  # the item's key or name
    detail: Mapped[str] = mapped_column(String(300), default="")  # a new status, a note's first words
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
