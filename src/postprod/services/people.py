"""People, rooms, calendars and absences."""

from __future__ import annotations

import re
from datetime import date, time
from decimal import Decimal, InvalidOperation
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typing_extensions import TypedDict

from postprod.errors import Conflict, InvalidInput
from postprod.model import Absence, Calendar, Holiday, Person, Production, Room, RoomKind
from postprod.services.common import get_calendar, parse_date


def _rate(value: str | float | None, field: str = "day_rate") -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        rate = Decimal(str(value))
    except InvalidOperation:
        raise InvalidInput(f"invalid {field} {value!r}: a number", field=field) from None
    if not rate.is_finite() or rate < 0 or rate >= Decimal("1e10"):
        raise InvalidInput(f"invalid {field} {value!r}: a positive amount", field=field)
    return rate.quantize(Decimal("0.01"))


def _currency(value: str) -> str:
    cur = value.strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", cur):
        raise InvalidInput(f"invalid currency {value!r}: an ISO code such as EUR", field="currency")
    return cur


def _skills(values: list[str] | str | None) -> list[str]:
    if values is None:
        return []
    items = values.split(",") if isinstance(values, str) else values
    return sorted({s.strip().lower() for s in items if s.strip()})


def parse_work_days(text: str | list[int]) -> list[int]:
    """Working weekdays: "mon-fri", "mon,tue,thu", "1-5" or a list of ISO weekday numbers."""
    names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    if isinstance(text, list):
        items: list[int] = text
    else:
        items = []
        for part in [p.strip().lower() for p in text.split(",") if p.strip()]:
            lo, _, hi = part.partition("-")

            def day(word: str) -> int:
                if word in ("1", "2", "3", "4", "5", "6", "7"):
                    return int(word)
                if word[:3] in names:
                    return names.index(word[:3]) + 1
                raise InvalidInput(f"invalid weekday {word!r}: mon..sun or 1..7", field="work_days")

            a, b = day(lo), day(hi) if hi else day(lo)
            if b < a:
                raise InvalidInput(f"invalid weekday range {part!r}", field="work_days")
            items.extend(range(a, b + 1))
    days = sorted(set(items))
    if not days or any(d < 1 or d > 7 for d in days):
        raise InvalidInput("a calendar needs at least one working day (1 = Monday ... 7 = Sunday)", field="work_days")
    return days


def add_calendar(
    session: Session,
    prod: Production,
    *,
    name: str,
    work_days: str | list[int] = "mon-fri",
    day_start: str = "09:00",
    day_end: str = "18:00",
    holidays_from: str | None = None,
) -> Calendar:
    """Add a working calendar; holidays can be copied from another calendar of the production."""
    name = name.strip()
    if not name:
        raise InvalidInput("calendar name is empty", field="name")
    if any(c.name.lower() == name.lower() for c in prod.calendars):
        raise Conflict(f"a calendar named {name!r} already exists in {prod.title!r}", field="name")
    start, end = _hours(day_start, day_end)
    cal = Calendar(name=name, work_days=parse_work_days(work_days), day_start=start, day_end=end, is_default=False)
    if holidays_from:
        source = get_calendar(session, prod, holidays_from)
        assert source is not None
        cal.holidays = [Holiday(day=h.day, name=h.name) for h in source.holidays]
    prod.calendars.append(cal)
    session.flush()
    return cal


def add_holiday(session: Session, cal: Calendar, day: str | date, name: str = "") -> Holiday:
    """Add a public holiday or studio closure to a calendar."""
    d = parse_date(day, "day")
    if any(h.day == d for h in cal.holidays):
        raise Conflict(f"{d} is already a holiday in {cal.name!r}", field="day")
    holiday = Holiday(day=d, name=name)
    cal.holidays.append(holiday)
    session.flush()
    return holiday


def set_calendar(session: Session, owner: Person | Room, cal: Calendar) -> None:
    """Make a person or a room follow a calendar."""
    owner.calendar = cal
    session.flush()


