"""An independent checker of a stored plan against the database it was made from (no engine code used)."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from postprod.model import Absence, Dependency, Person, PlanTask, Production, Room, Task, TaskStatus


def _days(a: date, b: date) -> list[date]:
    return [a + timedelta(days=i) for i in range((b - a).days + 1)]


def check_stored_plan(
    session: Session, prod: Production, plan_id: int, today: date, *, dates: bool = True
) -> dict[str, PlanTask]:
    """Assert nobody and no room is booked twice, calendars, absences, skills, rooms and links hold."""
    cal = next(c for c in prod.calendars if c.is_default)
    holidays = {h.day for h in cal.holidays}

    def works(day: date) -> bool:
        return day.isoweekday() in cal.work_days and day not in holidays

    rows = {r.task_key: r for r in session.scalars(select(PlanTask).where(PlanTask.plan_id == plan_id))}
    tasks = {t.key: t for t in session.scalars(select(Task).where(Task.production_id == prod.id))}
    assert set(rows) == set(tasks), "every task is planned, and only those"
    people = {p.id: p for p in session.scalars(select(Person).where(Person.production_id == prod.id))}
    rooms = {r.id: r for r in session.scalars(select(Room).where(Room.production_id == prod.id))}
    away: dict[tuple[str, int], list[tuple[date, date]]] = defaultdict(list)
    for a in session.scalars(select(Absence).where(Absence.production_id == prod.id)):
        if a.person_id is not None:
            away[("p", a.person_id)].append((a.start, a.end))
        else:
            away[("r", a.room_id)].append((a.start, a.end))  # type: ignore[index]
    booked: dict[tuple[str, int], dict[date, str]] = defaultdict(dict)
    for key, row in rows.items():
        t = tasks[key]
        assert row.task_id == t.id
        worked = [d for d in _days(row.start, row.finish) if works(d)] if row.work_days else []
        assert len(worked) == row.work_days, key
        fixed = t.status == TaskStatus.DONE or (t.status != TaskStatus.NOT_STARTED and t.actual_start is not None)
        assert row.fixed == fixed, key
        assignees = {a.person_id for a in t.assignments}
        if fixed:
            first = t.actual_start
            assert first is not None
            while not works(first):
                first += timedelta(days=1)
            assert row.start == first, key
        else:
            assert row.start >= today, key
            if row.work_days:
                assert works(row.start) and works(row.finish), key
            assert row.work_days == math.ceil(float(t.estimate_days)), key
            if assignees:
                assert set(row.person_ids) == assignees, key
            elif t.required_skills and row.work_days:
                assert len(row.person_ids) == 1, key
                assert set(t.required_skills) <= set(people[row.person_ids[0]].skills), (key, row.person_ids)
            if t.room_kind is not None and row.work_days:
                assert row.room_id is not None and rooms[row.room_id].kind == t.room_kind, key
            else:
                assert row.room_id is None, key
            owners = [("p", p) for p in row.person_ids] + ([("r", row.room_id)] if row.room_id else [])
            for owner in owners:
                for a, b in away[owner]:
                    assert not any(a <= d <= b for d in worked), (key, owner, "booked while away")
        owners = [("p", p) for p in row.person_ids] + ([("r", row.room_id)] if row.room_id else [])
        for owner in owners:
            for d in worked:
                other = booked[owner].get(d)
                assert other is None or (fixed and rows[other].fixed), (key, other, owner, d, "double-booked")
                booked[owner][d] = key
    by_id = {t.id: t.key for t in tasks.values()}
    for dep in session.scalars(select(Dependency).join(Task, Task.id == Dependency.successor_id)):
        if dep.successor_id not in by_id:
            continue
        before, after = rows[by_id[dep.predecessor_id]], rows[by_id[dep.successor_id]]
        if after.fixed:
            continue
        gap = [d for d in _days(before.finish + timedelta(days=1), after.start - timedelta(days=1)) if works(d)]
        assert after.start > before.finish or before.work_days == 0, (before.task_key, after.task_key)
        assert len(gap) >= dep.lag_days, (before.task_key, after.task_key, "lag")
    if dates:
        for key, row in rows.items():
            session.refresh(tasks[key], ["planned_start", "planned_finish"])
            assert (tasks[key].planned_start, tasks[key].planned_finish) == (row.start, row.finish), key
    return rows
