"""One entry point: heuristic first, then CP-SAT within the time limit; the result as a dated Plan."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import numpy as np
from ortools.sat.python import cp_model

from postprod.errors import N_, InfeasibleError
from postprod.planning.compiled import MAX_HORIZON, Compiled, compile_problem
from postprod.planning.cpsat import CpResult, solve_cpsat
from postprod.planning.explain import check
from postprod.planning.genetic import genetic, is_plain
from postprod.planning.heuristic import (
    HorizonTooShort,
    Schedule,
    latest_starts,
    priority_rules,
    resource_rank,
    sgs,
    solve_heuristic,
)
from postprod.planning.lns import Incumbent, lns
from postprod.planning.problem import Plan, Problem, ScheduledTask

Progress = Callable[[float], None]

HEURISTIC_ONLY_BUDGET = 0.025
"""Seconds (from the start of the clock) of multi-pass sampling when the time limit is 0 (the first passes always complete)."""


HEURISTIC_SHARE = 0.6
"""Share of the time limit for the heuristic before CP-SAT."""

GENETIC_SHARE = 0.3
"""On plain problems, share of the time limit for the genetic algorithm before the large neighbourhood search
(the GA stalls within a few seconds on the hard PSPLIB groups; the LNS goes on improving)."""


def heuristic_share(time_limit: float, plain: bool = False) -> float:
    """Seconds given to the heuristic (or the GA on plain problems) before the final search takes over."""
    return (GENETIC_SHARE if plain and FINISH != "cpsat" else HEURISTIC_SHARE) * time_limit


def compile_with_room(problem: Problem) -> tuple[Compiled, Schedule]:
    """Compile, and lengthen the grid until a first schedule fits on it."""
    horizon: int | None = None
    while True:
        c = compile_problem(problem, horizon)
        try:
            first = sgs(c, priority_rules(c)["lft"])
            return c, first
        except HorizonTooShort as exc:
            if c.horizon * 2 > MAX_HORIZON:
                raise InfeasibleError(
                    N_("task %(ids)s finds no time when its people and rooms are all available"),
                    params={"ids": c.ids[exc.task]},
                ) from None
            horizon = c.horizon * 2


def solve(
    problem: Problem,
    time_limit: float = 10.0,
    progress: Progress | None = None,
    *,
    seed: int = 0,
    strict_due: bool = True,
) -> Plan:
    """Plan `problem`: explain impossible input, run the heuristic, then CP-SAT until `time_limit` seconds.

    With `strict_due`, a due date that the predecessors make impossible is an InfeasibleError;
    otherwise the task is planned late and listed in `Plan.late`.
    """
    t0 = time.perf_counter()
    c0 = compile_problem(problem, horizon=1)
    check(problem, c0, strict_due=strict_due)
    c, _first = compile_with_room(problem)
    return solve_compiled(c, time_limit, progress, seed=seed, t0=t0)


CP_PARAMS: dict[str, object] = {}
"""Extra CP-SAT parameters for the makespan search."""

SIDE_CPSAT = True
"""Run a CP-SAT search beside the genetic algorithm (the machine has two cores or more)."""

SIDE_WORKERS = 2
"""Workers of the side search: the second one runs CP-SAT's large neighbourhood search."""

SIDE_SHARE = 0.25
SIDE_TASKS = 60
"""The side search runs for a share SIDE_TASKS/n of the GA's time, at least SIDE_SHARE and at most all of it:
exact search pays on small problems, while on large ones the GA needs the core."""

SAFETY = 0.07
"""Share of the time limit kept free, so parsing, model building and the answer fit inside it."""

SAFETY_SECONDS = 0.2
"""At least this much is kept free (a busy machine can be slow to hand the answer back)."""