def add_person(
    session: Session,
    prod: Production,
    *,
    name: str,
    role: str = "",
    skills: list[str] | str | None = None,
    day_rate: str | float | None = None,
    currency: str | None = None,
    email: str = "",
    phone: str = "",
    calendar: str | None = None,
) -> Person:
    """Add a crew member; names are unique within a production."""
    name = name.strip()
    if not name:
        raise InvalidInput("name is empty", field="name")
    clash = session.scalars(
        select(Person).where(Person.production_id == prod.id, func.lower(Person.name) == name.lower())
    ).first()
    if clash:
        raise Conflict(f"a person named {name!r} already exists in {prod.title!r}", field="name")
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise InvalidInput(f"invalid email {email!r}", field="email")
    person = Person(
        production_id=prod.id,
        name=name,
        role=role.strip(),
        skills=_skills(skills),
        day_rate=_rate(day_rate),
        currency=_currency(currency or prod.currency),
        email=email,
        phone=phone,
        calendar=get_calendar(session, prod, calendar),
    )
    session.add(person)
    session.flush()
    return person


def update_person(
    session: Session,
    person: Person,
    *,
    role: str | None = None,
    skills: list[str] | str | None = None,
    day_rate: str | float | None = None,
    currency: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    name: str | None = None,
    calendar: str | None = None,
) -> Person:
    """Change a person's name, role, skills, rate, contact or calendar."""
    if name is not None:
        name = name.strip()
        if not name:
            raise InvalidInput("name is empty", field="name")
        _unique_name(session, Person, person.production, name, person.id)
        person.name = name
    if calendar is not None:
        person.calendar = get_calendar(session, person.production, calendar or None)
    if role is not None:
        person.role = role.strip()
    if skills is not None:
        person.skills = _skills(skills)
    if day_rate is not None:
        person.day_rate = _rate(day_rate)
    if currency is not None:
        person.currency = _currency(currency)
    if email is not None:
        if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
            raise InvalidInput(f"invalid email {email!r}", field="email")
        person.email = email
    if phone is not None:
        person.phone = phone
    session.flush()
    return person


def _unique_name(session: Session, kind: type[Person] | type[Room], prod: Production, name: str, me: int) -> None:
    clash = session.scalars(
        select(kind).where(kind.production_id == prod.id, func.lower(kind.name) == name.lower(), kind.id != me)
    ).first()
    if clash:
        what = "person" if kind is Person else "room"
        raise Conflict(f"a {what} named {name!r} already exists in {prod.title!r}", field="name")


def delete_person(session: Session, person: Person) -> None:
    """Remove a crew member with their absences and assignments (the tasks stay, without them)."""
    person.production.people.remove(person)
    session.flush()


def add_room(
    session: Session,
    prod: Production,
    *,
    name: str,
    kind: str,
    day_rate: str | float | None = None,
    currency: str | None = None,
    location: str = "",
    calendar: str | None = None,
) -> Room:
    """Add a bookable room; names are unique within a production."""
    name = name.strip()
    if not name:
        raise InvalidInput("name is empty", field="name")
    try:
        rk = RoomKind(kind.strip().lower())
    except ValueError:
        allowed = ", ".join(r.value for r in RoomKind)
        raise InvalidInput(f"invalid room kind {kind!r}: one of {allowed}", field="kind") from None
    clash = session.scalars(
        select(Room).where(Room.production_id == prod.id, func.lower(Room.name) == name.lower())
    ).first()
    if clash:
        raise Conflict(f"a room named {name!r} already exists in {prod.title!r}", field="name")
    room = Room(
        production_id=prod.id,
        name=name,
        kind=rk,
        day_rate=_rate(day_rate),
        currency=_currency(currency or prod.currency),
        location=location,
        calendar=get_calendar(session, prod, calendar),
    )
    session.add(room)
    session.flush()
    return room


def update_room(
    session: Session,
    room: Room,
    *,
    name: str | None = None,
    kind: str | None = None,
    day_rate: str | float | None = None,
    currency: str | None = None,
    location: str | None = None,
    calendar: str | None = None,
) -> Room:
    """Change a room's name, kind, rate, location or calendar."""
    if name is not None:
        name = name.strip()
        if not name:
            raise InvalidInput("name is empty", field="name")
        _unique_name(session, Room, room.production, name, room.id)
        room.name = name
    if kind is not None:
        try:
            room.kind = RoomKind(kind.strip().lower())
        except ValueError:
            allowed = ", ".join(r.value for r in RoomKind)
            raise InvalidInput(f"invalid room kind {kind!r}: one of {allowed}", field="kind") from None
    if day_rate is not None:
        room.day_rate = _rate(day_rate)
    if currency is not None:
        room.currency = _currency(currency)
    if location is not None:
        room.location = location.strip()
    if calendar is not None:
        room.calendar = get_calendar(session, room.production, calendar or None)
    session.flush()
    return room


def delete_room(session: Session, room: Room) -> None:
    """Remove a room with its absences (tasks keep their room kind)."""
    room.production.rooms.remove(room)
    session.flush()


