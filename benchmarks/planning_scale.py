"""Planning at production scale: a generated 2,000-task/100-person production and a 300-task feature.

Usage: python benchmarks/planning_scale.py [--runs N]
Prints the median seconds of: a first feasible plan (heuristic only), a full solve within the time
limit, and a replan after one person's absence (the issue's budgets: 10 s, 5 s, 3 s).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import date, timedelta

from postprod.planning import Calendar, Dependency, Person, Problem, Room, Task, solve
from postprod.planning.replan import PersonAway, replan

START = date(2025, 1, 6)
SKILLS = ("edit", "assist", "vfx", "grade", "dialogue", "effects", "foley", "mix", "music", "subtitle")
KINDS = ("edit suite", "grading suite", "mix stage", "foley stage", "adr stage")


def production(n_tasks: int, n_people: int, n_rooms: int, seed: int) -> Problem:
    """Chains of department work (episodes or reels) with cross links, skills, rooms and absences."""
    rng = random.Random(seed)
    holidays = frozenset({date(2025, 5, 1), date(2025, 5, 8), date(2025, 7, 14), date(2025, 8, 15), date(2025, 11, 11)})
    cal = Calendar(holidays=holidays)
    people = []
    for k in range(n_people):
        skills = frozenset(rng.sample(SKILLS, rng.choice((1, 1, 2, 3)))) | {SKILLS[k % len(SKILLS)]}
        absences: tuple[tuple[date, date], ...] = ()
        if rng.random() < 0.3:
            a = START + timedelta(days=rng.randrange(200))
            absences = ((a, a + timedelta(days=rng.randrange(3, 12))),)
        people.append(Person(f"p{k:03d}", skills, Calendar(cal.weekdays, holidays, absences)))
    rooms = [Room(f"room{k}", KINDS[k % len(KINDS)]) for k in range(n_rooms)]
    tasks: list[Task] = []
    deps: list[Dependency] = []
    chain_len = 20
    for i in range(n_tasks):
        pos = i % chain_len
        skill = SKILLS[min(pos * len(SKILLS) // chain_len, len(SKILLS) - 1)]
        t = Task(f"t{i:04d}", duration=rng.randint(1, 8), skills=frozenset({skill}))
        if rooms and rng.random() < 0.3:
            t.room_kind = rng.choice(KINDS[: min(len(KINDS), n_rooms)])
        if rng.random() < 0.05:
            t.people_count = 2
        tasks.append(t)
        if pos > 0:
            deps.append(Dependency(tasks[i - 1].id, t.id, rng.choice((0, 0, 0, 1))))
        if i >= chain_len and rng.random() < 0.1:
            deps.append(Dependency(tasks[rng.randrange(i - pos)].id, t.id))
    return Problem(START, tasks, deps, people, rooms, calendar=cal, name=f"generated-{n_tasks}")


def timed(fn):  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    cases = [
        ("2000 tasks / 100 people", production(2000, 100, 10, 7), 10.0),
        ("300 tasks / 40 people / 8 rooms", production(300, 40, 8, 11), 5.0),
    ]
    for name, prob, limit in cases:
        first, full, rep = [], [], []
        for _ in range(args.runs):
            s, plan0 = timed(lambda p=prob: solve(p, time_limit=0))
            first.append(s)
            s, plan = timed(lambda p=prob, lim=limit: solve(p, time_limit=lim))
            full.append(s)
            busy = max((r for r in plan.load if r.startswith("p")), key=lambda r: len(plan.load[r]))
            day = min(date.fromisoformat(d) for d in plan.load[busy])
            s, res = timed(
                lambda p=prob, pl=plan, who=busy, d=day: replan(
                    p, pl, [PersonAway(who, d, d + timedelta(days=9))], time_limit=3.0
                )
            )
            rep.append(s)
        print(
            f"{name}: first feasible plan median {statistics.median(first):.2f}s (makespan {plan0.makespan}); "
            f"solve(time_limit={limit:g}) median {statistics.median(full):.2f}s (makespan {plan.makespan}, {plan.solver}); "
            f"replan after one absence median {statistics.median(rep):.2f}s ({len(res.moves)} moved, end {plan.end_date} -> {res.plan.end_date})",
            flush=True,
        )


if __name__ == "__main__":
    main()
