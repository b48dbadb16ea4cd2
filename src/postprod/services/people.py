"""People, rooms, calendars and absences."""

from __future__ import annotations

import re
from datetime import date, time
from decimal import Decimal, InvalidOperation
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typing_extensions import TypedDict

from postprod.errors import N_, Conflict, InvalidInput, NotFound
from postprod.model import Absence, Calendar, Holiday, Person, Production, Room, RoomKind
from postprod.services.common import get_calendar, new_version, parse_date, tasks_assigned_to


def _rate(value: str | float | None, field: str = "day_rate") -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        rate = Decimal(str(value))
    except InvalidOperation:
        raise InvalidInput(
            N_("invalid %(field)s %(value)r: a number"), field=field, params={"field": field, "value": value}
        ) from None
    if not rate.is_finite() or rate < 0 or rate >= Decimal("1e10"):
        raise InvalidInput(
            N_("invalid %(field)s %(value)r: a positive amount"), field=field, params={"field": field, "value": value}
        )
    return rate.quantize(Decimal("0.01"))


def _currency(value: str) -> str:
    cur = value.strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", cur):
        raise InvalidInput(
            N_("invalid currency %(value)r: an ISO code such as EUR"), field="currency", params={"value": value}
        )
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
                raise InvalidInput(
                    N_("invalid weekday %(word)r: mon..sun or 1..7"), field="work_days", params={"word": word}
                )

            a, b = day(lo), day(hi) if hi else day(lo)
            if b < a:
                raise InvalidInput(N_("invalid weekday range %(part)r"), field="work_days", params={"part": part})
            items.extend(range(a, b + 1))
    days = sorted(set(items))
    if not days or any(d < 1 or d > 7 for d in days):
        raise InvalidInput(
            N_("a calendar needs at least one working day (1 = Monday ... 7 = Sunday)"), field="work_days"
        )
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
        raise InvalidInput(N_("calendar name is empty"), field="name")
    if any(c.name.lower() == name.lower() for c in prod.calendars):
        raise Conflict(
            N_("a calendar named %(name)r already exists in %(production)r"),
            field="name",
            params={"name": name, "production": prod.title},
        )
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
        raise Conflict(N_("%(d)s is already a holiday in %(name)r"), field="day", params={"d": d, "name": cal.name})
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
        raise InvalidInput(N_("name is empty"), field="name")
    clash = session.scalars(
        select(Person).where(Person.production_id == prod.id, func.lower(Person.name) == name.lower())
    ).first()
    if clash:
        raise Conflict(
            N_("a person named %(name)r already exists in %(production)r"),
            field="name",
            params={"name": name, "production": prod.title},
        )
    if email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise InvalidInput(N_("invalid email %(email)r"), field="email", params={"email": email})
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
            raise InvalidInput(N_("name is empty"), field="name")
        _unique_name(session, Person, person.production, name, person.id)
        if name != person.name:
            new_version(session, tasks_assigned_to(session, person))  # their assignees read the new name
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
            raise InvalidInput(N_("invalid email %(email)r"), field="email", params={"email": email})
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
        raise Conflict(
            N_("a %(what)s named %(name)r already exists in %(production)r"),
            field="name",
            params={"what": what, "name": name, "production": prod.title},
        )