def _hours(day_start: str, day_end: str) -> tuple[time, time]:
    try:
        start, end = time.fromisoformat(day_start), time.fromisoformat(day_end)
    except ValueError:
        raise InvalidInput(f"invalid working hours {day_start}-{day_end}: use HH:MM", field="hours") from None
    if end <= start:
        raise InvalidInput(f"working day ends ({day_end}) before it starts ({day_start})", field="hours")
    return start, end


def update_calendar(
    session: Session,
    cal: Calendar,
    *,
    name: str | None = None,
    work_days: str | list[int] | None = None,
    day_start: str | None = None,
    day_end: str | None = None,
) -> Calendar:
    """Change a calendar's name, working days or hours."""
    if name is not None:
        name = name.strip()
        if not name:
            raise InvalidInput("calendar name is empty", field="name")
        if any(c.name.lower() == name.lower() and c.id != cal.id for c in cal.production.calendars):
            raise Conflict(f"a calendar named {name!r} already exists", field="name")
        cal.name = name
    if work_days is not None:
        cal.work_days = parse_work_days(work_days)
    if day_start is not None or day_end is not None:
        cal.day_start, cal.day_end = _hours(
            day_start or cal.day_start.strftime("%H:%M"), day_end or cal.day_end.strftime("%H:%M")
        )
    session.flush()
    return cal


def delete_calendar(session: Session, cal: Calendar) -> None:
    """Remove a calendar; the default one stays (new people and rooms follow it), and so does one in use."""
    if cal.is_default:
        raise Conflict(f"{cal.name!r} is the default calendar: it stays", field="calendar")
    prod = cal.production
    users = [p.name for p in prod.people if p.calendar_id == cal.id] + [
        r.name for r in prod.rooms if r.calendar_id == cal.id
    ]
    if users:
        raise Conflict(f"{cal.name!r} is followed by {', '.join(sorted(users)[:3])}: move them first", field="calendar")
    prod.calendars.remove(cal)
    session.flush()


def remove_holiday(session: Session, cal: Calendar, holiday_id: int) -> None:
    """Take a holiday out of a calendar."""
    match = [h for h in cal.holidays if h.id == holiday_id]
    if not match:
        raise InvalidInput(f"no holiday {holiday_id} in {cal.name!r}", field="holiday")
    cal.holidays.remove(match[0])
    session.flush()


def add_absence(
    session: Session,
    prod: Production,
    *,
    person: Person | None = None,
    room: Room | None = None,
    start: str | date,
    end: str | date,
    reason: str = "",
) -> Absence:
    """Record a person away (or a room unavailable) from start to end inclusive."""
    if (person is None) == (room is None):
        raise InvalidInput("an absence is for one person or one room")
    s, e = parse_date(start, "from"), parse_date(end, "to")
    if e < s:
        raise InvalidInput(f"absence ends ({e}) before it starts ({s})", field="to")
    owner_absences = person.absences if person is not None else room.absences  # type: ignore[union-attr]
    for other in owner_absences:
        if other.start <= e and s <= other.end:
            who = person.name if person is not None else room.name  # type: ignore[union-attr]
            raise Conflict(f"{who} is already away from {other.start} to {other.end}", field="from")
    absence = Absence(production_id=prod.id, person=person, room=room, start=s, end=e, reason=reason)
    session.add(absence)
    session.flush()
    return absence


def list_absences(session: Session, prod: Production) -> list[Absence]:
    """Every absence of the production's people and rooms, by start date."""
    return list(
        session.scalars(select(Absence).where(Absence.production_id == prod.id).order_by(Absence.start, Absence.id))
    )


def remove_absence(session: Session, prod: Production, absence_id: int) -> None:
    """Delete an absence by its ID."""
    absence = session.get(Absence, absence_id)
    if absence is None or absence.production_id != prod.id:
        raise InvalidInput(f"no absence {absence_id} in {prod.title!r}", field="id")
    session.delete(absence)
    session.flush()


class AbsenceView(TypedDict):
    id: int
    who: str
    kind: Literal["person", "room"]
    start: str
    end: str
    reason: str


def absence_dict(a: Absence) -> AbsenceView:
    return {
        "id": a.id,
        "who": a.person.name if a.person else a.room.name if a.room else "",
        "kind": "person" if a.person else "room",
        "start": a.start.isoformat(),
        "end": a.end.isoformat(),
        "reason": a.reason,
    }
