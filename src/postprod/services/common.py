"""Finding things by the names users type, and turning them into plain views.

A view is a `TypedDict`: what a service returns to every interface (the CLI's `--json`, the API,
the pages, exports) in one typed shape. The API declares its responses with these same types (no
second description), and the money gate (`services.money`) removes keys from them as from any dict:
money fields are `NotRequired`, left out, not emptied, for roles without the budget right.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, NotRequired, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typing_extensions import TypedDict  # Pydantic reads TypedDicts from here before Python 3.12

from postprod.errors import N_, InvalidInput, NotFound
from postprod.limits import as_id, check_date
from postprod.model import Absence, Calendar, Department, Person, Production, Room, Setting, Task, TaskAssignment
from postprod.model.audit import jsonable
from postprod.model.base import utcnow
from postprod.timecode import format_rate

T = TypeVar("T")
V = TypeVar("V")

MONEY_ONLY = "Sent only to roles with the budget right (budget.read)."


def described(**fields: str) -> Callable[[V], V]:
    """Describe a view's fields for the API's document (a TypedDict holds no field metadata of its own).

    The descriptions are added when the document is built: nothing is parsed from the source (Pydantic's
    attribute docstrings read each class's source, which tripled the server's start-up).
    """

    def extra(schema: dict[str, Any]) -> None:
        for name, text in fields.items():
            schema.get("properties", {}).get(name, {})["description"] = text

    def mark(cls: V) -> V:
        setattr(cls, "__pydantic_config__", {"json_schema_extra": extra})  # noqa: B010 (no attribute on a TypedDict)
        return cls

    return mark


# A date, a decimal or a number as JSON (`model.audit.jsonable`).
Amount = str | int | float


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list and the total matching (the CLI asks for every row: one page)."""

    total: int
    items: list[T]


def parse_date(value: str | date, field: str = "date") -> date:
    """An ISO date (YYYY-MM-DD); anything else is refused naming the field."""
    if isinstance(value, date):
        return check_date(value, field)
    try:
        day = date.fromisoformat(str(value).strip())
    except ValueError:
        raise InvalidInput(
            N_("invalid %(field)s %(value)r: expected YYYY-MM-DD"), field=field, params={"field": field, "value": value}
        ) from None
    return check_date(day, field)


def get_production(session: Session, ref: str | int | None = None) -> Production:
    """The production named by ID or title; with none given, POSTPROD_PRODUCTION or the only one."""
    if ref is None or ref == "":
        ref = os.environ.get("POSTPROD_PRODUCTION") or None
    if ref is None:
        current = session.get(Setting, "current_production")
        if current is not None:
            chosen = session.get(Production, int(current.value))
            if chosen is not None:
                return chosen
        rows = session.scalars(select(Production).order_by(Production.id).limit(2)).all()
        if len(rows) == 1:
            return rows[0]
        if not rows:
            raise NotFound(N_("no production yet: run `postprod demo` or `postprod production create`"))
        raise InvalidInput(
            N_("several productions: name one with --production (ID or title) or `postprod production use`"),
            field="production",
        )
    text = str(ref).strip()
    prod: Production | None = None
    if (ident := as_id(text)) is not None:
        prod = session.get(Production, ident)
    if prod is None:
        prod = session.scalars(select(Production).where(func.lower(Production.title) == text.lower())).first()
    if prod is None:
        raise NotFound(N_("no production %(text)r"), params={"text": text})
    return prod


def use_production(session: Session, prod: Production) -> None:
    """Make this production the one commands work on when none is named."""
    current = session.get(Setting, "current_production")
    if current is None:
        session.add(Setting(key="current_production", value=str(prod.id)))
    else:
        current.value = str(prod.id)
    session.flush()


