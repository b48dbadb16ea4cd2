"""Who may sign in and what they may do: users, memberships by role, API tokens, web sessions.

Review (approval requests), shared items and background jobs live in model/review.py and
model/jobs.py; they are re-exported here so the model package registers them with one import.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from postprod.model.base import Base, TimestampMixin, str_enum, utcnow
from postprod.model.jobs import Job, JobStatus
from postprod.model.review import ApprovalDecision, ApprovalRequest, ApprovalReview, ApprovalStatus, SharedItem


class Role(enum.StrEnum):
    """What a member does in a production; model/users' permission table keys on it."""

    SUPERVISOR = "supervisor"
    PRODUCTION_DIRECTOR = "production-director"
    DEPARTMENT_LEAD = "department-lead"
    TECHNICIAN = "technician"
    CLIENT = "client"


class User(TimestampMixin, Base):
    """Someone who signs in to the web app or the API."""

    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(255), default="")
    language: Mapped[str] = mapped_column(String(8), default="en")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # A site administrator may do everything everywhere (creates users and productions).
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="Membership.id"
    )

    @property
    def name(self) -> str:
        return self.display_name or self.username


class Membership(Base):
    """A user's role in one production (a department lead names the department, a technician their Person)."""

    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("user_id", "production_id", "role", "department_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    production_id: Mapped[int] = mapped_column(ForeignKey("production.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(str_enum(Role))
    department_code: Mapped[str] = mapped_column(String(64), default="")
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)

    user: Mapped[User] = relationship(back_populates="memberships")

    @property
    def audit_production_id(self) -> int:
        return self.production_id

    @property
    def label(self) -> str:
        return f"{self.user.username}: {self.role.value}" + (f" {self.department_code}" if self.department_code else "")


class ApiToken(Base):
    """A bearer token for scripts; only its SHA-256 is kept, the token is shown once."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship()


class WebSession(Base):
    """A signed-in browser: the cookie's SHA-256, its CSRF token and when it expires."""

    __tablename__ = "web_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    session_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship()


class SignInFailure(Base):
    """Failed sign-ins of one account or one client address: how many lately, and until when the next is refused."""

    __tablename__ = "sign_in_failure"

    # "user:<username>" or "addr:<address>" (an IPv6 address counts by its /64 network).
    key: Mapped[str] = mapped_column(String(160), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    blocked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


__all__ = [
    "ApiToken",
    "ApprovalDecision",
    "ApprovalRequest",
    "ApprovalReview",
    "ApprovalStatus",
    "Job",
    "JobStatus",
    "Membership",
    "Role",
    "SharedItem",
    "SignInFailure",
    "User",
    "WebSession",
]


class CalendarFeed(Base):
    """A private, read-only iCalendar subscription of one user to a production's plan: the whole
    production, one person's tasks or one room's. Only the token's SHA-256 is kept; deleting the row
    revokes the address."""

    __tablename__ = "calendar_feed"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    production_id: Mapped[int] = mapped_column(ForeignKey("production.id", ondelete="CASCADE"), index=True)
    scope: Mapped[str] = mapped_column(String(16))  # "production", "person" or "room"
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    room_id: Mapped[int | None] = mapped_column(ForeignKey("room.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship()
