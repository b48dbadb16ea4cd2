"""Planning engine: calendars, critical path, schedule generation, CP-SAT, PSPLIB, replanning."""

from postprod.planning.calendar import Calendar, WorkGrid
from postprod.planning.cpm import CpmResult, critical_path
from postprod.planning.problem import Dependency, Person, Plan, Pool, Problem, Room, ScheduledTask, Task
from postprod.planning.solver import solve

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
