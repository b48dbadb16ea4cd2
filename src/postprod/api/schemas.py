"""Pydantic models of the API's requests, and of the few answers that are the API's own.

The answers that are a service's view (a task, a person, a QC run...) are the service's own
`TypedDict`s (`services.common.view`): the routes declare them as they are, so that each shape is
described once. The OpenAPI document comes from both.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from postprod.limits import MAX_ID, storable
from postprod.services.users import UserView

Text200 = Field(max_length=200)


class In(BaseModel):
    """A request body: unknown fields are refused, so a typo is a 422 rather than ignored.

    Every field must be storable in both databases: no NUL character in text, no integer beyond
    the databases' integers (a 422 naming the field, not a database error).
    """

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        return storable(value)


class ErrorOut(BaseModel):
    error: str
    field: str | None = None
    current: dict[str, Any] | None = None


# --- auth and users --------------------------------------------------------------------------


class LoginIn(In):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class LoginOut(BaseModel):
    user: UserView
    csrf_token: str


class MeIn(In):
    display_name: str | None = Field(None, max_length=120)
    language: Literal["en", "fr"] | None = None
    password: str | None = Field(
        None, min_length=8, max_length=1024, description="A new password: needs current_password; signs out elsewhere"
    )
    current_password: str | None = Field(None, max_length=1024, description="Needed to change the password")


class UserIn(In):
    username: str = Field(min_length=2, max_length=64)
    password: str = Field(min_length=8, max_length=1024)
    display_name: str = Field("", max_length=120)
    language: Literal["en", "fr"] = "en"
    is_admin: bool = False


class TokenIn(In):
    name: str = Field(min_length=1, max_length=120)
    days: int | None = Field(None, ge=1, le=3650)


class MemberIn(In):
    user: str = Field(min_length=1, max_length=64)
    role: Literal["supervisor", "production-director", "department-lead", "technician", "client"]
    department: str | None = Field(None, max_length=64)
    person: str | None = Field(None, max_length=120)


# --- productions -----------------------------------------------------------------------------


class ProductionIn(In):
    title: str = Field(min_length=1, max_length=200)
    template: str = Field("feature-film", max_length=64)
    runtime_minutes: int = Field(100, ge=1, le=1000)
    fps: str = Field("24", max_length=32)
    languages: str = Field("fr", max_length=200, description="Original language first, then dubbed: fr,en,de")
    deliveries: str | None = Field(None, max_length=500, description="2027-06-01 or festival=2027-05-01,...")
    start: str | None = Field(None, max_length=10, description="YYYY-MM-DD")
    record_start_tc: str = Field("01:00:00:00", max_length=16)
    currency: str = Field("EUR", max_length=3)
    description: str = Field("", max_length=5000)
    with_crew: bool = False


class ProductionPatch(In):
    status: str | None = Field(None, max_length=32)
    title: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=5000)
    add_delivery: str | None = Field(None, max_length=200, description="label=YYYY-MM-DD")


# --- tasks -----------------------------------------------------------------------------------


class TaskIn(In):
    key: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    department: str = Field(min_length=1, max_length=120)
    estimate_days: float = Field(1, ge=0, le=10000)
    skills: list[str] = Field(default_factory=list, max_length=50)
    room_kind: str | None = Field(None, max_length=32)
    priority: int = Field(3, ge=1, le=5)
    description: str = Field("", max_length=5000)
    language: str | None = Field(None, max_length=16)
    due: str | None = Field(None, max_length=10)
    after: list[str] = Field(default_factory=list, max_length=100)


class TaskPatch(In):
    version: int | None = Field(
        None, ge=1, le=MAX_ID, description="The version read (or send If-Match); a stale one gets 409"
    )
    status: str | None = Field(None, max_length=32)
    progress: int | None = Field(None, ge=0, le=100)
    assign: list[str] = Field(default_factory=list, max_length=50)
    unassign: list[str] = Field(default_factory=list, max_length=50)
    priority: int | None = Field(None, ge=1, le=5)
    estimate_days: float | None = Field(None, ge=0, le=10000)
    due: str | None = Field(None, max_length=10, description="YYYY-MM-DD, or '' to clear")
    name: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=5000)


class DependencyIn(In):
    on: str = Field(min_length=1, max_length=64, description="The task this one waits for")
    lag_days: int = Field(0, ge=-365, le=365)


# --- people, rooms, absences -----------------------------------------------------------------


class PersonIn(In):
    name: str = Field(min_length=1, max_length=120)
    role: str = Field("", max_length=120)
    skills: list[str] = Field(default_factory=list, max_length=50)
    day_rate: float | None = Field(None, ge=0, lt=1e9)
    currency: str | None = Field(None, max_length=3)
    email: str = Field("", max_length=200)
    phone: str = Field("", max_length=64)
    calendar: str | None = Field(None, max_length=120)


class PersonPatch(In):
    role: str | None = Field(None, max_length=120)
    skills: list[str] | None = Field(None, max_length=50)
    day_rate: float | None = Field(None, ge=0, lt=1e9)
    currency: str | None = Field(None, max_length=3)
    email: str | None = Field(None, max_length=200)
    phone: str | None = Field(None, max_length=64)


class RoomIn(In):
    name: str = Field(min_length=1, max_length=120)
    kind: str = Field(max_length=32)
    day_rate: float | None = Field(None, ge=0, lt=1e9)
    currency: str | None = Field(None, max_length=3)
    location: str = Field("", max_length=200)
    calendar: str | None = Field(None, max_length=120)


class AbsenceIn(In):
    person: str | None = Field(None, max_length=120)
    room: str | None = Field(None, max_length=120)
    start: str = Field(max_length=10)
    end: str = Field(max_length=10)
    reason: str = Field("", max_length=2000)


class AbsencePatch(In):
    start: str | None = Field(None, max_length=10)
    end: str | None = Field(None, max_length=10)
    reason: str | None = Field(None, max_length=2000)


# --- notes, history, shares, approvals, jobs -------------------------------------------------


class NoteIn(In):
    body: str = Field(min_length=1, max_length=20000)


class ShareIn(In):
    target_type: str = Field(max_length=32)
    target: str = Field(min_length=1, max_length=64)


class ApprovalIn(In):
    target_type: str = Field(max_length=32)
    target: str = Field(min_length=1, max_length=64, description="Task key, or the item's ID")
    reviewers: list[str] = Field(min_length=1, max_length=20, description="Usernames")
    message: str = Field("", max_length=5000)


class DecisionIn(In):
    decision: Literal["approved", "changes-requested"]
    note: str = Field("", max_length=5000)
