"""Heuristic and CP-SAT plans on random productions pass an independent feasibility check."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from postprod.planning import Calendar, Dependency, Person, Plan, Pool, Problem, Room, Task, solve
from postprod.planning.calendar import WorkGrid
from postprod.planning.compiled import compile_problem
from postprod.planning.heuristic import sgs, solve_heuristic

SKILLS = ("edit", "grade", "mix", "vfx")
KINDS = ("edit suite", "grading suite", "mix stage")
START = date(2025, 3, 3)


def random_problem(seed: int, n: int = 12) -> Problem:
    """A feasible production: skills and room kinds are taken from existing people and rooms."""
    rng = random.Random(seed)
    holidays = frozenset({START + timedelta(days=rng.randrange(60)) for _ in range(2)})
    cal = Calendar(holidays=holidays)
    people = []
    for k in range(rng.randint(2, 5)):
        skills = frozenset(rng.sample(SKILLS, rng.randint(1, 3)))
        absences = ()
        if rng.random() < 0.5:
            a = START + timedelta(days=rng.randrange(30))
            absences = ((a, a + timedelta(days=rng.randrange(8))),)
        weekdays = frozenset({0, 1, 2, 3}) if rng.random() < 0.2 else frozenset(range(5))
        people.append(Person(f"p{k}", skills, Calendar(weekdays, holidays, absences)))
    rooms = [Room(f"r{k}", rng.choice(KINDS)) for k in range(rng.randint(1, 3))]
    pools = [Pool("seats", 3)]
    tasks = []
    for i in range(n):
        who = rng.choice(people)
        t = Task(f"t{i}", duration=rng.randint(0, 4))
        roll = rng.random()
        if roll < 0.5:
            t.skills = frozenset(rng.sample(sorted(who.skills), 1))
        elif roll < 0.7:
            t.people = (who.id,)
        if rng.random() < 0.4:
            t.room_kind = rng.choice(rooms).kind
        elif rng.random() < 0.1:
            t.room = rng.choice(rooms).id
        if rng.random() < 0.3:
            t.demands = {"seats": rng.randint(1, 3)}
        if rng.random() < 0.15:
            t.release = START + timedelta(days=rng.randrange(20))
        if rng.random() < 0.1:
            t.hours = rng.choice((3.0, 12.0, 20.0))
        tasks.append(t)
    deps = []
    for j in range(1, n):
        for i in rng.sample(range(j), min(j, rng.randint(0, 2))):
            deps.append(Dependency(f"t{i}", f"t{j}", rng.choice((0, 0, 1, 2))))
    return Problem(START, tasks, deps, people, rooms, pools, cal)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10**6))
def test_heuristic_plans_are_feasible(plan_checker: Callable[[Problem, Plan], None], seed: int) -> None:
    p = random_problem(seed)
    plan = solve(p, time_limit=0)
    plan_checker(p, plan)
    assert plan.solver == "heuristic"
    assert set(plan.critical_path) <= {t.id for t in p.tasks}


def test_cp_sat_is_feasible_and_no_worse(plan_checker: Callable[[Problem, Plan], None]) -> None:
    for seed in (1, 2, 3):
        p = random_problem(seed, n=10)
        h = solve(p, time_limit=0)
        c = solve(p, time_limit=1.0)
        plan_checker(p, c)
        assert c.makespan <= h.makespan
        assert c.lower_bound <= c.makespan
        if c.optimal:
            assert c.lower_bound == c.makespan


def test_justification_never_worsens_a_first_pass() -> None:
    for seed in range(5):
        c = compile_problem(random_problem(seed, n=20))
        first = sgs(c, [float(x) for x in c.es])
        best, count = solve_heuristic(c, 0.05)
        assert count >= 1
        assert best.makespan <= first.makespan


def test_fixed_and_started_tasks_stay(plan_checker: Callable[[Problem, Plan], None]) -> None:
    p = random_problem(7)
    p.tasks[0].fixed_start = START + timedelta(days=9)
    p.tasks[0].status = "started"
    p.dependencies = [d for d in p.dependencies if d.after != "t0"]
    plan = solve(p, time_limit=0)
    plan_checker(p, plan)
    grid = WorkGrid(p.start, p.calendar)
    assert plan.by_id()["t0"].start_slot == grid.slot_of(START + timedelta(days=9))
    assert plan.by_id()["t0"].slack == 0 and "t0" not in plan.critical_path


def test_load_and_critical_path_are_consistent() -> None:
    p = Problem(
        START,
        [Task("a", 2, skills=frozenset({"edit"})), Task("b", 3, skills=frozenset({"edit"})), Task("c", 1)],
        [Dependency("a", "c")],
        people=[Person("ed", frozenset({"edit"}))],
    )
    plan = solve(p, time_limit=0)
    # one editor does a then b (5 days); c follows a and needs nobody, so it has slack
    assert plan.makespan == 5
    assert sum(plan.load["ed"].values()) == 5
    assert plan.critical_path == ["a", "b"]
    assert plan.by_id()["c"].slack == 2
    # 2025-03-03 is a Monday: five working days end on Friday
    assert plan.end_date == date(2025, 3, 7)
