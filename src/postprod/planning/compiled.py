"""A problem turned into integer arrays on the working-day grid, shared by every solver."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np

from postprod.errors import N_, InvalidInput
from postprod.planning.calendar import Calendar, WorkGrid
from postprod.planning.cpm import earliest_starts, latest_finishes, topological_order
from postprod.planning.problem import Problem

MAX_HORIZON = 200_000


@dataclass
class Choice:
    """Pick `count` distinct unit resources among `cands` (people with the skills, rooms of a kind)."""

    cands: np.ndarray
    count: int


@dataclass
class Compiled:
    """Tasks 0..n-1 and resources 0..R-1 as arrays; avail[k, t] is resource k's capacity on slot t."""

    ids: list[str]
    dur: list[int]
    preds: list[list[tuple[int, int]]]
    succs: list[list[tuple[int, int]]]
    release: list[int]
    fixed: list[int]
    due: list[int]
    demands: list[list[tuple[int, int]]]
    choices: list[list[Choice]]
    prefer: list[tuple[int, ...]]
    res_ids: list[str]
    res_kind: list[str]
    cap: np.ndarray
    avail: np.ndarray
    grid: WorkGrid | None = None
    order: list[int] = field(default_factory=list)
    es: list[int] = field(default_factory=list)
    tail: list[int] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.ids)

    @property
    def horizon(self) -> int:
        return int(self.avail.shape[1])

    @property
    def has_choices(self) -> bool:
        return any(self.choices)

    def finish_analysis(self) -> None:
        """Topological order, earliest starts (fixed tasks pinned) and tails (longest path to the end)."""
        n = self.n
        self.order = topological_order(n, self.succs, self.ids)
        rel = [self.fixed[i] if self.fixed[i] >= 0 else self.release[i] for i in range(n)]
        self.es = earliest_starts(self.order, self.dur, self.preds, rel)
        for i in range(n):
            if self.fixed[i] >= 0:
                self.es[i] = self.fixed[i]
        tail = list(self.dur)
        for i in reversed(self.order):
            best = tail[i]
            for j, lag in self.succs[i]:
                v = self.dur[i] + lag + tail[j]
                if v > best:
                    best = v
            tail[i] = best
        self.tail = tail

    def critical_lower_bound(self) -> int:
        """Longest precedence path (with releases and fixed starts): no plan can end earlier."""
        return max((self.es[i] + self.tail[i] for i in range(self.n)), default=0)

    def energy_lower_bound(self) -> int:
        """For each pool with constant capacity: total demand-days over capacity, rounded up."""
        best = 0
        if self.has_choices or self.n == 0:
            return 0
        for k in range(len(self.res_ids)):
            row = self.avail[k]
            if row.min() != row.max() or row[0] <= 0:
                continue
            energy = sum(self.dur[i] * q for i in range(self.n) for kk, q in self.demands[i] if kk == k)
            best = max(best, -(-energy // int(row[0])))
        return best

    def latest_finishes(self, horizon: int) -> list[int]:
        return latest_finishes(self.order, self.dur, self.succs, horizon)


def _horizon_guess(p: Problem, grid: WorkGrid, dur: list[int]) -> int:
    base = 0
    for t, d in zip(p.tasks, dur, strict=True):
        for day in (t.release, t.fixed_start):
            if day is not None:
                base = max(base, grid.slot_of(day) + d)
    lags = sum(max(dep.lag, 0) for dep in p.dependencies)
    return base + sum(dur) + lags + 1


def compile_problem(p: Problem, horizon: int | None = None) -> Compiled:
    """Map names to indices, dates to slots and calendars to per-resource capacity rows."""
    grid = WorkGrid(p.start, p.calendar)
    ids = [t.id for t in p.tasks]
    index: dict[str, int] = {}
    for i, tid in enumerate(ids):
        if tid in index:
            raise InvalidInput(N_("two tasks have the id %(tid)r"), field="id", params={"tid": tid})
        index[tid] = i
    n = len(ids)
    dur = [t.work_days(p.hours_per_day) for t in p.tasks]
    preds: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    succs: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    for dep in p.dependencies:
        for name in (dep.before, dep.after):
            if name not in index:
                raise InvalidInput(
                    N_("dependency %(before)s -> %(after)s names unknown task %(name)r"),
                    params={"before": dep.before, "after": dep.after, "name": name},
                )
        a, b = index[dep.before], index[dep.after]
        succs[a].append((b, int(dep.lag)))
        preds[b].append((a, int(dep.lag)))

    res_ids: list[str] = []
    res_kind: list[str] = []
    caps: list[int] = []
    cals: list[Calendar] = []
    rindex: dict[str, int] = {}
    for kind, items in (("pool", p.pools), ("person", p.people), ("room", p.rooms)):
        for r in items:
            if r.id in rindex:
                raise InvalidInput(N_("two resources have the id %(id)r"), field="id", params={"id": r.id})
            rindex[r.id] = len(res_ids)
            res_ids.append(r.id)
            res_kind.append(kind)
            cap = int(r.capacity) if kind == "pool" else 1  # type: ignore[union-attr]
            if cap < 0:
                raise InvalidInput(N_("pool %(id)s: capacity must be >= 0"), field="capacity", params={"id": r.id})
            caps.append(cap)
            cals.append(r.calendar or p.calendar)

    demands: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    choices: list[list[Choice]] = [[] for _ in range(n)]
    people_idx = [rindex[x.id] for x in p.people]
    for i, t in enumerate(p.tasks):
        for rid, q in t.demands.items():
            if rid not in rindex:
                raise InvalidInput(
                    N_("task %(id)s: unknown resource %(rid)r"), field="demands", params={"id": t.id, "rid": rid}
                )
            if q < 0:
                raise InvalidInput(
                    N_("task %(id)s: demand of %(rid)s must be >= 0"), field="demands", params={"id": t.id, "rid": rid}
                )
            if q > 0:
                demands[i].append((rindex[rid], int(q)))
        for pid in t.people:
            if pid not in rindex or res_kind[rindex[pid]] != "person":
                raise InvalidInput(
                    N_("task %(id)s: unknown person %(pid)r"), field="people", params={"id": t.id, "pid": pid}
                )
            demands[i].append((rindex[pid], 1))
        need = t.chosen_people()
        if need > 0:
            named = {rindex[x] for x in t.people}
            cands = [k for k, person in zip(people_idx, p.people, strict=True) if t.skills <= person.skills]
            cands = [k for k in cands if k not in named]
            choices[i].append(Choice(np.array(cands, dtype=np.int64), need))
        if t.room is not None:
            if t.room not in rindex or res_kind[rindex[t.room]] != "room":
                raise InvalidInput(
                    N_("task %(id)s: unknown room %(room)r"), field="room", params={"id": t.id, "room": t.room}
                )
            demands[i].append((rindex[t.room], 1))
        elif t.room_kind is not None:
            cands = [rindex[r.id] for r in p.rooms if r.kind == t.room_kind]
            choices[i].append(Choice(np.array(cands, dtype=np.int64), 1))

    release = [grid.slot_of(t.release) if t.release else 0 for t in p.tasks]
    fixed = [grid.slot_of(t.fixed_start) if t.fixed_start else -1 for t in p.tasks]
    # Working days up to and including the due day (a due date on a weekend means the Friday before).
    due = [grid.slot_of(t.due + timedelta(days=1)) if t.due else -1 for t in p.tasks]

    h = horizon or _horizon_guess(p, grid, dur)
    cap_arr = np.array(caps, dtype=np.int64)
    avail = np.zeros((len(caps), 0), dtype=np.int64)
    for _ in range(4):
        if h > MAX_HORIZON:
            raise InvalidInput(
                N_("the plan would need more than %(max_horizon)s working days"), params={"max_horizon": MAX_HORIZON}
            )
        avail = _availability(grid, cals, cap_arr, h)
        if horizon is not None:
            break
        short = int((avail < cap_arr[:, None]).sum(axis=1).max()) if len(caps) else 0
        if h >= _horizon_guess(p, grid, dur) + short:
            break
        h = _horizon_guess(p, grid, dur) + short
    c = Compiled(
        ids=ids,
        dur=dur,
        preds=preds,
        succs=succs,
        release=release,
        fixed=fixed,
        due=due,
        demands=demands,
        choices=choices,
        prefer=[() for _ in range(n)],
        res_ids=res_ids,
        res_kind=res_kind,
        cap=cap_arr,
        avail=avail,
        grid=grid,
    )
    c.finish_analysis()
    return c


def _availability(grid: WorkGrid, cals: list[Calendar], cap: np.ndarray, h: int) -> np.ndarray:
    out = np.zeros((len(cals), h), dtype=np.int64)
    cache: dict[tuple[frozenset[int], frozenset[object]], np.ndarray] = {}
    days = grid.days(h) if any(cal.absences for cal in cals) else []
    for k, cal in enumerate(cals):
        key = (cal.weekdays, frozenset(cal.holidays))
        base = cache.get(key)
        if base is None:
            base = grid.availability(Calendar(cal.weekdays, cal.holidays), h)
            cache[key] = base
        row = base.copy()
        for d1, d2 in cal.absences:  # absences cut ranges of slots: two bisections each, no day-by-day pass
            row[bisect.bisect_left(days, d1) : bisect.bisect_right(days, d2)] = False
        out[k] = row * cap[k]
    return out
