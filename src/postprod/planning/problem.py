"""Plain data of a planning problem (tasks, people, rooms, pools, calendars) and of its plan."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from postprod.errors import N_, InvalidInput
from postprod.planning.calendar import Calendar

STATUSES = ("todo", "started", "done")


@dataclass(frozen=True)
class Person:
    """Someone who can be booked: capacity one, with skills and an own calendar (None: the project's)."""

    id: str
    skills: frozenset[str] = frozenset()
    calendar: Calendar | None = None
    name: str = ""


@dataclass(frozen=True)
class Room:
    """A bookable facility (edit suite, grading suite, mix stage ...) of one kind."""

    id: str
    kind: str
    calendar: Calendar | None = None
    name: str = ""


@dataclass(frozen=True)
class Pool:
    """A renewable resource of capacity k (a PSPLIB resource, a pool of workstations)."""

    id: str
    capacity: int
    calendar: Calendar | None = None


@dataclass
class Task:
    """One task: duration in work days (or hours), who and what it needs, and its date constraints.

    People are chosen among those having all `skills` (`people_count` of them, default 1 when skills
    are given) unless `people` names them; a room of `room_kind` is chosen unless `room` names it.
    `fixed_start` pins the start (started and finished work is fixed). `demands` books pool units.
    """

    id: str
    duration: int = 1
    hours: float | None = None
    name: str = ""
    skills: frozenset[str] = frozenset()
    people: tuple[str, ...] = ()
    people_count: int | None = None
    room_kind: str | None = None
    room: str | None = None
    demands: dict[str, int] = field(default_factory=dict)
    fixed_start: date | None = None
    status: str = "todo"
    release: date | None = None
    due: date | None = None

    def work_days(self, hours_per_day: float) -> int:
        """Duration on the grid of working days (hours are rounded up to whole days)."""
        if self.hours is not None:
            if not math.isfinite(self.hours) or self.hours < 0:
                raise InvalidInput(
                    N_("task %(id)s: hours must be >= 0, got %(hours)s"),
                    field="hours",
                    params={"id": self.id, "hours": self.hours},
                )
            return math.ceil(self.hours / hours_per_day - 1e-9)
        if not isinstance(self.duration, int) or self.duration < 0:
            raise InvalidInput(
                N_("task %(id)s: duration must be a whole number of days >= 0"),
                field="duration",
                params={"id": self.id},
            )
        return self.duration

    def chosen_people(self) -> int:
        """How many people are chosen by skill for this task."""
        if self.people_count is not None:
            return self.people_count
        return 1 if self.skills and not self.people else 0


@dataclass(frozen=True)
class Dependency:
    """Finish-to-start: `after` starts at least `lag` working days after `before` finishes."""

    before: str
    after: str
    lag: int = 0


@dataclass
class Problem:
    """A whole planning problem on the working days of `calendar` from `start`."""

    start: date
    tasks: list[Task]
    dependencies: list[Dependency] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    rooms: list[Room] = field(default_factory=list)
    pools: list[Pool] = field(default_factory=list)
    calendar: Calendar = field(default_factory=Calendar)
    hours_per_day: float = 8.0
    name: str = ""

    def task(self, task_id: str) -> Task:
        for t in self.tasks:
            if t.id == task_id:
                return t
        raise InvalidInput(N_("no task %(task_id)r"), params={"task_id": task_id})


@dataclass
class ScheduledTask:
    """Where one task landed: dates, slots [start_slot, end_slot), people and rooms, slack."""

    id: str
    start: date
    finish: date
    start_slot: int
    end_slot: int
    people: tuple[str, ...] = ()
    rooms: tuple[str, ...] = ()
    slack: int = 0
    critical: bool = False
    late_days: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "start": self.start.isoformat(),
            "finish": self.finish.isoformat(),
            "start_slot": self.start_slot,
            "end_slot": self.end_slot,
            "people": list(self.people),
            "rooms": list(self.rooms),
            "slack": self.slack,
            "critical": self.critical,
            "late_days": self.late_days,
        }


@dataclass
class Plan:
    """A solved schedule with its critical path, lateness, load and how it was found."""

    start: date
    tasks: list[ScheduledTask]
    makespan: int
    end_date: date
    critical_path: list[str]
    late: list[str]
    load: dict[str, dict[str, int]]
    solver: str
    lower_bound: int
    optimal: bool
    seconds: float
    warnings: list[str] = field(default_factory=list)

    def by_id(self) -> dict[str, ScheduledTask]:
        return {t.id: t for t in self.tasks}

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "end_date": self.end_date.isoformat(),
            "makespan": self.makespan,
            "lower_bound": self.lower_bound,
            "optimal": self.optimal,
            "solver": self.solver,
            "seconds": round(self.seconds, 3),
            "critical_path": list(self.critical_path),
            "late": list(self.late),
            "warnings": list(self.warnings),
            "tasks": [t.to_dict() for t in self.tasks],
            "load": self.load,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Plan:
        """Read back a plan written by to_dict (for Gantt files and baselines)."""
        try:
            tasks = [
                ScheduledTask(
                    id=str(t["id"]),
                    start=date.fromisoformat(t["start"]),
                    finish=date.fromisoformat(t["finish"]),
                    start_slot=int(t["start_slot"]),
                    end_slot=int(t["end_slot"]),
                    people=tuple(t.get("people", ())),
                    rooms=tuple(t.get("rooms", ())),
                    slack=int(t.get("slack", 0)),
                    critical=bool(t.get("critical", False)),
                    late_days=int(t.get("late_days", 0)),
                )
                for t in data["tasks"]
            ]
            return cls(
                start=date.fromisoformat(data["start"]),
                tasks=tasks,
                makespan=int(data["makespan"]),
                end_date=date.fromisoformat(data["end_date"]),
                critical_path=list(data.get("critical_path", [])),
                late=list(data.get("late", [])),
                load=dict(data.get("load", {})),
                solver=str(data.get("solver", "")),
                lower_bound=int(data.get("lower_bound", 0)),
                optimal=bool(data.get("optimal", False)),
                seconds=float(data.get("seconds", 0.0)),
                warnings=list(data.get("warnings", [])),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidInput(N_("not a plan: %(exc)s"), params={"exc": exc}) from exc
