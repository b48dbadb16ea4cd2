"""Page render times on a big production: 5,000 tasks, 3,000 VFX shots, 2,000 ADR cues (SQLite).

Builds the production with bulk inserts, signs in as its supervisor, then requests each page
through the ASGI app in-process (the whole stack: routing, auth, queries, templates) several
times and prints the median and the 99th percentile, against the 150 ms budget of the issue: the
median of every page, and the p99 too for the dashboard, the Gantt and the first page of each register. The anchor is the app's
own health endpoint on the same client (the cost of one request through the stack).

    python benchmarks/web_pages.py [--repeat 15] [--url sqlite:///...] [--only gantt,planning,compare]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from postprod import db
from postprod.app import create_app
from postprod.model import (
    AdrCue,
    Department,
    Dependency,
    Person,
    Plan,
    PlanKind,
    PlanTask,
    Task,
    TaskAssignment,
    TaskStatus,
    VfxShot,
)
from postprod.model.editorial import AdrStatus, VfxStatus
from postprod.services import deliverables, users
from postprod.services.productions import create_production

N_TASKS, N_VFX, N_ADR = 5000, 3000, 2000
BUDGET_MS = 150.0
# The pages whose p99, not only their median, keeps within the budget.
P99_PAGES = (
    "dashboard",
    "gantt (5,000 bars)",
    "register vfx",
    "register adr",
    "register foley",
    "register music",
    "register dubbing",
)


def build(url: str) -> int:
    """The big production, its supervisor account and a stored plan; returns its ID."""
    rnd = random.Random(7)
    engine = db.make_engine(url)
    db.migrate(engine)
    today = date.today()
    start = today - timedelta(days=60)
    with db.session_scope(engine, actor="bench") as s:
        prod = create_production(
            s,
            title="Big Feature",
            runtime_minutes=130,
            languages="fr,en,de,es,it",
            deliveries=(today + timedelta(days=120)).isoformat(),
            start=start,
            with_crew=True,
        )
        user = users.create_user(s, username="supervisor", password="supervisor")
        users.grant(s, user, prod, "supervisor")
        for name, spec in (("Broadcast master", "ebu-r128"), ("Streaming master", "streaming"), ("Cue sheet", None)):
            deliverables.add_deliverable(s, prod, name=name, spec=spec)
        pid = prod.id
        depts = [d.id for d in s.scalars(select(Department).where(Department.production_id == pid))]
        people = [p.id for p in s.scalars(select(Person).where(Person.production_id == pid))]
        statuses = list(TaskStatus)
        rows = []
        for i in range(N_TASKS):
            st = rnd.choice(statuses)
            rows.append(
                {
                    "production_id": pid,
                    "department_id": depts[i % len(depts)],
                    "key": f"BIG-{i:05d}",
                    "name": f"Generated task {i}",
                    "estimate_days": Decimal(rnd.randint(1, 20)),
                    "status": st,
                    "required_skills": [],
                    "priority": rnd.randint(1, 5),
                    "progress": 100 if st == TaskStatus.DONE else rnd.randint(0, 90),
                    "due_date": start + timedelta(days=rnd.randint(10, 200)),
                    "position": 1000 + i,
                }
            )
        s.execute(insert(Task), rows)
        ids = list(
            s.scalars(select(Task.id).where(Task.production_id == pid, Task.key.like("BIG-%")).order_by(Task.id))
        )
        s.execute(
            insert(TaskAssignment), [{"task_id": t, "person_id": people[i % len(people)]} for i, t in enumerate(ids)]
        )
        s.execute(
            insert(Dependency),
            [
                {"predecessor_id": a, "successor_id": b, "lag_days": 0}
                for a, b in zip(ids, ids[1:], strict=False)
                if b % 7
            ],
        )
        # the plan in force, the baseline it is compared with and a what-if scenario: the scenario and the
        # current plan move every third task by a few days against the baseline, so the comparisons have work
        for kind, name, shift in ((PlanKind.BASELINE, "baseline", 0), (PlanKind.CURRENT, "current", 3),
                                  (PlanKind.SCENARIO, "what-if", 6)):  # fmt: skip
            _store_plan(s, pid, kind, name, shift, ids, people, start, today)
        tech = users.create_user(s, username="technician", password="technician")
        users.grant(s, tech, prod, "technician", person=people[0])
        vfx_status = list(VfxStatus)
        s.execute(
            insert(VfxShot),
            [
                {
                    "production_id": pid,
                    "shot_id": f"{i // 500 + 1:03d}_SH_{i:04d}",
                    "reel": f"R{i // 500 + 1}",
                    "record_in": 86400 * 24 + i * 100,
                    "record_out": 86400 * 24 + i * 100 + 48,
                    "status": rnd.choice(vfx_status),
                    "vendor": rnd.choice(["Mikros", "BUF", "Mac Guff"]),
                    "description": "Sky replacement and clean-up",
                    "bid_currency": "EUR",
                    "review": i % 40 == 0,
                }
                for i in range(N_VFX)
            ],
        )
        adr_status = list(AdrStatus)
        s.execute(
            insert(AdrCue),
            [
                {
                    "production_id": pid,
                    "number": str(1000 + i),
                    "reel": f"R{i // 400 + 1}",
                    "record_in": 86400 * 24 + i * 120,
                    "record_out": 86400 * 24 + i * 120 + 60,
                    "status": rnd.choice(adr_status),
                    "character": rnd.choice(["Anna", "Paul", "Marc", "Léa"]),
                    "actor": "Cast member",
                    "line": "A line to re-record, with its reason.",
                    "reason": "noise",
                    "priority": rnd.randint(1, 5),
                }
                for i in range(N_ADR)
            ],
        )
    engine.dispose()
    return pid


def _store_plan(
    s: Session,
    pid: int,
    kind: PlanKind,
    name: str,
    shift: int,
    ids: list[int],
    people: list[int],
    start: date,
    today: date,
) -> None:
    """A stored plan of every task; `shift` working days later for every third task."""
    plan_id = s.execute(
        insert(Plan).returning(Plan.id),
        [
            {
                "production_id": pid,
                "name": name,
                "kind": kind,
                "start_date": start,
                "today": today,
                "end_date": today + timedelta(days=110 + shift),
                "delivery_date": today + timedelta(days=120),
                "critical_path": [f"BIG-{i:05d}" for i in range(0, N_TASKS, 50)],
                "late": [],
                "warnings": [],
                "moves": [],
            }
        ],
    ).scalar_one()
    s.execute(
        insert(PlanTask),
        [
            {
                "plan_id": plan_id,
                "task_id": t,
                "task_key": f"BIG-{i:05d}",
                "start": start + timedelta(days=i % 150 + (shift if i % 3 == 0 else 0)),
                "finish": start + timedelta(days=i % 150 + 5 + (shift if i % 3 == 0 else 0)),
                "work_days": 5,
                "person_ids": [people[i % len(people)]],
                "critical": i % 50 == 0,
            }
            for i, t in enumerate(ids)
        ],
    )


def page_list(pid: int) -> dict[str, tuple[str, str]]:
    """Every page: name -> (account, address)."""
    sup = "supervisor"
    return {
        "health (anchor)": (sup, "/api/v1/health"),
        "dashboard": (sup, f"/p/{pid}"),
        "register vfx": (sup, f"/p/{pid}/registers/vfx"),
        "register adr": (sup, f"/p/{pid}/registers/adr"),
        "register foley": (sup, f"/p/{pid}/registers/foley"),
        "register music": (sup, f"/p/{pid}/registers/music"),
        "register dubbing": (sup, f"/p/{pid}/registers/dubbing"),
        "register vfx sorted by status, page 20": (sup, f"/p/{pid}/registers/vfx?sort=-status&offset=950"),
        "register adr filtered (search)": (sup, f"/p/{pid}/registers/adr?q=anna&status=recorded"),
        "vfx shot": (sup, f"/p/{pid}/registers/vfx/001_SH_0042"),
        "task board (one department)": (sup, f"/p/{pid}/board?department=vfx"),
        "task board (all departments)": (sup, f"/p/{pid}/board"),
        "task": (sup, f"/p/{pid}/tasks/BIG-02500"),
        "deliverables": (sup, f"/p/{pid}/deliverables"),
        "deliverable": (sup, f"/p/{pid}/deliverables/Broadcast master"),
        "people and rooms": (sup, f"/p/{pid}/people"),
        "activity": (sup, f"/p/{pid}/activity"),
        "gantt (5,000 bars)": (sup, f"/p/{pid}/gantt"),
        # a task changed before each request: nothing kept fits, the Gantt is laid out and drawn again
        "gantt after a task changed": (sup, f"/p/{pid}/gantt#changed"),
        "planning": (sup, f"/p/{pid}/planning"),
        "plan compare (current)": (sup, f"/p/{pid}/planning/compare"),
        "plan compare (scenario)": (sup, f"/p/{pid}/planning/compare?scenario=what-if"),
        "plan task (start)": (sup, f"/p/{pid}/planning/tasks/BIG-02500"),
        "search": (sup, f"/p/{pid}/search?q=sky"),
        "approvals": (sup, f"/p/{pid}/approvals"),
        "notifications": (sup, "/notifications"),
        "my work (technician)": ("technician", f"/p/{pid}/me"),
        "my week (technician)": ("technician", f"/p/{pid}/week"),
        "home (productions)": (sup, "/"),
        "person": (sup, f"/p/{pid}/people/1"),
        "room": (sup, f"/p/{pid}/rooms/Edit 1"),
        "calendar": (sup, f"/p/{pid}/calendars/1"),
        "new task form": (sup, f"/p/{pid}/new-task?department=vfx"),
        "task delete confirmation": (sup, f"/p/{pid}/tasks/BIG-02500/delete"),
        "cut versions": (sup, f"/p/{pid}/cuts"),
    }


def _sign_in(c: TestClient, username: str) -> None:
    c.cookies.clear()
    token = re.search(r'name="login_csrf" value="([^"]+)"', c.get("/login").text)
    assert token is not None
    r = c.post("/login", data={"username": username, "password": username, "login_csrf": token.group(1)})
    assert r.status_code == 200, r.status_code


def time_pages(
    url: str, pid: int, repeat: int, only: list[str] | None = None, first: dict[str, float] | None = None
) -> dict[str, list[float]]:
    """Milliseconds of each of `repeat` requests per page (after one warm-up each); `only`: the pages whose
    name holds one of these words (the anchor always). `first` gets each page's first request (nothing kept yet:
    the Gantt is laid out and drawn then, and kept for the requests that follow while its plan and tasks stay)."""
    first = first if first is not None else {}
    app = create_app(url)
    pages = {
        name: where
        for name, where in page_list(pid).items()
        if not only or name.startswith("health") or any(w.lower() in name for w in only)
    }
    out: dict[str, list[float]] = {}
    engine = db.make_engine(url)
    with TestClient(app) as c:
        signed_in = ""
        for name, (account, path) in sorted(pages.items(), key=lambda kv: kv[1][0] != "supervisor"):
            if account != signed_in:
                _sign_in(c, account)
                signed_in = account
            t0 = time.perf_counter()
            r = c.get(path)
            first[name] = (time.perf_counter() - t0) * 1000
            assert r.status_code == 200, f"{name}: {r.status_code}"
            times = []
            for _ in range(repeat):
                if path.endswith("#changed"):
                    with engine.begin() as conn:
                        conn.execute(update(Task).where(Task.key == "BIG-00001").values(version=Task.version + 1))
                t0 = time.perf_counter()
                r = c.get(path)
                times.append((time.perf_counter() - t0) * 1000)
                assert r.status_code == 200
            out[name] = times
    return out


def p99(times: list[float]) -> float:
    return statistics.quantiles(times, n=100, method="inclusive")[98] if len(times) > 1 else times[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=30)
    ap.add_argument("--url", default=None, help="database URL (default: a temporary SQLite file)")
    ap.add_argument("--only", default="", help="comma-separated words: time only the pages whose name holds one")
    args = ap.parse_args()
    os.environ.setdefault("POSTPROD_PASSWORD_HASH", "fast")
    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{Path(tmp) / 'big.db'}"
        t0 = time.perf_counter()
        pid = build(url)
        print(f"built {N_TASKS} tasks, {N_VFX} VFX shots, {N_ADR} ADR cues in {time.perf_counter() - t0:.1f} s")
        first: dict[str, float] = {}
        results = time_pages(url, pid, args.repeat, [w for w in args.only.split(",") if w.strip()], first)
    anchor = statistics.median(results["health (anchor)"])
    print(f"\n{'page':42} {'median ms':>10} {'p99 ms':>8} {'x anchor':>9} {'first ms':>9}  budget {BUDGET_MS:.0f} ms")
    over = 0
    for name, times in results.items():
        ms, high = statistics.median(times), p99(times)
        flag = ""
        if not name.startswith("health"):
            late = ms > BUDGET_MS or (name in P99_PAGES and high > BUDGET_MS)
            over += late
            flag = ("OVER" if late else "ok") + (" (median and p99)" if name in P99_PAGES else "")
        print(f"{name:42} {ms:10.1f} {high:8.1f} {ms / anchor:9.1f} {first[name]:9.1f}  {flag}")
    print(f"{over} page(s) over the budget" if over else "every page within the budget")


if __name__ == "__main__":
    main()
