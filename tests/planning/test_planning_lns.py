"""The large neighbourhood search keeps plans feasible, never ends later, and reaches a proven optimum."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable

from tests.planning.test_planning_heuristic import random_problem

from postprod.planning import Calendar, Dependency, Plan, Pool, Problem, Task
from postprod.planning.calendar import ALL_DAYS
from postprod.planning.compiled import compile_problem
from postprod.planning.cpsat import solve_cpsat
from postprod.planning.heuristic import priority_rules, sgs
from postprod.planning.lns import Incumbent, lns
from postprod.planning.psplib import EPOCH
from postprod.planning.solver import build_plan, compile_with_room


def scarce(seed: int, n: int = 18) -> Problem:
    """A plain problem where every task needs most of a scarce pool, so the order of tasks decides the end."""
    rng = random.Random(seed)
    pools = [Pool("A", 4), Pool("B", 3)]
    tasks = [
        Task(f"t{i}", duration=rng.randint(1, 6), demands={"A": rng.randint(1, 4), "B": rng.randint(0, 3)})
        for i in range(n)
    ]
    deps = [Dependency(f"t{i}", f"t{j}") for j in range(1, n) for i in rng.sample(range(j), min(j, rng.randint(0, 1)))]
    return Problem(start=EPOCH, tasks=tasks, dependencies=deps, pools=pools, calendar=Calendar(weekdays=ALL_DAYS))


def test_lns_reaches_the_proven_optimum_from_a_poor_schedule(plan_checker: Callable[[Problem, Plan], None]) -> None:
    problem = scarce(5)
    c = compile_problem(problem)
    lower = max(c.critical_lower_bound(), c.energy_lower_bound())
    # the worst priority rule, reversed: a long first schedule
    poor = sgs(c, [-x for x in priority_rules(c)["lft"]])
    exact = solve_cpsat(c, poor, lower, 20.0)
    assert exact.optimal and exact.makespan < poor.makespan
    res = lns(c, poor, exact.makespan, time.perf_counter() + 20.0, seed=3)
    assert res.schedule.makespan == exact.makespan
    assert res.improved >= 1
    plan_checker(problem, build_plan(c, res.schedule, "lns", lower, True, 0.0))


def test_lns_on_productions_keeps_people_rooms_and_calendars(plan_checker: Callable[[Problem, Plan], None]) -> None:
    for seed in range(6):
        problem = random_problem(seed, n=16)
        c, first = compile_with_room(problem)
        res = lns(c, first, 0, time.perf_counter() + 0.6, seed=seed)
        assert res.schedule.makespan <= first.makespan
        plan_checker(problem, build_plan(c, res.schedule, "lns", 0, False, 0.0))


def test_two_searches_share_one_incumbent(plan_checker: Callable[[Problem, Plan], None]) -> None:
    problem = scarce(11, n=24)
    c = compile_problem(problem)
    first = sgs(c, [-x for x in priority_rules(c)["lft"]])
    inc = Incumbent(first)
    deadline = time.perf_counter() + 1.5
    other = threading.Thread(target=lambda: lns(c, first, 0, deadline, seed=1, shared=inc))
    other.start()
    mine = lns(c, first, 0, deadline, seed=2, shared=inc)
    other.join()
    assert mine.schedule.makespan == inc.get().makespan <= first.makespan
    plan_checker(problem, build_plan(c, inc.get(), "lns", 0, False, 0.0))
