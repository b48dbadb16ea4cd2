"""Planning engine: calendars, critical path, schedule generation, CP-SAT, PSPLIB, replanning.

`solve` is loaded on first use: the solver brings OR-Tools (and with it pandas), which the web
process reading a plan or a calendar does not need; only the job that plans loads it.
"""

from typing import Any

from postprod.planning.calendar import Calendar, WorkGrid
from postprod.planning.cpm import CpmResult, critical_path
from postprod.planning.problem import Dependency, Person, Plan, Pool, Problem, Room, ScheduledTask, Task

__all__ = [
    "Calendar",
    "CpmResult",
    "Dependency",
    "Person",
    "Plan",
    "Pool",
    "Problem",
    "Room",
    "ScheduledTask",
    "Task",
    "WorkGrid",
    "critical_path",
    "solve",
]


def __getattr__(name: str) -> Any:
    if name == "solve":
        from postprod.planning.solver import solve

        return solve
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
