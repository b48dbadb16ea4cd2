"""Large neighbourhood search around CP-SAT: free part of the incumbent, keep the order of the rest, re-solve.

Each step frees the tasks of a time window of the incumbent (or a random set of tasks), keeps every
other task's choice of people and rooms and its order against the other kept tasks on the resources
they share (a partial-order schedule, which stays feasible however the kept tasks shift), and lets a
short CP-SAT search minimise the end from the incumbent. Equal ends are accepted, so the search moves
along plateaus. The size of the neighbourhood adapts: it grows while the sub-searches finish within
their time and shrinks when they do not.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from postprod.planning.compiled import Compiled
from postprod.planning.cpsat import CpModel, build_model, read_schedule
from postprod.planning.heuristic import Schedule

STEP_SECONDS = 0.25
"""Wall-clock limit of one sub-search (a busy machine may give it little CPU)."""

FIRST_SHARE = 0.3
"""Starting share of the schedule's length (or of its tasks) that a neighbourhood frees."""

STEP_DTIME = 0.05
"""Deterministic-time limit of one sub-search (the same work whatever the load of the machine)."""

PARAMS: dict[str, object] = {"linearization_level": 0, "symmetry_level": 0}
"""Sub-searches are small: no LP relaxation and no symmetry detection, which cost more than they save there."""

MIN_SHARE = 0.08
MAX_SHARE = 0.9


@dataclass
class LnsResult:
    """Best schedule, number of sub-searches and how many of them improved the end."""

    schedule: Schedule
    steps: int
    improved: int


class Incumbent:
    """The best schedule, shared between searches running in parallel threads."""

    def __init__(self, s: Schedule) -> None:
        self.lock = threading.Lock()
        self.best = s

    def get(self) -> Schedule:
        with self.lock:
            return self.best

    def offer(self, s: Schedule) -> bool:
        """Keep `s` if it ends no later than the best; True if it ends strictly earlier."""
        with self.lock:
            if s.makespan <= self.best.makespan:
                better = s.makespan < self.best.makespan
                self.best = s
                return better
            return False


def _usage(c: Compiled, s: Schedule) -> np.ndarray:
    """use[i, k]: task i holds resource k (demands and chosen people or rooms)."""
    use = np.zeros((c.n, len(c.res_ids)), dtype=bool)
    for i in range(c.n):
        if c.dur[i] == 0:
            continue
        for k, q in c.demands[i]:
            if q > 0:
                use[i, k] = True
        for k in s.assign[i]:
            use[i, k] = True
    return use


def _orders(c: Compiled, s: Schedule, kept: np.ndarray) -> list[tuple[int, int]]:
    """Pairs (i, j) of kept tasks sharing a resource with i ending before j starts, without implied pairs."""
    use = _usage(c, s).astype(np.float64)
    start = np.asarray(s.start, dtype=np.int64)
    end = start + np.asarray(c.dur, dtype=np.int64)
    share = (use @ use.T) > 0
    before = (end[:, None] <= start[None, :]) & share
    before &= kept[:, None] & kept[None, :]
    np.fill_diagonal(before, False)
    b = before.astype(np.float64)
    implied = (b @ b) > 0
    rows, cols = np.nonzero(before & ~implied)
    return list(zip(rows.tolist(), cols.tolist(), strict=True))


def _hint(m: cp_model.CpModel, base: CpModel, c: Compiled, s: Schedule) -> None:
    m.clear_hints()  # type: ignore[no-untyped-call]
    for i in range(c.n):
        if c.fixed[i] < 0:
            m.add_hint(base.starts[i], s.start[i])
        for x, k in base.choice_vars[i]:
            m.add_hint(x, k in s.assign[i])
    m.add_hint(base.end, s.makespan)


def lns(
    c: Compiled,
    first: Schedule,
    lower: int,
    deadline: float,
    *,
    seed: int = 0,
    shared: Incumbent | None = None,
    stop: Callable[[], bool] | None = None,
    progress: Callable[[float], None] | None = None,
) -> LnsResult:
    """Improve `first` until `deadline` (perf_counter), `lower` or `stop()`, one CP-SAT worker at a time."""
    rng = np.random.default_rng(seed)
    begin = time.perf_counter()
    inc = shared or Incumbent(first)
    base = build_model(c, first, lower)
    dur = np.asarray(c.dur, dtype=np.int64)
    movable = np.array([c.fixed[i] < 0 and c.dur[i] > 0 for i in range(c.n)], dtype=bool)
    share = FIRST_SHARE
    steps = improved = 0
    if not movable.any():
        return LnsResult(inc.get(), 0, 0)
    while True:
        now = time.perf_counter()
        best = inc.get()
        if now >= deadline - 0.02 or best.makespan <= lower or (stop is not None and stop()):
            break
        if progress is not None:
            progress(min(1.0, (now - begin) / max(deadline - begin, 1e-6)))
        start = np.asarray(best.start, dtype=np.int64)
        if rng.random() < 0.6:
            width = max(1, int(round(share * best.makespan)))
            a = int(rng.integers(-width // 2, max(1, best.makespan - width // 2)))
            free = movable & (start < a + width) & (start + dur > a)
        else:
            free = movable & (rng.random(c.n) < share)
        if not free.any():
            continue
        kept = ~free
        m = base.model.clone()
        for i, j in _orders(c, best, kept):
            m.add(base.starts[j] >= base.starts[i] + c.dur[i])
        for i in np.flatnonzero(kept).tolist():
            for x, k in base.choice_vars[i]:
                m.add(x == int(k in best.assign[i]))
        m.add(base.end <= best.makespan)
        _hint(m, base, c, best)
        solver = cp_model.CpSolver()
        limit = min(STEP_SECONDS, deadline - time.perf_counter())
        if limit <= 0.01:
            break
        solver.parameters.max_time_in_seconds = limit
        solver.parameters.max_deterministic_time = STEP_DTIME
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = int(rng.integers(0, 2**31 - 1))
        for key, value in PARAMS.items():
            setattr(solver.parameters, key, value)
        status = solver.solve(m)
        steps += 1
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            s = read_schedule(c, base, solver, best)
            if inc.offer(s):
                improved += 1
        if status in (cp_model.OPTIMAL, cp_model.INFEASIBLE):
            share = min(MAX_SHARE, share * 1.1)
        else:
            share = max(MIN_SHARE, share / 1.1)
    return LnsResult(inc.get(), steps, improved)
