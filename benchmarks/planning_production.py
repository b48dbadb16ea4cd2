"""Planning productions stored in the database, end to end (read, solve, store), against the engine alone.

Usage: python benchmarks/planning_production.py [--runs N] [--url DATABASE_URL]

1. A feature film from the template with 300 tasks, 40 people and 8 rooms: `plan run` end to end
   (target: at most 5 s).
2. A generated 2,000-task, 100-person production: a feasible plan end to end (target: at most
   10 s), then a replan after one person's absence, recorded in the database (target: at most 3 s).
The anchor is the engine alone on the same problem (no database), so the ratio is the cost of the
database round trips. Without --url a fresh SQLite file in a temporary folder is used.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

START = date(2027, 1, 4)
LANGUAGES = "fr,en,de,es,it,pt,nl,pl,ru,ja,ko,zh,tr"
# Extra crew on top of the template's 18 people: (role, skills, how many).
EXTRA_CREW = [
    ("VFX artist", ["vfx-supervisor"], 8),
    ("Editor", ["editor"], 2),
    ("Sound effects editor", ["sound-editor"], 3),
    ("Dialogue editor", ["dialogue-editor"], 2),
    ("Foley artist", ["foley-artist"], 1),
    ("Dubbing director", ["dubbing-director"], 2),
    ("Detection and adaptation", ["detection", "dubbing-adapter"], 2),
    ("Re-recording mixer", ["re-recording-mixer"], 1),
    ("QC operator", ["qc-operator"], 1),
]
# Per-reel work added to the template (key, department, skills, room kind, days, after, before).
PER_REEL = [
    ("DIA", "sound-editing", ["dialogue-editor"], None, 3, "PIC-TURNOVER", "MIX-PREMIX"),
    ("SFX", "sound-editing", ["sound-editor"], None, 4, "PIC-TURNOVER", "MIX-PREMIX"),
    ("FOL", "foley", ["foley-artist"], "foley-stage", 1, "FOL-SPOTTING", "FOL-EDIT"),
    ("ADR", "adr", ["adr-mixer"], "adr-stage", 1, "ADR-SPOTTING", "ADR-EDIT"),
    ("GRD", "grading", ["colourist"], "grading-suite", 2, "GRD-CONFORM", "GRD-VFX-INSERT"),
    ("CNF", "grading", ["online-editor"], "edit-suite", 1, "PIC-LOCK", "GRD-CONFORM"),
]


def feature_300(session, title: str):  # type: ignore[no-untyped-def]
    """The feature template dubbed into 12 languages, 6 reels of extra work and VFX batches: 300 tasks."""
    from postprod.services import people, productions, tasks

    prod = productions.create_production(
        session,
        title=title,
        template="feature-film",
        runtime_minutes=110,
        languages=LANGUAGES,
        deliveries=(START + timedelta(days=900)).isoformat(),
        start=START,
        with_crew=True,
    )
    n = 0
    for role, skills, count in EXTRA_CREW:
        for k in range(count):
            n += 1
            people.add_person(session, prod, name=f"{role} {k + 1}", role=role, skills=skills)
    rng = random.Random(5)
    reel = 0
    while len(prod.tasks) < 300:
        reel += 1
        for key, dept, skills, room, days, after, before in PER_REEL:
            if len(prod.tasks) >= 300:
                break
            t = tasks.create_task(
                session,
                prod,
                key=f"R{reel}-{key}",
                name=f"Reel {reel} {key}",
                department=dept,
                estimate_days=days,
                skills=skills,
                room_kind=room,
            )
            tasks.add_dependency(session, t, tasks_by_key(session, prod, after))
            tasks.add_dependency(session, tasks_by_key(session, prod, before), t)
            session.refresh(prod)
        for b in range(12):
            if len(prod.tasks) >= 300:
                break
            t = tasks.create_task(
                session,
                prod,
                key=f"R{reel}-VFX-{b + 1:02d}",
                name=f"Reel {reel} VFX batch {b + 1}",
                department="vfx",
                estimate_days=rng.randint(2, 6),
                skills=["vfx-supervisor"],
            )
            tasks.add_dependency(session, t, tasks_by_key(session, prod, "VFX-PULLS"))
            tasks.add_dependency(session, tasks_by_key(session, prod, "VFX-FINALS"), t)
            session.refresh(prod)
    return prod


def tasks_by_key(session, prod, key: str):  # type: ignore[no-untyped-def]
    from postprod.services.common import get_task

    return get_task(session, prod, key)


SKILLS = [
    "editor",
    "assistant-editor",
    "vfx-supervisor",
    "colourist",
    "dialogue-editor",
    "sound-editor",
    "foley-artist",
    "re-recording-mixer",
    "composer",
    "subtitler",
]
ROOMS = ["edit-suite", "grading-suite", "mix-stage", "foley-stage", "adr-stage"]


def generated_2000(session, title: str):  # type: ignore[no-untyped-def]
    """2,000 tasks in chains of 20 (episodes) with cross links, 100 people, 10 rooms, some absences."""
    from postprod.model import Absence, Dependency, Person, Room, RoomKind, Task
    from postprod.services import productions

    rng = random.Random(7)
    prod = productions.create_production(
        session,
        title=title,
        template="series-episode",
        runtime_minutes=52,
        deliveries=(START + timedelta(days=1500)).isoformat(),
        start=START,
    )
    for t in list(prod.tasks):
        session.delete(t)
    session.flush()
    cal = next(c for c in prod.calendars if c.is_default)
    dept = prod.departments[0]
    people = []
    for k in range(100):
        skills = set(rng.sample(SKILLS, rng.choice((1, 1, 2, 3)))) | {SKILLS[k % len(SKILLS)]}
        p = Person(production_id=prod.id, name=f"Crew {k:03d}", role="crew", skills=sorted(skills), calendar=cal)
        session.add(p)
        people.append(p)
    rooms = [
        Room(production_id=prod.id, name=f"Room {k}", kind=RoomKind(ROOMS[k % len(ROOMS)]), calendar=cal)
        for k in range(10)
    ]
    session.add_all(rooms)
    session.flush()
    for p in people:
        if rng.random() < 0.3:
            a = START + timedelta(days=rng.randrange(200))
            session.add(Absence(production_id=prod.id, person=p, start=a, end=a + timedelta(days=rng.randrange(3, 12))))
    tasks: list[Task] = []
    for i in range(2000):
        pos = i % 20
        skill = SKILLS[min(pos * len(SKILLS) // 20, len(SKILLS) - 1)]
        t = Task(
            production_id=prod.id,
            department=dept,
            key=f"EP{i // 20 + 1:03d}-{pos + 1:02d}",
            name=f"Episode {i // 20 + 1} step {pos + 1}",
            estimate_days=Decimal(rng.randint(1, 8)),
            required_skills=[skill],
            room_kind=RoomKind(rng.choice(ROOMS)) if rng.random() < 0.3 else None,
            position=i,
        )
        tasks.append(t)
    session.add_all(tasks)
    session.flush()
    for i, t in enumerate(tasks):
        pos = i % 20
        if pos > 0:
            session.add(Dependency(predecessor=tasks[i - 1], successor=t, lag_days=rng.choice((0, 0, 0, 1))))
        if i >= 20 and rng.random() < 0.1:
            session.add(Dependency(predecessor=tasks[rng.randrange(i - pos)], successor=t, lag_days=0))
    session.flush()
    return prod


def _median(xs: list[float]) -> str:
    return f"{statistics.median(xs):.2f}s"


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--url", default=None, help="Database URL (default: a new SQLite file).")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="pp-bench-")
    url = args.url or f"sqlite:///{Path(tmp) / 'bench.db'}"
    os.environ["POSTPROD_DATABASE_URL"] = url

    from postprod.db import session_scope
    from postprod.model import PlanKind
    from postprod.planning.replan import PersonAway, replan
    from postprod.planning.solver import solve
    from postprod.services import planning as ops
    from postprod.services.common import get_production
    from postprod.services.planning.store import engine_plan, latest_plan, load_inputs

    suffix = str(int(time.time()))
    t0 = time.perf_counter()
    with session_scope(actor="bench") as s:
        feature = feature_300(s, f"Bench feature {suffix}").title
    with session_scope(actor="bench") as s:
        big = generated_2000(s, f"Bench 2000 {suffix}").title
    print(f"set-up through the services: {time.perf_counter() - t0:.1f}s ({url.split(':')[0]})", flush=True)

    today = START
    # 1. The 300-task feature, `plan run` end to end with its default time limit.
    e2e, alone = [], []
    for _ in range(args.runs):
        t = time.perf_counter()
        out = ops.run(feature, actor="bench", time_limit=ops.RUN_TIME_LIMIT, today=today, strict_due=False)
        e2e.append(time.perf_counter() - t)
        with session_scope() as s:
            problem = load_inputs(s, get_production(s, feature), today).problem
        t = time.perf_counter()
        plan = solve(problem, ops.RUN_TIME_LIMIT, strict_due=False)
        alone.append(time.perf_counter() - t)
    with session_scope() as s:
        prod = get_production(s, feature)
        counts = (len(prod.tasks), len(prod.people), len(prod.rooms))
    print(
        f"feature {counts[0]} tasks / {counts[1]} people / {counts[2]} rooms: plan run end to end median {_median(e2e)} "
        f"(target 5 s; makespan {out['makespan']}, lower bound {out['lower_bound']}, {out['solver']}); "
        f"engine alone {_median(alone)} (makespan {plan.makespan}); ratio {statistics.median(e2e) / statistics.median(alone):.2f}",
        flush=True,
    )

    # 2. The generated 2,000-task production: a feasible plan, then a replan after one absence.
    big_limit = 8.0
    e2e, alone, rep, rep_alone = [], [], [], []
    moved = ""
    for _ in range(args.runs):
        t = time.perf_counter()
        out = ops.run(big, actor="bench", time_limit=big_limit, today=today, strict_due=False)
        e2e.append(time.perf_counter() - t)
        with session_scope() as s:
            prod = get_production(s, big)
            inputs = load_inputs(s, prod, today)
            cur = latest_plan(s, prod, PlanKind.CURRENT)
            assert cur is not None
            current = engine_plan(s, cur, inputs.problem)
        t = time.perf_counter()
        solve(inputs.problem, big_limit, strict_due=False)
        alone.append(time.perf_counter() - t)
        # The busiest person who has no absence yet is away for two weeks from their first booked day.
        busy = sorted(
            (r for r in current.load if r.startswith("p") and r in inputs.people),
            key=lambda r: -len(current.load[r]),
        )
        away_before = {p.id for p in inputs.problem.people if p.calendar is not None and p.calendar.absences}
        who = next(r for r in busy if r not in away_before)
        day = min(date.fromisoformat(d) for d in current.load[who])
        end = day + timedelta(days=13)
        t = time.perf_counter()
        replan(inputs.problem, current, [PersonAway(who, day, end)], today=today, time_limit=ops.REPLAN_TIME_LIMIT)
        rep_alone.append(time.perf_counter() - t)
        t = time.perf_counter()
        res = ops.replan(
            big,
            ops.Incidents(away=[(inputs.people[who], day, end)]),
            actor="bench",
            today=today,
            time_limit=ops.REPLAN_TIME_LIMIT,
        )
        rep.append(time.perf_counter() - t)
        moved = f"{res['moved']} moved, {len(res['reassigned'])} reassigned"
    print(
        f"generated 2000 tasks / 100 people: plan run end to end median {_median(e2e)} (target 10 s; time limit "
        f"{big_limit:g} s; makespan {out['makespan']}, {out['solver']}); engine alone {_median(alone)}; ratio "
        f"{statistics.median(e2e) / statistics.median(alone):.2f}",
        flush=True,
    )
    print(
        f"generated 2000 tasks / 100 people: replan after one absence end to end median {_median(rep)} (target 3 s; "
        f"last run: {moved}); engine alone {_median(rep_alone)}; ratio "
        f"{statistics.median(rep) / statistics.median(rep_alone):.2f}",
        flush=True,
    )


if __name__ == "__main__":
    main()