def get_task(session: Session, production: Production, ref: str | int) -> Task:
    """A task of the production by key (case-insensitive) or numeric ID."""
    text = str(ref).strip()
    task = session.scalars(
        select(Task).where(Task.production_id == production.id, func.upper(Task.key) == text.upper())
    ).first()
    if task is None and (ident := as_id(text)) is not None:
        task = session.get(Task, ident)
        if task is not None and task.production_id != production.id:
            task = None
    if task is None:
        raise NotFound(N_("no task %(text)r in %(production)r"), params={"text": text, "production": production.title})
    return task


def get_department(session: Session, production: Production, ref: str) -> Department:
    """A department by code or name (case-insensitive)."""
    text = ref.strip().lower()
    for d in production.departments:
        if d.code.lower() == text or d.name.lower() == text:
            return d
    codes = ", ".join(d.code for d in production.departments)
    raise NotFound(
        N_("no department %(ref)r in %(production)r; departments: %(codes)s"),
        params={"ref": ref, "production": production.title, "codes": codes},
    )


def get_person(session: Session, production: Production, ref: str | int) -> Person:
    """A person of the production by exact name (case-insensitive) or ID."""
    text = str(ref).strip()
    person = session.scalars(
        select(Person).where(Person.production_id == production.id, func.lower(Person.name) == text.lower())
    ).first()
    if person is None and (ident := as_id(text)) is not None:
        person = session.get(Person, ident)
        if person is not None and person.production_id != production.id:
            person = None
    if person is None:
        raise NotFound(
            N_("no person %(text)r in %(production)r"), params={"text": text, "production": production.title}
        )
    return person


def get_room(session: Session, production: Production, ref: str | int) -> Room:
    """A room of the production by name (case-insensitive) or ID."""
    text = str(ref).strip()
    room = session.scalars(
        select(Room).where(Room.production_id == production.id, func.lower(Room.name) == text.lower())
    ).first()
    if room is None and (ident := as_id(text)) is not None:
        room = session.get(Room, ident)
        if room is not None and room.production_id != production.id:
            room = None
    if room is None:
        raise NotFound(N_("no room %(text)r in %(production)r"), params={"text": text, "production": production.title})
    return room


def get_calendar(session: Session, production: Production, name: str | None) -> Calendar | None:
    """A calendar by name, or the production's default calendar when no name is given."""
    if name is None:
        return next((c for c in production.calendars if c.is_default), None)
    for c in production.calendars:
        if c.name.lower() == name.strip().lower():
            return c
    raise NotFound(N_("no calendar %(name)r in %(production)r"), params={"name": name, "production": production.title})


# --- plain views, for --json, the API and exports ---------------------------------------------


class DeliveryView(TypedDict):
    label: str
    due: str


class ProductionView(TypedDict):
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
    deliveries: list[DeliveryView]
    delivery_date: str | None
    status: str
    currency: str
    description: str


class DependsOn(TypedDict):
    task: str
    lag_days: int


class TaskView(TypedDict):
    id: int
    key: str
    name: str
    department: str
    status: str
    estimate_days: Amount
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


def production_dict(p: Production) -> ProductionView:
    return {
        "id": p.id,
        "title": p.title,
        "kind": p.kind.value,
        "template": p.template,
        "runtime_minutes": p.runtime_minutes,
        "fps": format_rate(p.fps),
        "record_start_tc": p.record_start_tc,
        "drop_frame": p.drop_frame,
        "original_language": p.original_language,
        "dubbed_languages": list(p.dubbed_languages),
        "start_date": p.start_date.isoformat(),
        "deliveries": [{"label": d.label, "due": d.due.isoformat()} for d in p.deliveries],
        "delivery_date": p.delivery_date.isoformat() if p.delivery_date else None,
        "status": p.status.value,
        "currency": p.currency,
        "description": p.description,
    }


def new_version(session: Session, tasks: Iterable[Task]) -> None:
    """These tasks' representation changed through another table (their links, their assignees' names):
    each gets a new version at the next flush, so that its ETag moves and a writer holding the old one
    gets a 409 rather than writing over what it has not seen. Tasks being deleted are left alone."""
    for t in tasks:
        if t not in session.deleted:
            t.updated_at = utcnow()  # the row changes, so the ORM's version column moves