def solve_compiled(
    c: Compiled, time_limit: float, progress: Progress | None = None, *, seed: int = 0, t0: float | None = None
) -> Plan:
    """Solve an already compiled problem (PSPLIB instances come straight here); `t0` is when the clock started."""
    t0 = time.perf_counter() if t0 is None else t0
    lower = max(c.critical_lower_bound(), c.energy_lower_bound())
    spent = time.perf_counter() - t0
    plain = time_limit > 0 and is_plain(c)
    if time_limit <= 0:
        budget = max(0.005, HEURISTIC_ONLY_BUDGET - spent)
    else:
        budget = heuristic_share(time_limit, plain) - spent

    def heur_progress(x: float) -> None:
        if progress is not None:
            progress(x if time_limit <= 0 else x * budget / time_limit)

    patience = None if time_limit <= 0 else (0 if plain else max(300, 5 * c.n))
    best, _count = solve_heuristic(c, budget, seed=seed, target=lower, patience=patience, progress=heur_progress)
    solver = "heuristic"
    bound = lower
    if plain and best.makespan > lower:
        best, side = _genetic_beside_cpsat(c, best, lower, t0 + spent + budget, seed, heur_progress)
        if side is not None:
            bound = max(bound, side.bound)
            if side.schedule is not None and side.makespan < best.makespan:
                best, solver = side.schedule, "cp-sat"
    optimal = best.makespan <= bound
    deadline = t0 + time_limit - min(0.5 * time_limit, max(SAFETY * time_limit, SAFETY_SECONDS))
    left = deadline - time.perf_counter()
    if time_limit > 0 and not optimal and left > 0.05:

        def cp_progress(x: float) -> None:
            if progress is not None:
                progress(min(1.0, (time_limit - left + x * left) / time_limit))

        mode = FINISH if plain else FINISH_OTHER
        if mode == "cpsat":
            res = solve_cpsat(
                c,
                best,
                lower,
                left,
                seed=seed,
                progress=cp_progress if progress else None,
                deadline=deadline,
                params=CP_PARAMS,
            )
        else:
            # the LNS stops at the bound already proven beside the GA
            res = _lns_beside_cpsat(c, best, bound, deadline, seed, mode, cp_progress if progress else None)
        bound = max(bound, res.bound)
        if res.schedule is not None and res.makespan <= best.makespan:
            last = "lns" if res.status == "LNS" else "cp-sat"
            solver = last if res.makespan < best.makespan else f"heuristic+{last}"
            best = res.schedule
        optimal = res.optimal or best.makespan <= bound
    if progress is not None:
        progress(1.0)
    return build_plan(c, best, solver, bound, optimal, time.perf_counter() - t0)


FINISH = "lns2"
"""The last search on plain problems: "lns2" (two large neighbourhood searches sharing the incumbent),
"lns+cp" (one, beside a one-worker CP-SAT search that may prove the bound) or "cpsat" (CP-SAT alone)."""

FINISH_OTHER = "cpsat"
"""The last search on productions (people and rooms to choose, calendars, pinned tasks)."""


def _lns_beside_cpsat(
    c: Compiled, first: Schedule, lower: int, deadline: float, seed: int, mode: str, progress: Progress | None
) -> CpResult:
    """Large neighbourhood search on this core and, on the other, a second one or a one-worker CP-SAT search."""
    inc = Incumbent(first)
    side: list[CpResult] = []
    solvers: list[cp_model.CpSolver] = []
    lock = threading.Lock()
    done = threading.Event()

    def started(s: cp_model.CpSolver) -> None:
        with lock:
            solvers.append(s)
            if done.is_set():
                s.stop_search()

    def run() -> None:
        side.append(
            solve_cpsat(
                c,
                first,
                lower,
                deadline - time.perf_counter(),
                workers=1,
                seed=seed,
                deadline=deadline,
                started=started,
            )
        )

    helpers: list[threading.Thread] = []
    if mode == "lns+cp":
        helpers.append(threading.Thread(target=run, name="cp-sat beside the LNS", daemon=True))
    else:
        helpers.append(
            threading.Thread(
                target=lambda: lns(c, first, lower, deadline, seed=seed + 1, shared=inc), name="second LNS", daemon=True
            )
        )
    for h in helpers:
        h.start()
    lns(
        c, first, lower, deadline, seed=seed, shared=inc, stop=lambda: bool(side) and side[0].optimal, progress=progress
    )
    done.set()
    with lock:
        for s in solvers:
            s.stop_search()
    for h in helpers:
        h.join()
    best = inc.get()
    bound = lower
    if side:
        bound = max(bound, side[0].bound)
        if side[0].schedule is not None and side[0].makespan < best.makespan:
            best = side[0].schedule
    return CpResult(best, best.makespan, bound, best.makespan <= bound, "LNS")


