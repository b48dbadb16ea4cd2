"""Pydantic models of the API's requests and responses: the OpenAPI document comes from these."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from postprod.limits import MAX_ID, storable

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


class MembershipOut(BaseModel):
    id: int
    user: str
    production_id: int
    role: str
    department: str | None
    person_id: int | None


class UserOut(BaseModel):
    id: int
    username: str
    display_name: str
    language: str
    active: bool
    is_admin: bool
    memberships: list[MembershipOut]


class LoginOut(BaseModel):
    user: UserOut
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


class TokenOut(BaseModel):
    id: int
    name: str
    prefix: str
    created_at: str
    last_used_at: str | None
    expires_at: str | None


class NewTokenOut(TokenOut):
    token: str


class MemberIn(In):
    user: str = Field(min_length=1, max_length=64)
    role: Literal["supervisor", "production-director", "department-lead", "technician", "client"]
    department: str | None = Field(None, max_length=64)
    person: str | None = Field(None, max_length=120)


# --- productions -----------------------------------------------------------------------------


class DeliveryOut(BaseModel):
    label: str
    due: str


class ProductionOut(BaseModel):
    id: int
    title: str
    kind: str
    template: str | None
    runtime_minutes: int
    fps: str
    record_start_tc: str
    drop_frame: bool
    original_language: str
    dubbed_languages: list[str]
    start_date: str
    deliveries: list[DeliveryOut]
    delivery_date: str | None
    status: str
    currency: str
    description: str


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


class DepartmentSummary(BaseModel):
    name: str
    tasks: int
    estimate_days: float
    progress_percent: float


class OverviewOut(BaseModel):
    production: ProductionOut
    days_to_delivery: int | None
    tasks: int
    tasks_by_status: dict[str, int]
    departments: dict[str, DepartmentSummary]
    estimate_days_total: float
    people: int
    rooms: int
    late_tasks: list[str]


class TemplateOut(BaseModel):
    name: str
    title: str
    reference_runtime: int
    tasks: int


# --- tasks -----------------------------------------------------------------------------------


class DependsOn(BaseModel):
    task: str
    lag_days: int


class TaskOut(BaseModel):
    id: int
    key: str
    name: str
    department: str
    status: str
    estimate_days: str | int | float
    required_skills: list[str]
    room_kind: str | None
    language: str | None
    priority: int
    progress: int
    assignees: list[str]
    depends_on: list[DependsOn]
    due_date: str | None
    planned_start: str | None
    planned_finish: str | None
    actual_start: str | None
    actual_finish: str | None
    description: str
    version: int


class TaskDetailOut(TaskOut):
    successors: list[str]


class TaskPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[TaskOut]


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


class AbsenceSpan(BaseModel):
    start: str
    end: str
    reason: str


# Money fields are left out of the response, not emptied, for roles without the budget right.
MONEY_ONLY = "Sent only to roles with the budget right (budget.read)."


class PersonOut(BaseModel):
    id: int
    name: str
    role: str
    skills: list[str]
    day_rate: str | int | float | None = Field(None, description=MONEY_ONLY)
    currency: str | None = Field(None, description=MONEY_ONLY)
    email: str
    phone: str
    calendar: str | None
    absences: list[AbsenceSpan]


class PersonDetailOut(PersonOut):
    tasks: list[str]


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


class RoomOut(BaseModel):
    id: int
    name: str
    kind: str
    day_rate: str | int | float | None = Field(None, description=MONEY_ONLY)
    currency: str | None = Field(None, description=MONEY_ONLY)
    location: str
    calendar: str | None
    absences: list[AbsenceSpan]


class RoomIn(In):
    name: str = Field(min_length=1, max_length=120)
    kind: str = Field(max_length=32)
    day_rate: float | None = Field(None, ge=0, lt=1e9)
    currency: str | None = Field(None, max_length=3)
    location: str = Field("", max_length=200)
    calendar: str | None = Field(None, max_length=120)


class AbsenceOut(BaseModel):
    id: int
    who: str
    kind: Literal["person", "room"]
    start: str
    end: str
    reason: str


class AbsenceIn(In):
    person: str | None = Field(None, max_length=120)
    room: str | None = Field(None, max_length=120)
    start: str = Field(max_length=10)
    end: str = Field(max_length=10)
    reason: str = Field("", max_length=2000)


# --- notes, history, shares, approvals, jobs -------------------------------------------------


class NoteOut(BaseModel):
    id: int
    target_type: str
    target: str | int
    author: str
    at: str
    body: str


class NoteIn(In):
    body: str = Field(min_length=1, max_length=20000)


class AuditOut(BaseModel):
    id: int
    at: str
    actor: str
    action: str
    entity_type: str
    entity_id: int
    label: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class ShareIn(In):
    target_type: str = Field(max_length=32)
    target: str = Field(min_length=1, max_length=64)


class ShareOut(BaseModel):
    id: int
    target_type: str
    target_id: int
    label: str


class ApprovalIn(In):
    target_type: str = Field(max_length=32)
    target: str = Field(min_length=1, max_length=64, description="Task key, or the item's ID")
    reviewers: list[str] = Field(min_length=1, max_length=20, description="Usernames")
    message: str = Field("", max_length=5000)


class DecisionIn(In):
    decision: Literal["approved", "changes-requested"]
    note: str = Field("", max_length=5000)


class ReviewOut(BaseModel):
    reviewer: str
    decision: str
    note: str
    decided_at: str | None


class ApprovalOut(BaseModel):
    id: int
    production_id: int
    target_type: str
    target_id: int
    label: str
    message: str
    requested_by: str | None
    status: str
    created_at: str
    decided_at: str | None
    reviews: list[ReviewOut]


class JobOut(BaseModel):
    id: int
    kind: str
    status: str
    progress: float
    message: str
    error: str
    production_id: int | None
    created_at: str
    started_at: str | None
    finished_at: str | None
    has_result: bool