def delete_person(session: Session, person: Person) -> None:
    """Remove a crew member with their absences and assignments (the tasks stay, without them)."""
    new_version(session, tasks_assigned_to(session, person))
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
        raise InvalidInput(N_("name is empty"), field="name")
    try:
        rk = RoomKind(kind.strip().lower())
    except ValueError:
        allowed = ", ".join(r.value for r in RoomKind)
        raise InvalidInput(
            N_("invalid room kind %(kind)r: one of %(allowed)s"),
            field="kind",
            params={"kind": kind, "allowed": allowed},
        ) from None
    clash = session.scalars(
        select(Room).where(Room.production_id == prod.id, func.lower(Room.name) == name.lower())
    ).first()
    if clash:
        raise Conflict(
            N_("a room named %(name)r already exists in %(production)r"),
            field="name",
            params={"name": name, "production": prod.title},
        )
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
            raise InvalidInput(N_("name is empty"), field="name")
        _unique_name(session, Room, room.production, name, room.id)
        room.name = name
    if kind is not None:
        try:
            room.kind = RoomKind(kind.strip().lower())
        except ValueError:
            allowed = ", ".join(r.value for r in RoomKind)
            raise InvalidInput(
                N_("invalid room kind %(kind)r: one of %(allowed)s"),
                field="kind",
                params={"kind": kind, "allowed": allowed},
            ) from None
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
        raise InvalidInput(
            N_("invalid working hours %(day_start)s-%(day_end)s: use HH:MM"),
            field="hours",
            params={"day_start": day_start, "day_end": day_end},
        ) from None
    if end <= start:
        raise InvalidInput(
            N_("working day ends (%(day_end)s) before it starts (%(day_start)s)"),
            field="hours",
            params={"day_end": day_end, "day_start": day_start},
        )
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
            raise InvalidInput(N_("calendar name is empty"), field="name")
        if any(c.name.lower() == name.lower() and c.id != cal.id for c in cal.production.calendars):
            raise Conflict(N_("a calendar named %(name)r already exists"), field="name", params={"name": name})
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
        raise Conflict(N_("%(name)r is the default calendar: it stays"), field="calendar", params={"name": cal.name})
    prod = cal.production
    users = [p.name for p in prod.people if p.calendar_id == cal.id] + [
        r.name for r in prod.rooms if r.calendar_id == cal.id
    ]
    if users:
        raise Conflict(
            N_("%(name)r is followed by %(choices)s: move them first"),
            field="calendar",
            params={"name": cal.name, "choices": ", ".join(sorted(users)[:3])},
        )
    prod.calendars.remove(cal)
    session.flush()


def remove_holiday(session: Session, cal: Calendar, holiday_id: int) -> None:
    """Take a holiday out of a calendar."""
    match = [h for h in cal.holidays if h.id == holiday_id]
    if not match:
        raise InvalidInput(
            N_("no holiday %(holiday_id)s in %(name)r"),
            field="holiday",
            params={"holiday_id": holiday_id, "name": cal.name},
        )
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
        raise InvalidInput(N_("an absence is for one person or one room"))
    s, e = parse_date(start, "from"), parse_date(end, "to")
    _check_absence(person, room, s, e, None)
    absence = Absence(production_id=prod.id, person=person, room=room, start=s, end=e, reason=reason)
    session.add(absence)
    session.flush()
    return absence


def _check_absence(person: Person | None, room: Room | None, s: date, e: date, itself: Absence | None) -> None:
    """The days in order and clear of the owner's other absences (an edited absence is not its own overlap)."""
    if e < s:
        raise InvalidInput(N_("absence ends (%(e)s) before it starts (%(s)s)"), field="to", params={"e": e, "s": s})
    owner_absences = person.absences if person is not None else room.absences  # type: ignore[union-attr]
    for other in owner_absences:
        if other is not itself and other.start <= e and s <= other.end:
            who = person.name if person is not None else room.name  # type: ignore[union-attr]
            raise Conflict(
                N_("%(who)s is already away from %(start)s to %(end)s"),
                field="from",
                params={"who": who, "start": other.start, "end": other.end},
            )


def get_absence(session: Session, prod: Production, absence_id: int) -> Absence:
    """An absence of the production by its ID; NotFound otherwise."""
    absence = session.get(Absence, absence_id)
    if absence is None or absence.production_id != prod.id:
        raise NotFound(
            N_("no absence %(absence_id)s in %(production)r"),
            field="id",
            params={"absence_id": absence_id, "production": prod.title},
        )
    return absence


def update_absence(
    session: Session,
    prod: Production,
    absence_id: int,
    *,
    start: str | date | None = None,
    end: str | date | None = None,
    reason: str | None = None,
) -> Absence:
    """Move an absence's days or change its reason; what is not given stays. The same checks as adding it."""
    absence = get_absence(session, prod, absence_id)
    s = parse_date(start, "from") if start is not None else absence.start
    e = parse_date(end, "to") if end is not None else absence.end
    _check_absence(absence.person, absence.room, s, e, absence)
    absence.start, absence.end = s, e
    if reason is not None:
        absence.reason = reason
    session.flush()
    return absence


def list_absences(session: Session, prod: Production) -> list[Absence]:
    """Every absence of the production's people and rooms, by start date."""
    return list(
        session.scalars(select(Absence).where(Absence.production_id == prod.id).order_by(Absence.start, Absence.id))
    )


def remove_absence(session: Session, prod: Production, absence_id: int) -> None:
    """Delete an absence by its ID (NotFound when the production has none of that ID)."""
    session.delete(get_absence(session, prod, absence_id))
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
