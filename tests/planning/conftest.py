"""Shared checks for planning tests: an independent feasibility checker of a plan against its problem."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

import pytest

from postprod.planning.calendar import WorkGrid
from postprod.planning.problem import Plan, Problem


def check_plan(problem: Problem, plan: Plan) -> None:
    """Assert durations, precedences, releases, fixed starts, skills, rooms, calendars and capacities."""
    grid = WorkGrid(problem.start, problem.calendar)
    placed = plan.by_id()
    assert set(placed) == {t.id for t in problem.tasks}
    people = {p.id: p for p in problem.people}
    rooms = {r.id: r for r in problem.rooms}
    pools = {p.id: p for p in problem.pools}
    use: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for t in problem.tasks:
        st = placed[t.id]
        d = t.work_days(problem.hours_per_day)
        assert st.end_slot - st.start_slot == d, t.id
        assert st.start == grid.date_of(st.start_slot)
        if t.release:
            assert st.start_slot >= grid.slot_of(t.release), t.id
        if t.fixed_start:
            assert st.start_slot == grid.slot_of(t.fixed_start), t.id
        assert set(t.people) <= set(st.people), t.id
        chosen = [p for p in st.people if p not in t.people]
        assert len(chosen) == (t.chosen_people() if d > 0 else 0), t.id  # milestones book nobody
        assert len(set(st.people)) == len(st.people)
        for pid in chosen:
            assert t.skills <= people[pid].skills, (t.id, pid)
        if t.room:
            assert st.rooms == (t.room,)
        elif t.room_kind and d > 0:
            assert len(st.rooms) == 1 and rooms[st.rooms[0]].kind == t.room_kind
        else:
            assert st.rooms == ()
        for slot in range(st.start_slot, st.end_slot):
            day = grid.date_of(slot)
            for pid in st.people:
                use[pid][slot] += 1
                if t.fixed_start is None:
                    assert (people[pid].calendar or problem.calendar).works(day), (t.id, pid, day)
            for rid in st.rooms:
                use[rid][slot] += 1
                if t.fixed_start is None:
                    assert (rooms[rid].calendar or problem.calendar).works(day), (t.id, rid, day)
            for rid, q in t.demands.items():
                use[rid][slot] += q
    for dep in problem.dependencies:
        assert placed[dep.after].start_slot >= placed[dep.before].end_slot + dep.lag, dep
    for rid, slots in use.items():
        cap = pools[rid].capacity if rid in pools else 1
        assert max(slots.values()) <= cap, rid
    assert plan.makespan == max((s.end_slot for s in plan.tasks), default=0)
    assert plan.lower_bound <= plan.makespan


@pytest.fixture(scope="session")
def plan_checker() -> Callable[[Problem, Plan], None]:
    return check_plan
