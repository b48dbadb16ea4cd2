"""Productions, their departments and delivery dates."""

from __future__ import annotations

import enum
from datetime import date
from fractions import Fraction
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from postprod.model.base import Base, TimestampMixin, str_enum

if TYPE_CHECKING:
    from postprod.model.people import Calendar, Person, Room
    from postprod.model.tasks import Task


class ProductionKind(enum.StrEnum):
    """What is being finished; each kind has its template."""

    FEATURE_FILM = "feature-film"
    SERIES_EPISODE = "series-episode"
    DOCUMENTARY = "documentary"
    SHORT = "short"
    MUSIC_PROGRAMME = "music-programme"
    DISC_AUTHORING = "disc-authoring"


class ProductionStatus(enum.StrEnum):
    """Where the production stands as a whole."""

    PLANNING = "planning"
    IN_POST = "in-post"
    DELIVERING = "delivering"
    DELIVERED = "delivered"
    ON_HOLD = "on-hold"
    CANCELLED = "cancelled"


class DepartmentCode(enum.StrEnum):
    """The standard post departments; productions may add custom ones."""

    PICTURE_EDITING = "picture-editing"
    VFX = "vfx"
    SOUND_EDITING = "sound-editing"
    FOLEY = "foley"
    ADR = "adr"
    DUBBING = "dubbing"
    MUSIC = "music"
    MIXING = "mixing"
    GRADING = "grading"
    MASTERING = "mastering"
    DELIVERABLES = "deliverables"


STANDARD_DEPARTMENT_NAMES: dict[str, str] = {
    DepartmentCode.PICTURE_EDITING: "Picture editing",
    DepartmentCode.VFX: "VFX",
    DepartmentCode.SOUND_EDITING: "Sound editing",
    DepartmentCode.FOLEY: "Foley",
    DepartmentCode.ADR: "ADR",
    DepartmentCode.DUBBING: "Dubbing",
    DepartmentCode.MUSIC: "Music",
    DepartmentCode.MIXING: "Mixing",
    DepartmentCode.GRADING: "Grading",
    DepartmentCode.MASTERING: "Mastering",
    DepartmentCode.DELIVERABLES: "Deliverables",
}


class Production(TimestampMixin, Base):
    """A film, episode, documentary or programme in post-production."""

    __tablename__ = "production"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[ProductionKind] = mapped_column(str_enum(ProductionKind))
    template: Mapped[str | None] = mapped_column(String(64))
    runtime_minutes: Mapped[int] = mapped_column(Integer)
    fps_num: Mapped[int] = mapped_column(Integer)
    fps_den: Mapped[int] = mapped_column(Integer)
    record_start_tc: Mapped[str] = mapped_column(String(16), default="01:00:00:00")
    drop_frame: Mapped[bool] = mapped_column(default=False)
    original_language: Mapped[str] = mapped_column(String(16))
    dubbed_languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    start_date: Mapped[date] = mapped_column(Date)
    status: Mapped[ProductionStatus] = mapped_column(str_enum(ProductionStatus), default=ProductionStatus.PLANNING)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    description: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    departments: Mapped[list[Department]] = relationship(
        back_populates="production", cascade="all, delete-orphan", order_by="Department.position"
    )
    deliveries: Mapped[list[DeliveryDate]] = relationship(
        back_populates="production", cascade="all, delete-orphan", order_by="DeliveryDate.due"
    )
    tasks: Mapped[list[Task]] = relationship(back_populates="production", cascade="all, delete-orphan")
    people: Mapped[list[Person]] = relationship(back_populates="production", cascade="all, delete-orphan")
    rooms: Mapped[list[Room]] = relationship(back_populates="production", cascade="all, delete-orphan")
    calendars: Mapped[list[Calendar]] = relationship(
        back_populates="production", cascade="all, delete-orphan", foreign_keys="Calendar.production_id"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def fps(self) -> Fraction:
        """The frame rate as an exact rational."""
        return Fraction(self.fps_num, self.fps_den)

    @property
    def delivery_date(self) -> date | None:
        """The final (latest) delivery date."""
        return max((d.due for d in self.deliveries), default=None)

    @property
    def audit_production_id(self) -> int:
        return self.id


class Department(Base):
    """A department of the production (standard or custom)."""

    __tablename__ = "department"
    __table_args__ = (UniqueConstraint("production_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    production_id: Mapped[int] = mapped_column(ForeignKey("production.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(120))
    custom: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)

    production: Mapped[Production] = relationship(back_populates="departments")

    @property
    def audit_production_id(self) -> int:
        return self.production_id


class DeliveryDate(Base):
    """A dated delivery milestone (a production may owe several)."""

    __tablename__ = "delivery_date"
    __table_args__ = (UniqueConstraint("production_id", "label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    production_id: Mapped[int] = mapped_column(ForeignKey("production.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(120))
    due: Mapped[date] = mapped_column(Date)

    production: Mapped[Production] = relationship(back_populates="deliveries")

    @property
    def audit_production_id(self) -> int:
        return self.production_id
