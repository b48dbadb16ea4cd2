"""What-if scenarios compared with the baseline, and the baseline compared with actual progress."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from postprod.planning.calendar import Calendar, WorkGrid, working_days_between
from postprod.planning.problem import Plan, Problem
from postprod.planning.replan import Incident, Move, ReplanResult, replan


@dataclass
class Comparison:
    """A scenario against its baseline: end dates, moved tasks, and load change per resource."""

    baseline_end: date
    scenario_end: date
    end_shift_days: int
    moves: list[Move]
    added: list[str]
    removed: list[str]
    load_change: dict[str, int]
    peak_load: dict[str, tuple[int, int]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "baseline_end": self.baseline_end.isoformat(),
            "scenario_end": self.scenario_end.isoformat(),
            "end_shift_days": self.end_shift_days,
            "moved": len(self.moves),
            "moves": [m.to_dict() for m in self.moves],
            "added": self.added,
            "removed": self.removed,
            "load_change": self.load_change,
            "peak_load": {k: list(v) for k, v in self.peak_load.items()},
        }


def compare(baseline: Plan, scenario: Plan, calendar: Calendar | None = None) -> Comparison:
    """Compare two plans of the same production (neither is changed)."""
    cal = calendar or Calendar()
    old = baseline.by_id()
    new = scenario.by_id()
    moves = [
        Move(tid, old[tid].start, st.start, working_days_between(cal, old[tid].start, st.start))
        for tid, st in new.items()
        if tid in old and st.start != old[tid].start
    ]
    moves.sort(key=lambda m: (-abs(m.days), m.task))
    load_change: dict[str, int] = {}
    peak: dict[str, tuple[int, int]] = {}
    for rid in sorted(set(baseline.load) | set(scenario.load)):
        a = baseline.load.get(rid, {})
        b = scenario.load.get(rid, {})
        delta = sum(b.values()) - sum(a.values())
        if delta:
            load_change[rid] = delta
        pa, pb = max(a.values(), default=0), max(b.values(), default=0)
        if pa != pb:
            peak[rid] = (pa, pb)
    return Comparison(
        baseline_end=baseline.end_date,
        scenario_end=scenario.end_date,
        end_shift_days=working_days_between(cal, baseline.end_date, scenario.end_date),
        moves=moves,
        added=sorted(set(new) - set(old)),
        removed=sorted(set(old) - set(new)),
        load_change=load_change,
        peak_load=peak,
    )


def finish_shifts(baseline: Plan, plan: Plan, calendar: Calendar | None = None) -> list[tuple[str, date, date, int]]:
    """Tasks the plan finishes later than the baseline: (task, baseline finish, plan finish, working days)."""
    cal = calendar or Calendar()
    old = baseline.by_id()
    out = [
        (t.id, old[t.id].finish, t.finish, working_days_between(cal, old[t.id].finish, t.finish))
        for t in plan.tasks
        if t.id in old and t.finish > old[t.id].finish
    ]
    return sorted(out, key=lambda x: (-x[3], x[0]))


def what_if(
    problem: Problem, baseline: Plan, incidents: Sequence[Incident], *, time_limit: float = 3.0
) -> tuple[ReplanResult, Comparison]:
    """Replan a copy under `incidents` and compare it with the baseline, which stays as it was."""
    result = replan(problem, baseline, incidents, time_limit=time_limit)
    return result, compare(baseline, result.plan, problem.calendar)


@dataclass(frozen=True)
class Actual:
    """Progress entered on a task: actual start/finish and, while running, the share done (0..1)."""

    task: str
    start: date | None = None
    finish: date | None = None
    done: float | None = None


@dataclass
class Slippage:
    """One task's drift from the baseline in working days (positive: late)."""

    task: str
    planned_start: date
    planned_finish: date
    start: date | None
    finish: date | None
    start_slip: int
    finish_slip: int
    forecast: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "task": self.task,
            "planned_start": self.planned_start.isoformat(),
            "planned_finish": self.planned_finish.isoformat(),
            "start": self.start.isoformat() if self.start else None,
            "finish": self.finish.isoformat() if self.finish else None,
            "start_slip": self.start_slip,
            "finish_slip": self.finish_slip,
            "forecast": self.forecast,
        }


def slippage(
    baseline: Plan, actuals: Sequence[Actual], today: date, calendar: Calendar | None = None
) -> list[Slippage]:
    """Baseline against actual: slip of every task with progress, or due to start by `today` and not started."""
    cal = calendar or Calendar()
    grid = WorkGrid(today, cal)
    seen = {a.task: a for a in actuals}
    out: list[Slippage] = []
    for st in baseline.tasks:
        a = seen.get(st.id)
        planned_days = st.end_slot - st.start_slot
        if a is None or a.start is None:
            if st.start >= today:
                continue
            finish = grid.finish_date(0, planned_days)
            out.append(
                Slippage(
                    st.id,
                    st.start,
                    st.finish,
                    None,
                    None,
                    working_days_between(cal, st.start, today),
                    working_days_between(cal, st.finish, finish),
                    True,
                )
            )
            continue
        start_slip = working_days_between(cal, st.start, a.start)
        if a.finish is not None:
            out.append(
                Slippage(
                    st.id,
                    st.start,
                    st.finish,
                    a.start,
                    a.finish,
                    start_slip,
                    working_days_between(cal, st.finish, a.finish),
                    False,
                )
            )
            continue
        done = min(max(a.done or 0.0, 0.0), 1.0)
        remaining = max(1, math.ceil(planned_days * (1.0 - done) - 1e-9))
        forecast = grid.finish_date(0, remaining)
        out.append(
            Slippage(
                st.id,
                st.start,
                st.finish,
                a.start,
                None,
                start_slip,
                working_days_between(cal, st.finish, forecast),
                True,
            )
        )
    out.sort(key=lambda s: (-s.finish_slip, s.task))
    return out