def _genetic_beside_cpsat(
    c: Compiled, first: Schedule, lower: int, until: float, seed: int, progress: Progress
) -> tuple[Schedule, CpResult | None]:
    """The genetic algorithm on this thread while a CP-SAT search runs beside it on the other core.

    The GA stops early when CP-SAT proves its plan optimal; CP-SAT stops at its share of the GA's time
    or when the GA ends.
    """
    rules = priority_rules(c)
    side: list[CpResult] = []
    solvers: list[cp_model.CpSolver] = []
    lock = threading.Lock()

    def started(s: cp_model.CpSolver) -> None:
        with lock:
            solvers.append(s)

    begin = time.perf_counter()
    share = min(1.0, max(SIDE_SHARE, SIDE_TASKS / max(c.n, 1)))
    side_end = begin + share * (until - begin)

    def run() -> None:
        side.append(
            solve_cpsat(
                c, first, lower, side_end - begin, workers=SIDE_WORKERS, seed=seed, deadline=side_end, started=started
            )
        )

    helper = threading.Thread(target=run, name="cp-sat beside the GA", daemon=True) if SIDE_CPSAT else None
    if helper is not None:
        helper.start()
    best, _ = genetic(
        c,
        list(rules.values()),
        first,
        until,
        seed=seed,
        target=lower,
        progress=progress,
        stop=(lambda: bool(side) and side[0].optimal) if helper is not None else None,
    )
    if helper is None:
        return best, None
    with lock:
        for s in solvers:
            s.stop_search()
    helper.join()
    return best, side[0] if side else None


def build_plan(c: Compiled, s: Schedule, solver: str, lower: int, optimal: bool, seconds: float) -> Plan:
    """Dates, slack (resource-aware), critical path, lateness and load of a schedule."""
    assert c.grid is not None
    grid = c.grid
    n = c.n
    rank = resource_rank(c)
    try:
        ls = latest_starts(c, s, rank)
    except HorizonTooShort:
        ls = list(s.start)
    warnings = [f"task {c.ids[i]} is fixed at a time its people or rooms are booked or away" for i in s.overbooked]
    usage = np.zeros((len(c.res_ids), max(s.makespan, 1)), dtype=np.int64)
    tasks: list[ScheduledTask] = []
    for i in range(n):
        st, d = s.start[i], c.dur[i]
        for k, q in c.demands[i]:
            usage[k, st : st + d] += q
        for k in s.assign[i]:
            usage[k, st : st + d] += 1
        slack = 0 if c.fixed[i] >= 0 else max(0, ls[i] - st)
        late = max(0, st + d - c.due[i]) if c.due[i] >= 0 else 0
        people = tuple(c.res_ids[k] for k, _ in c.demands[i] if c.res_kind[k] == "person")
        people += tuple(c.res_ids[k] for k in s.assign[i] if c.res_kind[k] == "person")
        rooms = tuple(c.res_ids[k] for k, _ in c.demands[i] if c.res_kind[k] == "room")
        rooms += tuple(c.res_ids[k] for k in s.assign[i] if c.res_kind[k] == "room")
        tasks.append(
            ScheduledTask(
                id=c.ids[i],
                start=grid.date_of(st),
                finish=grid.finish_date(st, d),
                start_slot=st,
                end_slot=st + d,
                people=people,
                rooms=rooms,
                slack=slack,
                critical=c.fixed[i] < 0 and slack == 0,
                late_days=late,
            )
        )
    crit = sorted((t for t in tasks if t.critical), key=lambda t: (t.start_slot, t.end_slot))
    days = grid.days(usage.shape[1])
    load: dict[str, dict[str, int]] = {}
    for k, rid in enumerate(c.res_ids):
        nz = np.flatnonzero(usage[k])
        if nz.size:
            load[rid] = {days[t].isoformat(): int(usage[k, t]) for t in nz.tolist()}
    end_date = grid.finish_date(max(s.makespan, 1) - 1, 1) if n else grid.start
    return Plan(
        start=grid.start,
        tasks=tasks,
        makespan=s.makespan,
        end_date=end_date,
        critical_path=[t.id for t in crit],
        late=[t.id for t in tasks if t.late_days > 0],
        load=load,
        solver=solver,
        lower_bound=min(lower, s.makespan),
        optimal=optimal,
        seconds=seconds,
        warnings=warnings,
    )
