"""Replanning after an incident: started and finished work stays put, as few other tasks move as possible."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from postprod.errors import N_, InvalidInput
from postprod.planning.calendar import WorkGrid
from postprod.planning.compiled import Compiled, compile_problem
from postprod.planning.explain import check
from postprod.planning.heuristic import Schedule, justify, resource_rank, sgs, solve_heuristic
from postprod.planning.problem import Dependency, Plan, Problem, ScheduledTask, Task

Progress = Callable[[float], None]

CP_SAT_MAX_OPTIONAL = 20_000
"""Above this many optional (task, person) pairs the replan stays with the heuristic repair."""


@dataclass(frozen=True)
class TaskSlips:
    """A task slips by `days` working days (a started task lasts longer, a planned one starts later)."""

    task: str
    days: int


@dataclass(frozen=True)
class PersonAway:
    """A person is away from `start` to `end` inclusive."""

    person: str
    start: date
    end: date


@dataclass(frozen=True)
class TaskAdded:
    """A new task, with the dependencies that tie it to the plan."""

    task: Task
    dependencies: tuple[Dependency, ...] = ()


@dataclass(frozen=True)
class DependencyChanged:
    """A dependency is added, given a new lag, or removed."""

    before: str
    after: str
    lag: int = 0
    removed: bool = False


Incident = TaskSlips | PersonAway | TaskAdded | DependencyChanged


@dataclass(frozen=True)
class Link:
    """One step of why a task moved: `task` starts where it does because of `via`.

    via: "incident" (the task is the one that slips), "dependency" / "new dependency" (it waits for
    `after`), "resource" (`resource` is busy on `after` until it starts), "absence" (`resource` is
    away, an incident), "today" (nothing starts in the past), "earlier" (a place freed up),
    "solver" (nothing holds it where it was: the solver chose the new place for the shortest plan).
    """

    task: str
    via: str
    after: str | None = None
    resource: str | None = None
    days: int = 0
    pushed_by: str | None = None  # the predecessor that now ends past the task's old start

    def to_dict(self) -> dict[str, Any]:
        return {
            "task": self.task,
            "via": self.via,
            "after": self.after,
            "resource": self.resource,
            "days": self.days,
            "pushed_by": self.pushed_by,
        }


@dataclass
class Move:
    """One task that moved: old and new start, the shift in working days (positive: later), and why."""

    task: str
    old_start: date
    new_start: date
    days: int
    chain: list[Link] = field(default_factory=list)  # from the first cause to this task

    def to_dict(self) -> dict[str, Any]:
        return {
            "task": self.task,
            "old_start": self.old_start.isoformat(),
            "new_start": self.new_start.isoformat(),
            "days": self.days,
            "chain": [link.to_dict() for link in self.chain],
        }


@dataclass
class ReplanResult:
    """The new plan, the problem it solves, what moved and what was added."""

    plan: Plan
    problem: Problem
    moves: list[Move]
    added: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "end_date": self.plan.end_date.isoformat(),
            "makespan": self.plan.makespan,
            "moved": len(self.moves),
            "moves": [m.to_dict() for m in self.moves],
            "added": list(self.added),
            "plan": self.plan.to_dict(),
        }


def apply_incidents(problem: Problem, plan: Plan, incidents: Sequence[Incident], today: date | None = None) -> Problem:
    """A new problem: started/finished tasks pinned (at their own fixed start, else where the plan put them)."""
    placed = plan.by_id()
    tasks: list[Task] = []
    for t in problem.tasks:
        st = placed.get(t.id)
        if st is not None and t.status in ("started", "done"):
            t = replace(
                t,
                fixed_start=t.fixed_start or st.start,
                people=tuple(st.people),
                skills=frozenset(),
                people_count=0,
                room=st.rooms[0] if st.rooms else t.room,
                room_kind=None if st.rooms else t.room_kind,
            )
        elif today is not None and t.fixed_start is None:
            t = replace(t, release=max(t.release or today, today))
        tasks.append(t)
    deps = list(problem.dependencies)
    people = list(problem.people)
    index = {t.id: i for i, t in enumerate(tasks)}
    for inc in incidents:
        if isinstance(inc, TaskSlips):
            if inc.task not in index:
                raise InvalidInput(N_("incident names unknown task %(task)r"), params={"task": inc.task})
            i = index[inc.task]
            t = tasks[i]
            if t.status in ("started", "done") or inc.task not in placed:
                if t.hours is not None:
                    t = replace(t, hours=t.hours + inc.days * problem.hours_per_day)
                else:
                    t = replace(t, duration=t.duration + inc.days)
            else:
                grid = WorkGrid(problem.start, problem.calendar)
                old = placed[inc.task].start_slot
                t = replace(t, release=grid.date_of(max(0, old + inc.days)))
            tasks[i] = t
        elif isinstance(inc, PersonAway):
            k = next((j for j, p in enumerate(people) if p.id == inc.person), None)
            if k is None:
                raise InvalidInput(N_("incident names unknown person %(person)r"), params={"person": inc.person})
            p = people[k]
            people[k] = replace(p, calendar=(p.calendar or problem.calendar).with_absence(inc.start, inc.end))
        elif isinstance(inc, TaskAdded):
            if inc.task.id in index:
                raise InvalidInput(N_("task %(id)s already exists"), params={"id": inc.task.id})
            index[inc.task.id] = len(tasks)
            tasks.append(inc.task)
            deps.extend(inc.dependencies)
        elif isinstance(inc, DependencyChanged):
            for name in (inc.before, inc.after):
                if name not in index:
                    raise InvalidInput(N_("incident names unknown task %(name)r"), params={"name": name})
            deps = [d for d in deps if not (d.before == inc.before and d.after == inc.after)]
            if not inc.removed:
                deps.append(Dependency(inc.before, inc.after, inc.lag))
    return replace(problem, tasks=tasks, dependencies=deps, people=people)


def _baseline(c: Compiled, plan: Plan) -> list[int]:
    old = plan.by_id()
    return [old[tid].start_slot if tid in old else -1 for tid in c.ids]


def _moves(c: Compiled, s: Schedule, base: Sequence[int]) -> int:
    return sum(1 for i in range(c.n) if base[i] >= 0 and s.start[i] != base[i])


def replan(
    problem: Problem,
    plan: Plan,
    incidents: Sequence[Incident],
    *,
    today: date | None = None,
    time_limit: float = 3.0,
    progress: Progress | None = None,
) -> ReplanResult:
    """New plan after `incidents`: earliest end first, then fewest and smallest moves; lists the moves."""
    # OR-Tools is loaded by the replan itself: the incidents above are read by processes that never solve.
    from postprod.planning.cpsat import solve_cpsat
    from postprod.planning.solver import build_plan

    t0 = time.perf_counter()
    new_problem = apply_incidents(problem, plan, incidents, today)
    c = compile_problem(new_problem)
    check(new_problem, c, strict_due=False)
    base = _baseline(c, plan)
    rindex = {r: k for k, r in enumerate(c.res_ids)}
    old = plan.by_id()
    c.prefer = [
        tuple(rindex[r] for r in (*old[tid].people, *old[tid].rooms) if r in rindex) if tid in old else ()
        for tid in c.ids
    ]
    rank = resource_rank(c)
    # Repair: every planned task keeps its start unless something pushes it later.
    held = replace(c, release=[max(c.release[i], base[i]) for i in range(c.n)])
    key = [float(base[i]) if base[i] >= 0 else float(c.es[i]) for i in range(c.n)]
    candidates = [sgs(held, key, rank)]
    candidates.append(justify(c, candidates[0], rank, rounds=2))
    budget = max(0.0, 0.3 * time_limit - (time.perf_counter() - t0))
    lower = max(c.critical_lower_bound(), c.energy_lower_bound())
    if budget > 0:
        fresh, _ = solve_heuristic(c, budget, target=lower)
        candidates.append(fresh)
    best = min(candidates, key=lambda s: (s.makespan, _moves(c, s, base)))
    solver = "repair"
    if progress is not None:
        progress(0.3)
    optional = sum(len(ch.cands) for chs in c.choices for ch in chs)
    left = time_limit - (time.perf_counter() - t0)
    if optional <= CP_SAT_MAX_OPTIONAL and left > 0.3:
        first = solve_cpsat(c, best, lower, left * 0.5)
        if first.schedule is not None and first.makespan < best.makespan:
            best, solver = first.schedule, "cp-sat"
        left = time_limit - (time.perf_counter() - t0)
        if left > 0.2 and _moves(c, best, base):
            second = solve_cpsat(c, best, lower, left, baseline=base, max_end=best.makespan)
            if second.schedule is not None and _moves(c, second.schedule, base) < _moves(c, best, base):
                best, solver = second.schedule, "cp-sat"
    new_plan = build_plan(c, best, solver, lower, best.makespan <= lower, time.perf_counter() - t0)
    moves: list[Move] = []
    for tid, st in zip(c.ids, new_plan.tasks, strict=True):
        if tid in old and st.start_slot != old[tid].start_slot:
            moves.append(Move(tid, old[tid].start, st.start, st.start_slot - old[tid].start_slot))
    moves.sort(key=lambda m: (-abs(m.days), m.task))
    explain_moves(c, new_plan, incidents, moves)
    added = [tid for tid in c.ids if tid not in old]
    if progress is not None:
        progress(1.0)
    return ReplanResult(new_plan, new_problem, moves, added)


MAX_CHAIN = 60


def explain_moves(c: Compiled, plan: Plan, incidents: Sequence[Incident], moves: list[Move]) -> None:
    """Give each move the chain of causes that put the task where it now starts.

    Each step looks for what holds the task at its new start in the new plan: the incident itself,
    a predecessor that ends just then (start = end + lag), a person or room busy on another task
    until then, an absence of the incident, today; and follows the cause back while it moved too.
    """
    index = {tid: i for i, tid in enumerate(c.ids)}
    placed = plan.by_id()
    moved = {m.task: m for m in moves}
    slips = {inc.task: inc.days for inc in incidents if isinstance(inc, TaskSlips)}
    new_links = {(inc.before, inc.after) for inc in incidents if isinstance(inc, DependencyChanged) and not inc.removed}
    new_links |= {(d.before, d.after) for inc in incidents if isinstance(inc, TaskAdded) for d in inc.dependencies}
    away = [inc for inc in incidents if isinstance(inc, PersonAway)]
    by_end: dict[int, list[ScheduledTask]] = {}
    for t in plan.tasks:
        by_end.setdefault(t.end_slot, []).append(t)

    def cause(tid: str) -> Link:
        t = placed[tid]
        m = moved.get(tid)
        if tid in slips:
            return Link(tid, "incident", days=slips[tid])
        if m is not None and m.days < 0:
            return Link(tid, "earlier")
        i = index[tid]
        for j, lag in c.preds[i]:
            before = placed[c.ids[j]]
            if before.end_slot + lag == t.start_slot:
                via = "new dependency" if (before.id, tid) in new_links else "dependency"
                return Link(tid, via, after=before.id, days=lag)
        # A predecessor that now ends past the old start pushed the task off its place; how far it
        # went then depends on its people and rooms.
        old_slot = t.start_slot - (m.days if m is not None else 0)
        late_preds = [(placed[c.ids[j]].end_slot + lag, c.ids[j]) for j, lag in c.preds[i]]
        pushed = max((p for p in late_preds if p[0] > old_slot), default=None)
        pushed_by = pushed[1] if pushed is not None else None
        mine = (*t.people, *t.rooms)
        for other in by_end.get(t.start_slot, ()):
            shared = next((r for r in mine if r in (*other.people, *other.rooms)), None)
            if other.id != tid and shared is not None:
                return Link(tid, "resource", after=other.id, resource=shared, pushed_by=pushed_by)
        old_start = m.old_start if m is not None else t.start
        for a in away:
            if a.person in t.people and a.start <= t.start and a.end >= old_start:
                return Link(tid, "absence", resource=a.person, pushed_by=pushed_by)
        if c.fixed[i] < 0 and c.release[i] == t.start_slot:
            return Link(tid, "today")
        # a person or room busy until later than the old start, then a gap (a day off, a holiday)
        busy = [
            o
            for o in plan.tasks
            if o.id != tid
            and o.end_slot <= t.start_slot
            and o.finish >= old_start
            and any(r in (*o.people, *o.rooms) for r in mine)
        ]
        if busy:
            last = max(busy, key=lambda o: (o.end_slot, o.id))
            shared = next(r for r in mine if r in (*last.people, *last.rooms))
            return Link(tid, "resource", after=last.id, resource=shared, pushed_by=pushed_by)
        return Link(tid, "solver", pushed_by=pushed_by)

    for m in moves:
        chain = [cause(m.task)]
        seen = {m.task}
        while len(chain) < MAX_CHAIN:
            link = chain[-1]
            prev = link.after
            if prev is None or (prev not in moved and prev not in slips):
                prev = link.pushed_by  # held by work that stayed put: follow what pushed it instead
            if prev is None or prev in seen or (prev not in moved and prev not in slips):
                break
            seen.add(prev)
            chain.append(cause(prev))
        m.chain = chain[::-1]
