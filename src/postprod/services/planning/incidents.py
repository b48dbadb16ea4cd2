"""What happened, as a replan reads it: a person away, a task slipping, a task added, a link changed; parsed from
the command line's words and kept as data (a scenario's incidents, a job's parameters)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from postprod.errors import N_, InvalidInput
from postprod.services.common import parse_date
from postprod.services.planning.solving import _iso


@dataclass
class NewTask:
    """A task added by an incident: key, work days, department, and how it ties into the plan."""

    key: str
    days: Decimal
    department: str
    name: str = ""
    skills: list[str] = field(default_factory=list)
    room_kind: str | None = None
    after: list[str] = field(default_factory=list)
    before: list[str] = field(default_factory=list)


@dataclass
class Incidents:
    """What happened: slips, absences, added tasks, dependencies added/changed/removed, starts pinned.

    A pin is the supervisor's "start on" date for work not started (None: the planner chooses again).
    """

    slips: list[tuple[str, int]] = field(default_factory=list)
    away: list[tuple[str, date, date]] = field(default_factory=list)
    added: list[NewTask] = field(default_factory=list)
    depend: list[tuple[str, str, int]] = field(default_factory=list)
    undepend: list[tuple[str, str]] = field(default_factory=list)
    pins: list[tuple[str, date | None]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.slips or self.away or self.added or self.depend or self.undepend or self.pins)


def parse_slip(text: str) -> tuple[str, int]:
    """TASK:N (working days, may be negative)."""
    key, sep, n = text.rpartition(":")
    try:
        days = int(n)
    except ValueError:
        days = None
    if not sep or not key.strip() or days is None or not -1000 <= days <= 1000 or days == 0:
        raise InvalidInput(
            N_("invalid --slip %(text)r: expected TASK:DAYS, e.g. PIC-LOCK:3"), field="slip", params={"text": text}
        )
    return key.strip(), days


def parse_away(text: str) -> tuple[str, date, date]:
    """PERSON:YYYY-MM-DD:YYYY-MM-DD (the person's name may contain spaces)."""
    parts = text.rsplit(":", 2)
    if len(parts) != 3 or not parts[0].strip():
        raise InvalidInput(
            N_("invalid --away %(text)r: expected PERSON:FROM:TO with ISO dates"), field="away", params={"text": text}
        )
    d1, d2 = parse_date(parts[1], "away from"), parse_date(parts[2], "away to")
    if d2 < d1:
        raise InvalidInput(N_("invalid --away %(text)r: ends before it starts"), field="away", params={"text": text})
    return parts[0].strip(), d1, d2


def parse_depend(text: str, removing: bool = False) -> tuple[str, str, int]:
    """BEFORE:AFTER[:LAG]: AFTER starts LAG working days after BEFORE finishes."""
    parts = text.split(":")
    what = "--undepend" if removing else "--depend"
    if len(parts) not in ((2,) if removing else (2, 3)) or not all(p.strip() for p in parts):
        form = "BEFORE:AFTER" if removing else "BEFORE:AFTER[:LAG]"
        raise InvalidInput(
            N_("invalid %(what)s %(text)r: expected %(form)s"),
            field=what.strip("-"),
            params={"what": what, "text": text, "form": form},
        )
    lag = 0
    if len(parts) == 3:
        try:
            lag = int(parts[2])
        except ValueError:
            raise InvalidInput(
                N_("invalid %(what)s %(text)r: the lag is a whole number of days"),
                field="depend",
                params={"what": what, "text": text},
            ) from None
    return parts[0].strip(), parts[1].strip(), lag


def parse_new_task(text: str) -> NewTask:
    """KEY:DAYS:DEPARTMENT[:skills=a,b][:room=KIND][:after=A,B][:before=C][:name=TEXT]."""
    parts = text.split(":")
    if len(parts) < 3 or not parts[0].strip() or not parts[2].strip():
        raise InvalidInput(
            N_(
                "invalid --add-task %(text)r: expected KEY:DAYS:DEPARTMENT[:skills=..][:room=..][:after=..][:before=..]"
            ),
            field="add-task",
            params={"text": text},
        )
    try:
        days = Decimal(parts[1])
    except ArithmeticError:
        days = Decimal(-1)
    if not days.is_finite() or days < 0 or days > 10000:
        raise InvalidInput(
            N_("invalid --add-task %(text)r: DAYS must be a number of work days"),
            field="add-task",
            params={"text": text},
        )
    nt = NewTask(parts[0].strip().upper(), days, parts[2].strip())
    for extra in parts[3:]:
        name, sep, value = extra.partition("=")
        items = [x.strip() for x in value.split(",") if x.strip()]
        if not sep:
            raise InvalidInput(
                N_("invalid --add-task part %(extra)r: expected name=value"), field="add-task", params={"extra": extra}
            )
        if name == "skills":
            nt.skills = [x.lower() for x in items]
        elif name == "room":
            nt.room_kind = value.strip() or None
        elif name == "after":
            nt.after = items
        elif name == "before":
            nt.before = items
        elif name == "name":
            nt.name = value.strip()
        else:
            raise InvalidInput(
                N_("invalid --add-task part %(extra)r: skills, room, after, before or name"),
                field="add-task",
                params={"extra": extra},
            )
    return nt


def incidents_dict(inc: Incidents) -> dict[str, Any]:
    """Incidents as JSON data (a job's parameters, a scenario's record); `incidents_from` reads it back."""
    return {
        "slips": [[k, d] for k, d in inc.slips],
        "away": [[who, d1.isoformat(), d2.isoformat()] for who, d1, d2 in inc.away],
        "added": [
            {
                "key": nt.key,
                "days": str(nt.days),
                "department": nt.department,
                "name": nt.name,
                "skills": nt.skills,
                "room_kind": nt.room_kind,
                "after": nt.after,
                "before": nt.before,
            }
            for nt in inc.added
        ],
        "depend": [[a, b, lag] for a, b, lag in inc.depend],
        "undepend": [[a, b] for a, b in inc.undepend],
        "pins": [[k, _iso(d)] for k, d in inc.pins],
    }


def incidents_from(data: dict[str, Any]) -> Incidents:
    return Incidents(
        slips=[(str(k), int(d)) for k, d in data.get("slips", [])],
        away=[(str(w), date.fromisoformat(a), date.fromisoformat(b)) for w, a, b in data.get("away", [])],
        added=[NewTask(**{**nt, "days": Decimal(nt["days"])}) for nt in data.get("added", [])],
        depend=[(str(a), str(b), int(lag)) for a, b, lag in data.get("depend", [])],
        undepend=[(str(a), str(b)) for a, b in data.get("undepend", [])],
        pins=[(str(k), date.fromisoformat(d) if d else None) for k, d in data.get("pins", [])],
    )
