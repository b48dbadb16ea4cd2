"""Calendar feeds of the plan: the planned tasks as iCalendar events, for a person, a room or the whole
production, written as a file or served at a private address a calendar app subscribes to.

Events are all-day, from the task's planned start to its planned finish. Each task keeps one UID for
its life, so a calendar app moves the event when a replan moves the task; SEQUENCE grows whenever the
event's content may have changed (the task itself, or its dates, people or room in the plan in force).
A feed's address carries a random token of which only the SHA-256 is kept; deleting the feed revokes it,
and a feed whose owner lost the right to read the production's people answers as if it did not exist.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from postprod.errors import N_, InvalidInput, NotFound
from postprod.model import (
    CalendarFeed,
    Department,
    Person,
    PlanKind,
    PlanTask,
    Production,
    Room,
    Task,
    User,
)
from postprod.model import Plan as PlanRow
from postprod.model.base import utcnow
from postprod.services import users as users_svc
from postprod.services.planning.store import latest_plan

SCOPES = ("production", "person", "room")
# What a feed needs: the production's people and rooms are in every event.
READ_RIGHT = "people.read"
# Shown with a feed so its owner can tell their feeds apart; the rest of the token is never stored.
PREFIX_LENGTH = 8


@dataclass(frozen=True)
class FeedView:
    """One feed as its owner sees it (never its token)."""

    id: int
    production_id: int
    production: str
    scope: str
    target: str  # the person's or room's name, or the production's title
    prefix: str
    created_at: str
    last_used_at: str | None


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _find(session: Session, model: type[Person] | type[Room], prod: Production, ref: str, field: str) -> int:
    text = ref.strip()
    query = select(model.id).where(model.production_id == prod.id)
    found = session.scalar(
        query.where(model.id == int(text)) if text.isdigit() else query.where(model.name.ilike(text.replace("%", "")))
    )
    if found is None:
        template = (
            N_("no person %(ref)r in %(production)s") if model is Person else N_("no room %(ref)r in %(production)s")
        )
        raise InvalidInput(template, field=field, params={"ref": ref, "production": prod.title})
    return int(found)


def _content_runs(session: Session, prod: Production, task_ids: Iterable[int]) -> dict[int, int]:
    """For each task, the ID of the oldest kept plan run since which its dates, people and room have not
    changed. It never goes down: a new run that changes the task starts a new stretch at its own ID, and
    forgetting old runs (planning keeps the newest few) can only move a stretch's start later."""
    wanted = set(task_ids)
    runs = session.execute(
        select(
            PlanTask.plan_id, PlanTask.task_id, PlanTask.start, PlanTask.finish, PlanTask.person_ids, PlanTask.room_id
        )
        .join(PlanRow, PlanRow.id == PlanTask.plan_id)
        .where(PlanRow.production_id == prod.id, PlanRow.kind == PlanKind.CURRENT)
        .order_by(PlanTask.plan_id)
    )
    last: dict[int, tuple[object, ...]] = {}
    since: dict[int, int] = {}
    for plan_id, task_id, start, finish, people, room in runs:
        if task_id is None or task_id not in wanted:
            continue
        content = (start, finish, tuple(sorted(people or ())), room)
        if last.get(task_id) != content:
            last[task_id] = content
            since[task_id] = plan_id
    return since


def ics(session: Session, prod: Production, *, person: str | None = None, room: str | None = None) -> tuple[bytes, str]:
    """The production's plan in force as an iCalendar file, limited to one person's or one room's tasks
    when asked; and the calendar's name. A production with no plan yet gives an empty calendar."""
    if person and room:
        raise InvalidInput(N_("give a person or a room, not both"), field="room")
    person_id = _find(session, Person, prod, person, "person") if person else None
    room_id = _find(session, Room, prod, room, "room") if room else None
    return _calendar(session, prod, person_id, room_id)


