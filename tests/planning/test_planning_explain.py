"""Impossible input is explained with the names of the tasks involved."""

from __future__ import annotations

from datetime import date

import pytest

from postprod.errors import CycleError, InfeasibleError
from postprod.planning import Dependency, Person, Problem, Room, Task, solve
from postprod.planning.explain import diagnose

START = date(2025, 3, 3)
PEOPLE = [Person("ann", frozenset({"edit"})), Person("bob", frozenset({"mix", "edit"}))]


def test_skill_nobody_has() -> None:
    p = Problem(
        START,
        [Task("grade reel 1", 3, skills=frozenset({"grade"})), Task("cut", 2, skills=frozenset({"edit"}))],
        people=PEOPLE,
    )
    with pytest.raises(InfeasibleError, match="task grade reel 1 needs grade: nobody has it"):
        solve(p, time_limit=0)


def test_too_few_qualified_people() -> None:
    p = Problem(START, [Task("premix", 2, skills=frozenset({"mix"}), people_count=2)], people=PEOPLE)
    assert diagnose(p) == ["task premix needs 2 people with mix; only 1 have it: bob"]


def test_room_kind_missing() -> None:
    p = Problem(START, [Task("final mix", 5, room_kind="mix stage")], rooms=[Room("s1", "edit suite")])
    with pytest.raises(InfeasibleError, match="final mix.*mix stage"):
        solve(p, time_limit=0)


def test_due_date_before_predecessors_can_finish() -> None:
    tasks = [Task("lock", 10), Task("conform", 3), Task("grade", 5, due=date(2025, 3, 14))]
    deps = [Dependency("lock", "conform"), Dependency("conform", "grade")]
    p = Problem(START, tasks, deps)
    with pytest.raises(InfeasibleError) as exc:
        solve(p, time_limit=0)
    msg = str(exc.value)
    assert "task grade is due 2025-03-14" in msg and "lock -> conform -> grade" in msg
    # without the strict check it plans late and says so
    plan = solve(p, time_limit=0, strict_due=False)
    assert plan.late == ["grade"] and plan.by_id()["grade"].late_days == 8


def test_cycle_names_tasks() -> None:
    deps = [Dependency("a", "b"), Dependency("b", "c"), Dependency("c", "a")]
    p = Problem(START, [Task("a"), Task("b"), Task("c"), Task("extra")], deps)
    with pytest.raises(CycleError) as exc:
        solve(p, time_limit=0)
    assert set(exc.value.cycle) == {"a", "b", "c"} and "extra" not in str(exc.value)


def test_fixed_start_before_predecessor() -> None:
    tasks = [Task("lock", 10), Task("mix", 3, fixed_start=date(2025, 3, 5))]
    p = Problem(START, tasks, [Dependency("lock", "mix")])
    assert diagnose(p) == [
        "task mix is fixed to start 2025-03-05 but its predecessor lock cannot finish before 2025-03-14"
    ]
