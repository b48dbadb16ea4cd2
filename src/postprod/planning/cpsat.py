"""OR-Tools CP-SAT model of a compiled problem: intervals, cumulative/no-overlap, optional people."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from postprod.planning.compiled import Compiled
from postprod.planning.heuristic import Schedule

Progress = Callable[[float], None]

MAKESPAN_INTERVAL = True
"""Put the idle time after the end into every cumulative (an interval from the end to the horizon using the
whole capacity), so the energetic reasoning of the cumulatives bounds the end itself."""


@dataclass
class CpResult:
    """Best schedule found (None if none beat the hint), proven bound on the end, and optimality."""

    schedule: Schedule | None
    makespan: int
    bound: int
    optimal: bool
    status: str


class _Progress(cp_model.CpSolverSolutionCallback):
    def __init__(self, progress: Progress, limit: float) -> None:
        super().__init__()
        self.progress = progress
        self.limit = max(limit, 1e-6)
        self.t0 = time.perf_counter()

    def on_solution_callback(self) -> None:
        self.progress(min(1.0, (time.perf_counter() - self.t0) / self.limit))


def _runs(values: np.ndarray) -> list[tuple[int, int, int]]:
    """(start, length, value) of maximal runs of equal non-zero values."""
    out: list[tuple[int, int, int]] = []
    n = values.size
    if n == 0:
        return out
    change = np.flatnonzero(np.diff(values)) + 1
    starts = np.concatenate(([0], change))
    ends = np.concatenate((change, [n]))
    for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
        v = int(values[a])
        if v > 0:
            out.append((a, b - a, v))
    return out


@dataclass
class CpModel:
    """The CP-SAT model of a compiled problem and the variables a schedule is read from."""

    model: cp_model.CpModel
    starts: list[cp_model.IntVar]
    choice_vars: list[list[tuple[cp_model.IntVar, int]]]
    end: cp_model.IntVar
    horizon: int


def build_model(
    c: Compiled,
    hint: Schedule,
    lower: int,
    *,
    baseline: Sequence[int] | None = None,
    max_end: int | None = None,
) -> CpModel:
    """Intervals on each resource, precedences and the end; hinted with `hint`.

    The objective is the end, or, with `baseline` and `max_end`, the number and size of moves.
    """
    n = c.n
    dur = c.dur
    ub = hint.makespan if max_end is None else max_end
    model = cp_model.CpModel()
    starts: list[cp_model.IntVar] = []
    intervals: list[cp_model.IntervalVar | None] = []
    per_res: dict[int, tuple[list[cp_model.IntervalVar], list[int]]] = {}
    fixed_use = np.zeros((len(c.res_ids), max(ub, 1)), dtype=np.int64)
    choice_vars: list[list[tuple[cp_model.IntVar, int]]] = [[] for _ in range(n)]

    def add(k: int, iv: cp_model.IntervalVar, q: int) -> None:
        lst = per_res.setdefault(k, ([], []))
        lst[0].append(iv)
        lst[1].append(q)

    for i in range(n):
        d = dur[i]
        if c.fixed[i] >= 0:
            s = model.new_constant(c.fixed[i])
        else:
            lo = c.es[i]
            hi = max(lo, ub - c.tail[i], hint.start[i])
            s = model.new_int_var(lo, hi, f"s{i}")
        starts.append(s)
        if d == 0:
            intervals.append(None)
            continue
        iv = model.new_fixed_size_interval_var(s, d, f"i{i}")
        intervals.append(iv)
        for k, q in c.demands[i]:
            add(k, iv, q)
            if c.fixed[i] >= 0:
                fixed_use[k, c.fixed[i] : c.fixed[i] + d] += q
        if c.fixed[i] >= 0:
            for k in hint.assign[i]:
                add(k, iv, 1)
                fixed_use[k, c.fixed[i] : c.fixed[i] + d] += 1
            continue
        for ch in c.choices[i]:
            lits = []
            for k in ch.cands.tolist():
                x = model.new_bool_var(f"x{i}_{k}")
                lits.append(x)
                add(k, model.new_optional_fixed_size_interval_var(s, d, x, f"o{i}_{k}"), 1)
                choice_vars[i].append((x, k))
                model.add_hint(x, k in hint.assign[i])
            model.add(sum(lits) == ch.count)
    for i in range(n):
        for j, lag in c.succs[i]:
            model.add(starts[j] >= starts[i] + dur[i] + lag)
    horizon = max(ub, 1)
    end = model.new_int_var(min(lower, ub), ub, "end")
    tail_iv = None
    if MAKESPAN_INTERVAL and baseline is None:
        tail_iv = model.new_interval_var(end, horizon - end, horizon, "after_end")
    for k, (ivs, qs) in per_res.items():
        cap = int(c.cap[k])
        short = cap - c.avail[k, :horizon]
        block = np.maximum(0, np.minimum(short, cap - fixed_use[k, :horizon]))
        blocked = False
        for a, length, v in _runs(block):
            ivs.append(model.new_fixed_size_interval_var(a, length, f"b{k}_{a}"))
            qs.append(v)
            blocked = True
        if tail_iv is not None and cap > 0 and not blocked:
            ivs.append(tail_iv)
            qs.append(cap)
        if cap == 1 and all(q == 1 for q in qs):
            model.add_no_overlap(ivs)
        else:
            model.add_cumulative(ivs, qs, cap)
    for i in range(n):
        if not c.succs[i] or any(lag < 0 for _, lag in c.succs[i]):
            model.add(end >= starts[i] + dur[i])
    for i in range(n):
        if c.fixed[i] < 0:
            model.add_hint(starts[i], hint.start[i])
    model.add_hint(end, hint.makespan)

    if baseline is not None:
        terms = []
        for i in range(n):
            if c.fixed[i] >= 0 or baseline[i] < 0:
                continue
            b = model.new_bool_var(f"m{i}")
            model.add(starts[i] == baseline[i]).only_enforce_if(b.Not())
            delta = model.new_int_var(0, horizon + abs(baseline[i]), f"d{i}")
            model.add_abs_equality(delta, starts[i] - baseline[i])
            terms.append(b * (horizon + 1) + delta)
        model.minimize(sum(terms) if terms else end)
    else:
        model.minimize(end)
    return CpModel(model, starts, choice_vars, end, horizon)


def solve_cpsat(
    c: Compiled,
    hint: Schedule,
    lower: int,
    time_limit: float,
    *,
    workers: int = 2,
    seed: int = 0,
    baseline: Sequence[int] | None = None,
    max_end: int | None = None,
    progress: Progress | None = None,
    deadline: float | None = None,
    params: dict[str, object] | None = None,
    started: Callable[[cp_model.CpSolver], None] | None = None,
) -> CpResult:
    """Minimise the end (or, with `baseline` and `max_end`, the number and size of moves) from a hint.

    With `deadline` (a perf_counter time) the search stops then, model building included;
    `started` receives the solver just before the search, so another thread can stop it.
    """
    m = build_model(c, hint, lower, baseline=baseline, max_end=max_end)
    solver = cp_model.CpSolver()
    if deadline is not None:
        time_limit = min(time_limit, deadline - time.perf_counter())
    if time_limit <= 0.005:
        return CpResult(None, hint.makespan, lower, False, "NOT_RUN")
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    for key, value in (params or {}).items():
        field = getattr(solver.parameters, key)
        if isinstance(value, list):
            field.extend(value)
        else:
            setattr(solver.parameters, key, value)
    cb = _Progress(progress, time_limit) if progress is not None else None
    if started is not None:
        started(solver)
    status = solver.solve(m.model, cb)
    name = solver.status_name(status)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return CpResult(None, hint.makespan, lower, False, name)
    sched = read_schedule(c, m, solver, hint)
    mk = sched.makespan
    if baseline is not None:
        return CpResult(sched, mk, lower, status == cp_model.OPTIMAL, name)
    bound = max(lower, int(np.ceil(solver.best_objective_bound - 1e-6)))
    return CpResult(sched, mk, bound, status == cp_model.OPTIMAL or bound >= mk, name)


def read_schedule(c: Compiled, m: CpModel, solver: cp_model.CpSolver, hint: Schedule) -> Schedule:
    """The schedule of the solver's last solution (pinned tasks keep the hint's people and rooms)."""
    st = [int(solver.value(s)) for s in m.starts]
    assign: list[tuple[int, ...]] = []
    for i in range(c.n):
        if c.fixed[i] >= 0:
            assign.append(hint.assign[i])
        else:
            assign.append(tuple(k for x, k in m.choice_vars[i] if solver.value(x)))
    mk = max((st[i] + c.dur[i] for i in range(c.n)), default=0)
    return Schedule(st, assign, mk, list(hint.overbooked))
