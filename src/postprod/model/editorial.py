"""Cut versions of each reel and the departments' registers anchored to them (VFX, ADR, foley, music, dubbing).

Every register entry keeps its place in the cut as record frames (in exclusive of out, absolute
frames of the record timecode) relative to the cut version it is anchored to; importing a new
version of the reel carries the entries and flags for review the ones a recut touched.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from postprod.model.base import Base, TimestampMixin, str_enum, utcnow

if TYPE_CHECKING:
    from postprod.model.people import Person


class CutVersion(Base):
    """One imported version of a reel: its rate, counts and the change list from the previous version."""

    __tablename__ = "cut_version"
    __table_args__ = (UniqueConstraint("production_id", "reel", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    production_id: Mapped[int] = mapped_column(ForeignKey("production.id", ondelete="CASCADE"), index=True)
    reel: Mapped[str] = mapped_column(String(64))
    number: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(200), default="")
    file_name: Mapped[str] = mapped_column(String(400), default="")
    file_format: Mapped[str] = mapped_column(String(16), default="")
    fps_num: Mapped[int] = mapped_column(Integer)
    fps_den: Mapped[int] = mapped_column(Integer)
    drop_frame: Mapped[bool] = mapped_column(default=False)
    event_count: Mapped[int] = mapped_column(Integer, default=0)
    record_start: Mapped[int] = mapped_column(Integer, default=0)
    record_end: Mapped[int] = mapped_column(Integer, default=0)
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("cut_version.id", ondelete="SET NULL"))
    # counts of the change list against the previous version, and of what carrying did to the registers
    change_summary: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    carry_summary: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    imported_by: Mapped[str] = mapped_column(String(120), default="")

    content: Mapped[CutVersionContent] = relationship(
        back_populates="cut_version", cascade="all, delete-orphan", uselist=False, lazy="raise"
    )

    @property
    def rate(self) -> Fraction:
        return Fraction(self.fps_num, self.fps_den)

    @property
    def name(self) -> str:
        return f"{self.reel} v{self.number}"

    @property
    def audit_production_id(self) -> int:
        return self.production_id


class CutVersionContent(Base):
    """The bulky part of a cut version (its events and full change list), kept out of the audit trail."""

    __tablename__ = "cut_version_content"

    cut_version_id: Mapped[int] = mapped_column(ForeignKey("cut_version.id", ondelete="CASCADE"), primary_key=True)
    events: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    markers: Mapped[list[Any]] = mapped_column(JSON, default=list)
    changes: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)

    cut_version: Mapped[CutVersion] = relationship(back_populates="content")


class RegisterMixin(TimestampMixin):
    """What every register entry has: status, who does it, dates, its place in the cut, a review flag."""

    id: Mapped[int] = mapped_column(primary_key=True)
    production_id: Mapped[int] = mapped_column(ForeignKey("production.id", ondelete="CASCADE"), index=True)
    reel: Mapped[str | None] = mapped_column(String(64))
    cut_version_id: Mapped[int | None] = mapped_column(ForeignKey("cut_version.id", ondelete="SET NULL"), index=True)
    record_in: Mapped[int | None] = mapped_column(Integer)
    record_out: Mapped[int | None] = mapped_column(Integer)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    vendor: Mapped[str] = mapped_column(String(120), default="")
    start_date: Mapped[date | None] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date)
    done_date: Mapped[date | None] = mapped_column(Date)
    review: Mapped[bool] = mapped_column(default=False, index=True)
    review_reason: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    @declared_attr
    def assignee(cls) -> Mapped[Person | None]:  # noqa: N805
        return relationship("Person", lazy="joined")

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:  # noqa: N805
        return {"version_id_col": cls.__table__.c.version}  # type: ignore[attr-defined]

    @property
    def audit_production_id(self) -> int:
        return self.production_id

    @property
    def duration(self) -> int | None:
        if self.record_in is None or self.record_out is None:
            return None
        return self.record_out - self.record_in


def _range_check() -> CheckConstraint:
    return CheckConstraint("record_out IS NULL OR record_in IS NULL OR record_out >= record_in", name="ordered")


class VfxStatus(enum.StrEnum):
    """A VFX shot from bid to final."""

    NOT_STARTED = "not-started"
    IN_PROGRESS = "in-progress"
    INTERNAL_REVIEW = "internal-review"
    CLIENT_REVIEW = "client-review"
    APPROVED = "approved"
    FINAL = "final"
    ON_HOLD = "on-hold"
    OMITTED = "omitted"


class AdrStatus(enum.StrEnum):
    """An ADR cue from spotting to the approved take."""

    SPOTTED = "spotted"
    SCHEDULED = "scheduled"
    RECORDED = "recorded"
    EDITED = "edited"
    APPROVED = "approved"
    RETAKE = "retake"
    OMITTED = "omitted"


class FoleyStatus(enum.StrEnum):
    """A foley cue from spotting to approval."""

    SPOTTED = "spotted"
    RECORDED = "recorded"
    EDITED = "edited"
    APPROVED = "approved"
    RETAKE = "retake"
    OMITTED = "omitted"


class MusicStatus(enum.StrEnum):
    """A music cue from spotting to cleared rights."""

    SPOTTED = "spotted"
    IN_PROGRESS = "in-progress"
    DELIVERED = "delivered"
    CLEARED = "cleared"
    OMITTED = "omitted"


class MusicUsage(enum.StrEnum):
    """How a cue is used, as cue sheets declare it."""

    BACKGROUND_INSTRUMENTAL = "background-instrumental"
    BACKGROUND_VOCAL = "background-vocal"
    VISUAL_INSTRUMENTAL = "visual-instrumental"
    VISUAL_VOCAL = "visual-vocal"
    MAIN_TITLE = "main-title"
    END_TITLE = "end-title"
    SOURCE = "source"


class DubbingStatus(enum.StrEnum):
    """A dubbed version as a whole."""

    NOT_STARTED = "not-started"
    IN_PROGRESS = "in-progress"
    DELIVERED = "delivered"
    ON_HOLD = "on-hold"
    CANCELLED = "cancelled"


class StepStatus(enum.StrEnum):
    """One step of a dubbed version."""

    NOT_STARTED = "not-started"
    IN_PROGRESS = "in-progress"
    DONE = "done"
    RETAKE = "retake"


# Which status may follow which, per register (any status may also stay as it is).
VFX_TRANSITIONS: dict[str, frozenset[str]] = {
    "not-started": frozenset({"in-progress", "on-hold", "omitted"}),
    "in-progress": frozenset({"internal-review", "client-review", "on-hold", "omitted"}),
    "internal-review": frozenset({"in-progress", "client-review", "omitted"}),
    "client-review": frozenset({"in-progress", "approved", "omitted"}),
    "approved": frozenset({"final", "in-progress"}),
    "final": frozenset({"in-progress"}),
    "on-hold": frozenset({"not-started", "in-progress", "omitted"}),
    "omitted": frozenset({"not-started"}),
}
ADR_TRANSITIONS: dict[str, frozenset[str]] = {
    "spotted": frozenset({"scheduled", "omitted"}),
    "scheduled": frozenset({"recorded", "spotted", "omitted"}),
    "recorded": frozenset({"edited", "approved", "retake"}),
    "edited": frozenset({"approved", "retake"}),
    "approved": frozenset({"retake"}),
    "retake": frozenset({"scheduled", "omitted"}),
    "omitted": frozenset({"spotted"}),
}
FOLEY_TRANSITIONS: dict[str, frozenset[str]] = {
    "spotted": frozenset({"recorded", "omitted"}),
    "recorded": frozenset({"edited", "approved", "retake"}),
    "edited": frozenset({"approved", "retake"}),
    "approved": frozenset({"retake"}),
    "retake": frozenset({"recorded", "omitted"}),
    "omitted": frozenset({"spotted"}),
}
MUSIC_TRANSITIONS: dict[str, frozenset[str]] = {
    "spotted": frozenset({"in-progress", "delivered", "omitted"}),
    "in-progress": frozenset({"delivered", "spotted", "omitted"}),
    "delivered": frozenset({"cleared", "in-progress", "omitted"}),
    "cleared": frozenset({"in-progress", "omitted"}),
    "omitted": frozenset({"spotted"}),
}
DUBBING_TRANSITIONS: dict[str, frozenset[str]] = {
    "not-started": frozenset({"in-progress", "on-hold", "cancelled"}),
    "in-progress": frozenset({"delivered", "on-hold", "cancelled"}),
    "delivered": frozenset({"in-progress"}),
    "on-hold": frozenset({"not-started", "in-progress", "cancelled"}),
    "cancelled": frozenset({"not-started"}),
}
DUBBING_STEPS: tuple[str, ...] = ("translation", "detection", "casting", "recording", "mix", "qc")


class VfxShot(RegisterMixin, Base):
    """A VFX shot: ID, vendor, bid, latest version and status, placed on the cut by its ID."""

    __tablename__ = "vfx_shot"
    __table_args__ = (UniqueConstraint("production_id", "shot_id"), _range_check())

    shot_id: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[VfxStatus] = mapped_column(str_enum(VfxStatus), default=VfxStatus.NOT_STARTED, index=True)
    bid_amount: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    bid_currency: Mapped[str] = mapped_column(String(3), default="EUR")
    shot_version: Mapped[int] = mapped_column(Integer, default=0)

    @property
    def key(self) -> str:
        return self.shot_id


class AdrCue(RegisterMixin, Base):
    """An ADR cue: a line an actor re-records to picture."""

    __tablename__ = "adr_cue"
    __table_args__ = (UniqueConstraint("production_id", "number"), _range_check())

    number: Mapped[str] = mapped_column(String(32))
    character: Mapped[str] = mapped_column(String(120), default="")
    actor: Mapped[str] = mapped_column(String(120), default="")
    line: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(String(200), default="")
    priority: Mapped[int] = mapped_column(Integer, default=3)
    session_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[AdrStatus] = mapped_column(str_enum(AdrStatus), default=AdrStatus.SPOTTED, index=True)

    @property
    def key(self) -> str:
        return self.number


class FoleyCue(RegisterMixin, Base):
    """A foley cue: a sound performed to picture on the foley stage."""

    __tablename__ = "foley_cue"
    __table_args__ = (UniqueConstraint("production_id", "number"), _range_check())

    number: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text, default="")
    character: Mapped[str] = mapped_column(String(120), default="")
    category: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[FoleyStatus] = mapped_column(str_enum(FoleyStatus), default=FoleyStatus.SPOTTED, index=True)

    @property
    def key(self) -> str:
        return self.number


class MusicCue(RegisterMixin, Base):
    """A music cue: score or licensed track, one line of the music cue sheet."""

    __tablename__ = "music_cue"
    __table_args__ = (UniqueConstraint("production_id", "number"), _range_check())

    number: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200), default="")
    composer: Mapped[str] = mapped_column(String(200), default="")
    publisher: Mapped[str] = mapped_column(String(200), default="")
    performer: Mapped[str] = mapped_column(String(200), default="")
    usage: Mapped[MusicUsage] = mapped_column(str_enum(MusicUsage), default=MusicUsage.BACKGROUND_INSTRUMENTAL)
    status: Mapped[MusicStatus] = mapped_column(str_enum(MusicStatus), default=MusicStatus.SPOTTED, index=True)

    @property
    def key(self) -> str:
        return self.number


class DubbingVersion(RegisterMixin, Base):
    """A dubbed version in one language, with the status of each step."""

    __tablename__ = "dubbing_version"
    __table_args__ = (UniqueConstraint("production_id", "language"), _range_check())

    language: Mapped[str] = mapped_column(String(16))
    studio: Mapped[str] = mapped_column(String(120), default="")
    status: Mapped[DubbingStatus] = mapped_column(str_enum(DubbingStatus), default=DubbingStatus.NOT_STARTED)
    translation: Mapped[StepStatus] = mapped_column(str_enum(StepStatus), default=StepStatus.NOT_STARTED)
    detection: Mapped[StepStatus] = mapped_column(str_enum(StepStatus), default=StepStatus.NOT_STARTED)
    casting: Mapped[StepStatus] = mapped_column(str_enum(StepStatus), default=StepStatus.NOT_STARTED)
    recording: Mapped[StepStatus] = mapped_column(str_enum(StepStatus), default=StepStatus.NOT_STARTED)
    mix: Mapped[StepStatus] = mapped_column(str_enum(StepStatus), default=StepStatus.NOT_STARTED)
    qc: Mapped[StepStatus] = mapped_column(str_enum(StepStatus), default=StepStatus.NOT_STARTED)

    @property
    def key(self) -> str:
        return self.language


REGISTER_MODELS: tuple[type[RegisterMixin], ...] = (VfxShot, AdrCue, FoleyCue, MusicCue, DubbingVersion)

Index("ix_adr_cue_reel", AdrCue.production_id, AdrCue.reel)
Index("ix_vfx_shot_reel", VfxShot.production_id, VfxShot.reel)
Index("ix_foley_cue_reel", FoleyCue.production_id, FoleyCue.reel)
Index("ix_music_cue_reel", MusicCue.production_id, MusicCue.reel)
Index("ix_dubbing_version_reel", DubbingVersion.production_id, DubbingVersion.reel)
