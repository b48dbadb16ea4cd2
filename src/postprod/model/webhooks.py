"""Webhooks: the production's changes POSTed, signed, to another tool's URL.

Not audited on purpose: a hook's delivery state changes at every delivery (it would feed itself),
and its secret must not be copied into the audit trail.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from postprod.model.base import Base, utcnow


class Webhook(Base):
    """A subscriber: where to POST the production's changes, the secret that signs them, how far it has got."""

    __tablename__ = "webhook"

    id: Mapped[int] = mapped_column(primary_key=True)
    production_id: Mapped[int] = mapped_column(ForeignKey("production.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str] = mapped_column(String(128))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    cursor: Mapped[int] = mapped_column(Integer, default=0)  # the last audit entry delivered (or passed over)
    failures: Mapped[int] = mapped_column(Integer, default=0)  # deliveries failed in a row
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str] = mapped_column(Text, default="")
    last_delivery_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    delivered: Mapped[int] = mapped_column(Integer, default=0)  # changes delivered so far
    created_by: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
