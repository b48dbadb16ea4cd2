"""People, rooms, their working calendars and absences."""

from __future__ import annotations

import enum
from datetime import date, time
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Numeric, String, Text, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from postprod.model.base import Base, TimestampMixin, str_enum

if TYPE_CHECKING:
    from postprod.model.production import Production


class RoomKind(enum.StrEnum):
    """The bookable facilities of post-production."""

    EDIT_SUITE = "edit-suite"
    GRADING_SUITE = "grading-suite"
    MIX_STAGE = "mix-stage"
    ADR_STAGE = "adr-stage"
    FOLEY_STAGE = "foley-stage"
    SCREENING_ROOM = "screening-room"
    MACHINE_ROOM = "machine-room"


class Calendar(Base):
    """Working days and hours with public holidays; people and rooms follow one."""

    __tablename__ = "calendar"
    __table_args__ = (UniqueConstraint("production_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    production_id: Mapped[int] = mapped_column(ForeignKey("production.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    # ISO weekdays worked: 1 = Monday ... 7 = Sunday.
    work_days: Mapped[list[int]] = mapped_column(JSON, default=lambda: [1, 2, 3, 4, 5])
    day_start: Mapped[time] = mapped_column(Time, default=time(9, 0))
    day_end: Mapped[time] = mapped_column(Time, default=time(18, 0))
    is_default: Mapped[bool] = mapped_column(default=False)

    production: Mapped[Production] = relationship(back_populates="calendars", foreign_keys=[production_id])
    holidays: Mapped[list[Holiday]] = relationship(
        back_populates="calendar", cascade="all, delete-orphan", order_by="Holiday.day"
    )

    @property
    def hours_per_day(self) -> float:
        start = self.day_start.hour + self.day_start.minute / 60
        end = self.day_end.hour + self.day_end.minute / 60
        return end - start

    @property
    def audit_production_id(self) -> int:
        return self.production_id


class Holiday(Base):
    """A public holiday (or studio closure) in a calendar."""

    __tablename__ = "holiday"
    __table_args__ = (UniqueConstraint("calendar_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    calendar_id: Mapped[int] = mapped_column(ForeignKey("calendar.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(120), default="")

    calendar: Mapped[Calendar] = relationship(back_populates="holidays")


class Person(TimestampMixin, Base):
    """A member of the post crew, with skills, rate and calendar."""

    __tablename__ = "person"
    __table_args__ = (UniqueConstraint("production_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    production_id: Mapped[int] = mapped_column(ForeignKey("production.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(120), default="")
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    day_rate: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    email: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(64), default="")
    calendar_id: Mapped[int | None] = mapped_column(ForeignKey("calendar.id", ondelete="SET NULL"))

    production: Mapped[Production] = relationship(back_populates="people")
    calendar: Mapped[Calendar | None] = relationship()
    absences: Mapped[list[Absence]] = relationship(
        back_populates="person", cascade="all, delete-orphan", order_by="Absence.start"
    )

    @property
    def audit_production_id(self) -> int:
        return self.production_id


class Room(TimestampMixin, Base):
    """A bookable facility: edit suite, grading suite, mix stage..."""

    __tablename__ = "room"
    __table_args__ = (UniqueConstraint("production_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    production_id: Mapped[int] = mapped_column(ForeignKey("production.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[RoomKind] = mapped_column(str_enum(RoomKind))
    day_rate: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    location: Mapped[str] = mapped_column(String(200), default="")
    calendar_id: Mapped[int | None] = mapped_column(ForeignKey("calendar.id", ondelete="SET NULL"))

    production: Mapped[Production] = relationship(back_populates="rooms")
    calendar: Mapped[Calendar | None] = relationship()
    absences: Mapped[list[Absence]] = relationship(
        back_populates="room", cascade="all, delete-orphan", order_by="Absence.start"
    )

    @property
    def audit_production_id(self) -> int:
        return self.production_id


class Absence(Base):
    """A person away or a room unavailable, from start to end inclusive."""

    __tablename__ = "absence"
    __table_args__ = (
        CheckConstraint("(person_id IS NULL) <> (room_id IS NULL)", name="one_owner"),
        CheckConstraint('start <= "end"', name="ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    production_id: Mapped[int] = mapped_column(ForeignKey("production.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    room_id: Mapped[int | None] = mapped_column(ForeignKey("room.id", ondelete="CASCADE"), index=True)
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, default="")

    person: Mapped[Person | None] = relationship(back_populates="absences")
    room: Mapped[Room | None] = relationship(back_populates="absences")

    @property
    def audit_production_id(self) -> int:
        return self.production_id
