"""Replanning keeps started work fixed and reports moves; scenarios and slippage against the baseline."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from postprod.planning import Dependency, Person, Plan, Problem, Room, Task, solve
from postprod.planning.replan import DependencyChanged, PersonAway, TaskAdded, TaskSlips, replan
from postprod.planning.scenario import Actual, compare, slippage, what_if

START = date(2025, 3, 3)


def production() -> Problem:
    people = [
        Person("ann", frozenset({"edit"})),
        Person("bob", frozenset({"edit"})),
        Person("cat", frozenset({"grade"})),
        Person("dan", frozenset({"mix"})),
    ]
    rooms = [
        Room("suite1", "edit suite"),
        Room("suite2", "edit suite"),
        Room("grading", "grading suite"),
        Room("stage", "mix stage"),
    ]
    edit = frozenset({"edit"})
    tasks = [
        Task("assembly", 5, skills=edit, room_kind="edit suite"),
        Task("directors cut", 10, skills=edit, room_kind="edit suite"),
        Task("vfx pulls", 3, skills=edit),
        Task("conform", 2, skills=edit, room_kind="edit suite"),
        Task("grade", 8, skills=frozenset({"grade"}), room_kind="grading suite"),
        Task("sound edit", 12, skills=frozenset({"mix"})),
        Task("final mix", 6, skills=frozenset({"mix"}), room_kind="mix stage"),
        Task("master", 2, skills=frozenset({"grade"}), room_kind="grading suite"),
        Task("trailer cut", 4, skills=edit, room_kind="edit suite"),
    ]
    deps = [
        Dependency("assembly", "directors cut"),
        Dependency("directors cut", "vfx pulls"),
        Dependency("directors cut", "conform"),
        Dependency("conform", "grade"),
        Dependency("directors cut", "sound edit", 1),
        Dependency("sound edit", "final mix"),
        Dependency("grade", "master"),
        Dependency("final mix", "master"),
        Dependency("assembly", "trailer cut"),
    ]
    return Problem(START, tasks, deps, people, rooms)


def started(p: Problem, plan: Plan, *ids: str) -> None:
    for t in p.tasks:
        if t.id in ids:
            t.status = "started"


def test_absence_keeps_started_tasks_and_reports_moves(plan_checker: Callable[[Problem, Plan], None]) -> None:
    p = production()
    base = solve(p, time_limit=2)
    plan_checker(p, base)
    started(p, base, "assembly")
    mix_start = base.by_id()["sound edit"].start
    res = replan(p, base, [PersonAway("dan", mix_start, date(2025, 5, 30))], time_limit=2)
    plan_checker(res.problem, res.plan)
    new = res.plan.by_id()
    assert new["assembly"].start == base.by_id()["assembly"].start
    assert new["assembly"].people == base.by_id()["assembly"].people
    assert new["sound edit"].start > date(2025, 5, 30)
    moved = {m.task: m for m in res.moves}
    assert "sound edit" in moved and moved["sound edit"].days > 0
    assert all(new[m.task].start_slot - base.by_id()[m.task].start_slot == m.days for m in res.moves)
    assert "assembly" not in moved
    # tasks off the mix chain were not needlessly moved
    assert "trailer cut" not in moved
    assert res.plan.end_date > base.end_date


def test_slip_add_and_dependency_change(plan_checker: Callable[[Problem, Plan], None]) -> None:
    p = production()
    base = solve(p, time_limit=0)
    started(p, base, "assembly")
    res = replan(
        p,
        base,
        [
            TaskSlips("assembly", 3),
            TaskAdded(
                Task("recut", 2, skills=frozenset({"edit"})),
                (Dependency("directors cut", "recut"), Dependency("recut", "conform")),
            ),
            DependencyChanged("assembly", "trailer cut", removed=True),
        ],
        time_limit=1,
    )
    plan_checker(res.problem, res.plan)
    new = res.plan.by_id()
    assert new["assembly"].end_slot == base.by_id()["assembly"].end_slot + 3
    assert res.added == ["recut"]
    assert new["recut"].start_slot >= new["directors cut"].end_slot
    assert new["conform"].start_slot >= new["recut"].end_slot
    assert {"directors cut", "conform"} <= {m.task for m in res.moves}
    # the baseline plan object itself is untouched
    assert base.by_id()["assembly"].end_slot == 5


def test_what_if_compares_without_touching_the_baseline() -> None:
    p = production()
    base = solve(p, time_limit=0)
    before = base.to_dict()
    res, cmp = what_if(p, base, [TaskSlips("grade", 4)], time_limit=0.5)
    assert base.to_dict() == before
    assert cmp.baseline_end == base.end_date and cmp.scenario_end == res.plan.end_date
    assert "grade" in {m.task for m in cmp.moves}
    assert cmp.end_shift_days >= 0
    same = compare(base, base)
    assert same.moves == [] and same.end_shift_days == 0 and same.load_change == {}


def test_slippage_against_baseline() -> None:
    p = production()
    base = solve(p, time_limit=0)
    a = base.by_id()["assembly"]
    today = date(2025, 3, 12)  # Wednesday of the second week
    rows = {
        s.task: s
        for s in slippage(
            base, [Actual("assembly", start=date(2025, 3, 4), finish=date(2025, 3, 11))], today, p.calendar
        )
    }
    assert rows["assembly"].start_slip == 1 and not rows["assembly"].forecast
    assert rows["assembly"].finish_slip == 2  # planned Friday 7th, finished Tuesday 11th
    assert a.finish == date(2025, 3, 7)
    # a task planned to start before today and not started is reported with a forecast
    late = [s for s in rows.values() if s.forecast]
    assert all(s.planned_start < today for s in late)


def test_every_move_says_why() -> None:
    """Each move carries the chain of causes from the incident (or what holds it) to the task."""
    p = production()
    base = solve(p, time_limit=0)
    started(p, base, "assembly")
    res = replan(p, base, [TaskSlips("assembly", 3)], time_limit=1)
    assert res.moves
    new, old = res.plan.by_id(), base.by_id()
    for m in res.moves:
        assert m.chain and m.chain[-1].task == m.task
        if m.days > 0:
            # every later start goes back to the slip, link by link
            assert m.chain[0].via == "incident" and m.chain[0].task == "assembly" and m.chain[0].days == 3
        for prev, link in zip(m.chain, m.chain[1:], strict=False):
            assert prev.task in (link.after, link.pushed_by)
            t = new[link.task]
            if link.via == "dependency":
                assert new[link.after].end_slot + link.days == t.start_slot  # held by it, to the day
            elif link.via == "resource":
                held = new[link.after]
                assert link.resource in (*held.people, *held.rooms) and link.resource in (*t.people, *t.rooms)
                assert held.end_slot <= t.start_slot
            else:
                raise AssertionError(f"{link.via} inside a chain")
            if link.pushed_by is not None:
                assert new[link.pushed_by].end_slot > old[link.task].start_slot
    directors = next(m for m in res.moves if m.task == "directors cut")
    assert [(link.task, link.via) for link in directors.chain] == [
        ("assembly", "incident"),
        ("directors cut", "dependency"),
    ]
    assert directors.to_dict()["chain"][1]["after"] == "assembly"


def test_a_move_held_by_an_absence_says_so() -> None:
    p = production()
    base = solve(p, time_limit=0)
    start = base.by_id()["sound edit"].start
    res = replan(p, base, [PersonAway("dan", start, date(2025, 5, 30))], time_limit=1)
    sound = next(m for m in res.moves if m.task == "sound edit")
    assert [(link.via, link.resource) for link in sound.chain] == [("absence", "dan")]
    mix = next(m for m in res.moves if m.task == "final mix")
    assert mix.chain[0].via == "absence" and mix.chain[-1].task == "final mix"