def tasks_assigned_to(session: Session, person: Person) -> list[Task]:
    return list(
        session.scalars(
            select(Task).where(Task.id.in_(select(TaskAssignment.task_id).where(TaskAssignment.person_id == person.id)))
        )
    )


def task_dict(t: Task) -> TaskView:
    return {
        "id": t.id,
        "key": t.key,
        "name": t.name,
        "department": t.department.code,
        "status": t.status.value,
        "estimate_days": jsonable(t.estimate_days),
        "required_skills": list(t.required_skills),
        "room_kind": t.room_kind.value if t.room_kind else None,
        "language": t.language,
        "priority": t.priority,
        "progress": t.progress,
        "assignees": [a.person.name for a in t.assignments],
        "depends_on": [{"task": d.predecessor.key, "lag_days": d.lag_days} for d in t.predecessors],
        "due_date": jsonable(t.due_date),
        "planned_start": jsonable(t.planned_start),
        "planned_finish": jsonable(t.planned_finish),
        "actual_start": jsonable(t.actual_start),
        "actual_finish": jsonable(t.actual_finish),
        "description": t.description,
        "version": t.version,
    }


class AbsenceSpan(TypedDict):
    start: str
    end: str
    reason: str


@described(day_rate=MONEY_ONLY, currency=MONEY_ONLY)
class PersonView(TypedDict):
    id: int
    name: str
    role: str
    skills: list[str]
    day_rate: NotRequired[Amount | None]
    currency: NotRequired[str | None]
    email: str
    phone: str
    calendar: str | None
    absences: list[AbsenceSpan]


@described(tasks="The keys of the tasks the person is assigned to.")
class PersonDetailView(PersonView):
    tasks: list[str]


@described(day_rate=MONEY_ONLY, currency=MONEY_ONLY)
class RoomView(TypedDict):
    id: int
    name: str
    kind: str
    day_rate: NotRequired[Amount | None]
    currency: NotRequired[str | None]
    location: str
    calendar: str | None
    absences: list[AbsenceSpan]


class HolidayView(TypedDict):
    day: str
    name: str


class CalendarView(TypedDict):
    name: str
    work_days: list[int]
    day_start: str
    day_end: str
    is_default: bool
    holidays: list[HolidayView]


def absences_list(items: list[Absence]) -> list[AbsenceSpan]:
    """Absences as {start, end, reason}, in their order."""
    return [{"start": a.start.isoformat(), "end": a.end.isoformat(), "reason": a.reason} for a in items]


def person_dict(p: Person) -> PersonView:
    return {
        "id": p.id,
        "name": p.name,
        "role": p.role,
        "skills": list(p.skills),
        "day_rate": jsonable(p.day_rate),
        "currency": p.currency,
        "email": p.email,
        "phone": p.phone,
        "calendar": p.calendar.name if p.calendar else None,
        "absences": absences_list(p.absences),
    }


def person_detail(prod: Production, p: Person) -> PersonDetailView:
    """A person with the tasks they are assigned to."""
    tasks = sorted(t.key for t in prod.tasks if any(a.person_id == p.id for a in t.assignments))
    return {**person_dict(p), "tasks": tasks}


def room_dict(r: Room) -> RoomView:
    return {
        "id": r.id,
        "name": r.name,
        "kind": r.kind.value,
        "day_rate": jsonable(r.day_rate),
        "currency": r.currency,
        "location": r.location,
        "calendar": r.calendar.name if r.calendar else None,
        "absences": absences_list(r.absences),
    }


def calendar_dict(c: Calendar) -> CalendarView:
    return {
        "name": c.name,
        "work_days": list(c.work_days),
        "day_start": c.day_start.isoformat(timespec="minutes"),
        "day_end": c.day_end.isoformat(timespec="minutes"),
        "is_default": c.is_default,
        "holidays": [{"day": h.day.isoformat(), "name": h.name} for h in c.holidays],
    }