def _calendar(session: Session, prod: Production, person_id: int | None, room_id: int | None) -> tuple[bytes, str]:
    people = dict(session.execute(select(Person.id, Person.name).where(Person.production_id == prod.id)).all())
    rooms = dict(session.execute(select(Room.id, Room.name).where(Room.production_id == prod.id)).all())
    if person_id is not None:
        name = f"{prod.title}: {people.get(person_id, '')}"
    elif room_id is not None:
        name = f"{prod.title}: {rooms.get(room_id, '')}"
    else:
        name = prod.title
    from icalendar import Calendar, Event  # only when a feed is asked for, not in every server process

    cal = Calendar()
    cal.add("prodid", "-//postprod//plan//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    plan = latest_plan(session, prod, PlanKind.CURRENT)
    if plan is None:
        return cal.to_ical(), name
    rows = [
        r
        for r in session.scalars(
            select(PlanTask).where(PlanTask.plan_id == plan.id).order_by(PlanTask.start, PlanTask.task_key)
        )
        if r.task_id is not None
        and (person_id is None or person_id in (r.person_ids or []))
        and (room_id is None or r.room_id == room_id)
    ]
    tasks = {
        t.id: (t.name, t.version, dept)
        for t, dept in session.execute(
            select(Task, Department.name)
            .join(Department, Department.id == Task.department_id)
            .where(Task.id.in_([r.task_id for r in rows]))
        )
    }
    since = _content_runs(session, prod, tasks)
    stamp: datetime = plan.created_at
    for r in rows:
        if r.task_id not in tasks:
            continue
        task_name, version, dept = tasks[r.task_id]
        who = ", ".join(people.get(p, f"#{p}") for p in r.person_ids or [])
        where = rooms.get(r.room_id, "") if r.room_id is not None else ""
        ev = Event()
        ev.add("uid", f"task-{r.task_id}@production-{prod.id}.postprod")
        ev.add("summary", f"{r.task_key} {task_name}")
        ev.add("dtstart", r.start)
        ev.add("dtend", _day_after(r.finish))
        ev.add("dtstamp", stamp)
        ev.add("last-modified", stamp)
        # The task's own version (its name, estimate, planned dates...) plus the plan run since which its
        # place in the plan is unchanged: both only grow, so their sum grows at every change of either.
        ev.add("sequence", int(version) + since.get(r.task_id, 0))
        ev.add("categories", [dept])
        if where:
            ev.add("location", where)
        ev.add("description", "\n".join(x for x in (r.task_key, dept, where, who, prod.title) if x))
        ev.add("transp", "OPAQUE")
        cal.add_component(ev)
    return cal.to_ical(), name


def _day_after(day: date) -> date:
    # iCalendar's DTEND of an all-day event is the day after the last one
    return day + timedelta(days=1)


def _grants_allow(user: User, production_id: int) -> bool:
    return users_svc.can(users_svc.grants_of(user), READ_RIGHT, users_svc.Resource(production_id))


def create_feed(
    session: Session, user: User, prod: Production, scope: str, target: str | None = None
) -> tuple[CalendarFeed, str]:
    """A new private feed of the user's; the token (part of the address) is returned this once."""
    scope = (scope or "").strip().lower()
    if scope not in SCOPES:
        raise InvalidInput(
            N_("invalid scope %(scope)r: one of %(scopes)s"),
            field="scope",
            params={"scope": scope, "scopes": ", ".join(SCOPES)},
        )
    if not _grants_allow(user, prod.id):
        raise users_svc.Forbidden(
            N_("%(username)s may not read the plan of %(title)s"),
            params={"username": user.username, "title": prod.title},
        )
    person_id = room_id = None
    if scope == "person":
        if target:
            person_id = _find(session, Person, prod, target, "target")
        else:
            own = [g.person_id for g in users_svc.grants_of(user) if g.production_id == prod.id and g.person_id]
            if not own:
                raise InvalidInput(N_("name the person whose tasks the feed shows"), field="target")
            person_id = own[0]
    elif scope == "room":
        if not target:
            raise InvalidInput(N_("name the room whose bookings the feed shows"), field="target")
        room_id = _find(session, Room, prod, target, "target")
    token = "cal_" + secrets.token_urlsafe(32)
    feed = CalendarFeed(
        user_id=user.id,
        production_id=prod.id,
        scope=scope,
        person_id=person_id,
        room_id=room_id,
        token_hash=_sha256(token),
        prefix=token[:PREFIX_LENGTH],
    )
    session.add(feed)
    session.flush()
    return feed, token


def feeds(session: Session, user: User) -> list[FeedView]:
    """The user's feeds, newest first."""
    rows = session.execute(
        select(CalendarFeed, Production.title, Person.name, Room.name)
        .join(Production, Production.id == CalendarFeed.production_id)
        .outerjoin(Person, Person.id == CalendarFeed.person_id)
        .outerjoin(Room, Room.id == CalendarFeed.room_id)
        .where(CalendarFeed.user_id == user.id)
        .order_by(CalendarFeed.id.desc())
    ).all()
    return [
        FeedView(
            id=f.id,
            production_id=f.production_id,
            production=title,
            scope=f.scope,
            target=person_name or room_name or title,
            prefix=f.prefix,
            created_at=f.created_at.isoformat(),
            last_used_at=f.last_used_at.isoformat() if f.last_used_at else None,
        )
        for f, title, person_name, room_name in rows
    ]


def revoke_feed(session: Session, user: User, feed_id: int) -> None:
    """Delete one of the user's feeds: its address answers 404 from now on."""
    feed = session.get(CalendarFeed, feed_id)
    if feed is None or feed.user_id != user.id:
        raise NotFound(N_("no calendar feed %(feed_id)s"), params={"feed_id": feed_id})
    session.delete(feed)
    session.flush()


def feed_ics(session: Session, token: str) -> tuple[bytes, str]:
    """The calendar behind a feed's token, as of now. An unknown or revoked token, or one whose owner may
    no longer read the production, is not found: the answer tells nothing about which."""
    feed = session.scalars(select(CalendarFeed).where(CalendarFeed.token_hash == _sha256(token or ""))).first()
    if feed is None or not feed.user.active or not _grants_allow(feed.user, feed.production_id):
        raise NotFound("no such calendar feed")
    prod = session.get(Production, feed.production_id)
    if prod is None:
        raise NotFound("no such calendar feed")
    feed.last_used_at = utcnow()
    return _calendar(session, prod, feed.person_id, feed.room_id)
