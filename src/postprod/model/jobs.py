"""Long work done off the request path (imports, exports, QC, cut imports) and its progress."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from postprod.model.base import Base, str_enum, utcnow


class JobStatus(enum.StrEnum):
    """A job's life: queued, running, then done or failed."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Job(Base):
    """One piece of long work, its progress (0..1), its result or its one-line error."""

    __tablename__ = "job"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    status: Mapped[JobStatus] = mapped_column(str_enum(JobStatus), default=JobStatus.QUEUED, index=True)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str] = mapped_column(Text, default="")
    # A done job's output; a failed one's error kept as data ({"error": errors.PostprodError.record()}) for
    # the pages to say in their reader's language (jobs/runner.py kept_error).
    result: Mapped[Any | None] = mapped_column(JSON)
    params: Mapped[Any | None] = mapped_column(JSON)  # what the work needs, for whichever worker runs it
    production_id: Mapped[int | None] = mapped_column(ForeignKey("production.id", ondelete="SET NULL"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # last sign of life while running
