"""postprod against zou (Kitsu's backend) on the same machine, the same data and the same client.

Installs zou (`--zou-version`, 1.0.97 by default) in a virtual environment of its own (`--zou-venv`,
kept between runs), gives it a PostgreSQL database (`zoubench`) and a Redis server of its own on a
free port (zou's Redis database numbers are fixed, 0 to 4: its own server leaves the machine's alone),
and postprod a PostgreSQL database (`postprodbench`). Both get the same 5,000 tasks over 40 people:
zou through its REST API (1,250 assets x its 4 asset task types; the assignments through its Python
API in its own environment, as its REST route costs ~0.1 s a task with its notifications), postprod
through its services. Each is served by 2 workers: zou by gunicorn with gevent workers, postprod by
`postprod serve --workers 2`.

Then, `--runs` times (3), the two alternated (one first, then the other first), with `--clients`
(4) threads of keep-alive connections: one task read (rate, p50, p99), a page of 100 tasks, the
whole task list (each in one answer: postprod's ?all=true, streamed), status updates (postprod: PATCH with
the version read; zou: PUT of the task's status), and each worker's memory (RSS and PSS) after the
run. Medians of the runs, the ratios and whether the targets hold:
  one-task read >= 1.5x zou's rate; the whole list >= 2x faster; every p99 <= 3x its p50;
  memory per worker not above zou's.
The databases and zou's Redis are dropped at the end (`--keep` keeps them, for a look). A benchmark,
not a test.

    python benchmarks/peer_zou.py [--runs 3] [--requests 2000] [--clients 4] [--tasks 5000] [--people 40]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from api_concurrency import free_port  # noqa: E402

PG = "postgresql+psycopg://postgres@127.0.0.1:5432"
ZOU_DB, POSTPROD_DB = "zoubench", "postprodbench"
ZOU_ADMIN, ZOU_PASSWORD = "admin@example.com", "bench-password-1"

# zou's objects through its own ORM, in its own environment: the assignments of the tasks (pairs read
# from a JSON file), in one transaction.
ZOU_ASSIGN = """
import json, sys
from zou.app import app, db
from zou.app.models.person import Person
from zou.app.models.task import Task

pairs = json.load(open(sys.argv[1]))
with app.app_context():
    people = {str(p.id): p for p in Person.query.all()}
    tasks = {str(t.id): t for t in Task.query.filter(Task.id.in_([t for t, _ in pairs])).all()}
    for t, p in pairs:
        tasks[t].assignees.append(people[p])
    db.session.commit()
"""


# --- the databases and the servers -----------------------------------------------------------------


def admin_sql(*statements: str) -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        for sql in statements:
            conn.execute(sql)  # type: ignore[arg-type]


def fresh_database(name: str) -> None:
    admin_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}")


def wait_up(url: str, proc: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server for {url} ended with {proc.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"{url} did not answer within {timeout:.0f} s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)


def workers_of(pid: int) -> list[int]:
    """The server's worker processes: its children, less multiprocessing's resource tracker."""
    out = []
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        try:
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
        except FileNotFoundError:
            continue
        if b"resource_tracker" not in cmdline:
            out.append(int(child))
    return out


def memory_mb(pid: int) -> tuple[float, float]:
    """RSS and PSS of a process, MB (PSS shares the pages a forking server's workers hold in common)."""
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value = line.split(":", 1)
        fields[name] = int(value.split()[0])
    return fields["Rss"] / 1024, fields["Pss"] / 1024


def cpu_seconds(pid: int) -> float:
    stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")


# --- zou -------------------------------------------------------------------------------------------


def zou_install(venv: Path, version: str) -> None:
    if (venv / "bin" / "gunicorn").exists() and (venv / "bin" / "zou").exists():
        return
    print(f"installing zou {version} in {venv} ...", flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", f"zou=={version}"], check=True)


def zou_env(redis_port: int, scratch: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DB_HOST": "127.0.0.1",
        "DB_PORT": "5432",
        "DB_USERNAME": "postgres",
        "DB_PASSWORD": "",
        "DB_DATABASE": ZOU_DB,
        "KV_HOST": "127.0.0.1",
        "KV_PORT": str(redis_port),
        "MAIL_CHECK_DELIVERABILITY": "false",  # example addresses accepted without a DNS look-up
        "SECRET_KEY": "peer-benchmark-" + os.urandom(8).hex(),
        "PREVIEW_FOLDER": str(scratch / "previews"),
        "TMP_DIR": str(scratch / "tmp"),
    }


def zou_fill(base: str, n_tasks: int, n_people: int, venv: Path, env: dict[str, str], scratch: Path) -> dict[str, Any]:
    token = httpx.post(f"{base}/auth/login", json={"email": ZOU_ADMIN, "password": ZOU_PASSWORD}).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    with httpx.Client(base_url=base, headers=headers, timeout=300) as c:
        project = c.post("/data/projects", json={"name": "Peer benchmark"}).json()["id"]
        task_types = [t for t in c.get("/data/task-types").json() if t["for_entity"] == "Asset"]
        asset_type = c.get("/data/asset-types").json()[0]["id"]
        n_assets = -(-n_tasks // len(task_types))

        def asset(i: int) -> None:
            r = c.post(f"/data/projects/{project}/asset-types/{asset_type}/assets/new", json={"name": f"A{i:05d}"})
            r.raise_for_status()

        with ThreadPoolExecutor(4) as pool:
            list(pool.map(asset, range(n_assets)))
        for tt in task_types:
            c.post(f"/actions/projects/{project}/task-types/{tt['id']}/assets/create-tasks", json={}).raise_for_status()
        people = []
        for i in range(n_people):
            body = {"email": f"person{i}@example.com", "first_name": "Person", "last_name": f"{i:02d}", "role": "user"}
            r = c.post("/data/persons", json=body)
            r.raise_for_status()
            people.append(r.json()["id"])
            c.post(f"/data/projects/{project}/team", json={"person_id": people[-1]}).raise_for_status()
        tasks = sorted(t["id"] for t in c.get(f"/data/projects/{project}/tasks").json())[:n_tasks]
        pairs = scratch / "assign.json"
        pairs.write_text(json.dumps([[t, people[i % n_people]] for i, t in enumerate(tasks)]))
        subprocess.run([str(venv / "bin" / "python"), "-c", ZOU_ASSIGN, str(pairs)], env=env, check=True)
        wip = next(s["id"] for s in c.get("/data/task-status").json() if s["short_name"] == "wip")
    return {"headers": headers, "project": project, "tasks": tasks, "wip": wip}


# --- postprod --------------------------------------------------------------------------------------


def postprod_fill(url: str, n_tasks: int, n_people: int) -> dict[str, Any]:
    from sqlalchemy import func, select

    from postprod import db
    from postprod.model import Task
    from postprod.services import people, tasks, users
    from postprod.services.productions import create_production

    engine = db.make_engine(url)
    db.migrate(engine)
    with db.session_scope(engine, actor="bench") as s:
        prod = create_production(s, title="Peer benchmark", template="short")
        crew = [people.add_person(s, prod, name=f"Person {i:02d}", role="artist").name for i in range(n_people)]
        departments = [d.code for d in prod.departments]
        have = int(s.scalar(select(func.count()).select_from(Task).where(Task.production_id == prod.id)) or 0)
        for i in range(n_tasks - have):
            tasks.create_task(s, prod, key=f"B-{i:05d}", name=f"Task {i}", department=departments[i % len(departments)])
        for i, task in enumerate(s.scalars(select(Task).where(Task.production_id == prod.id).order_by(Task.id))):
            tasks.update_task(s, task, assign=[crew[i % n_people]])
        user = users.create_user(s, username="bench", password="bench-password-1")
        users.grant(s, user, prod, "supervisor")
        token = users.create_token(s, user, "bench")[1]
        pid = prod.id
    engine.dispose()
    return {"headers": {"Authorization": f"Bearer {token}"}, "production": pid}


# --- the measures ----------------------------------------------------------------------------------


@dataclass
class Side:
    name: str
    base: str
    headers: dict[str, str]
    proc: subprocess.Popen[bytes]
    one: Callable[[int], str]  # the address of the i-th task
    page: Callable[[int], tuple[str, dict[str, Any]]]  # the i-th page of 100
    whole: Callable[[httpx.Client], int]  # reads the whole list; how many tasks came
    update: Callable[[httpx.Client, int], httpx.Response]  # the i-th status update
    results: dict[str, list[float]] = field(default_factory=dict)

    def record(self, name: str, value: float) -> None:
        self.results.setdefault(name, []).append(value)


def pct(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def hammer(
    side: Side, total: int, clients: int, request: Callable[[httpx.Client, int], httpx.Response]
) -> tuple[float, list[float]]:
    """`total` requests over `clients` threads, each with its keep-alive connection; rate and latencies."""
    took: list[float] = []
    errors: list[str] = []
    per = total // clients

    def run(k: int) -> None:
        with httpx.Client(base_url=side.base, headers=side.headers, timeout=60) as c:
            c.get(side.one(0))  # the connection opened before timing
            for n in range(per):
                t0 = time.perf_counter()
                r = request(c, k * per + n)
                took.append(time.perf_counter() - t0)
                if r.status_code >= 300:
                    errors.append(f"{r.request.method} {r.request.url}: {r.status_code} {r.text[:120]}")
                    return

    threads = [threading.Thread(target=run, args=(k,)) for k in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    if errors:
        raise SystemExit(f"{side.name}: {errors[0]}")
    return len(took) / elapsed, took


def measure(side: Side, run: int, args: argparse.Namespace) -> None:
    rnd = random.Random(run)
    order = list(range(args.tasks))
    rnd.shuffle(order)
    rate, took = hammer(side, args.requests, args.clients, lambda c, i: c.get(side.one(order[i % len(order)])))
    side.record("one rate", rate)
    side.record("one p50", pct(took, 50) * 1000)
    side.record("one p99", pct(took, 99) * 1000)
    pages = args.tasks // 100

    def page(c: httpx.Client, i: int) -> httpx.Response:
        path, params = side.page(rnd.randrange(pages))
        return c.get(path, params=params)

    rate, took = hammer(side, args.requests // 4, args.clients, page)
    side.record("page p50", pct(took, 50) * 1000)
    side.record("page p99", pct(took, 99) * 1000)
    workers = workers_of(side.proc.pid)
    cpu0 = sum(cpu_seconds(p) for p in workers)
    times = []
    with httpx.Client(base_url=side.base, headers=side.headers, timeout=300) as c:
        side.whole(c)  # warm
        for _ in range(args.whole_repeats):
            t0 = time.perf_counter()
            got = side.whole(c)
            times.append(time.perf_counter() - t0)
            if got != args.tasks:
                raise SystemExit(f"{side.name}: the whole list gave {got} tasks, not {args.tasks}")
    cpu = sum(cpu_seconds(p) for p in workers) - cpu0
    side.record("whole ms", statistics.median(times) * 1000)
    side.record("whole cpu ms/task", cpu * 1000 / ((args.whole_repeats + 1) * args.tasks))
    first = run * args.updates
    _, took = hammer(side, args.updates, 1, lambda c, i: side.update(c, first + i))
    side.record("update p50", pct(took, 50) * 1000)
    side.record("update p99", pct(took, 99) * 1000)
    mem = [memory_mb(p) for p in workers]
    side.record("rss MB/worker", statistics.mean(m[0] for m in mem))
    side.record("pss MB/worker", statistics.mean(m[1] for m in mem))


def zou_side(base: str, proc: subprocess.Popen[bytes], data: dict[str, Any]) -> Side:
    tasks, project = data["tasks"], data["project"]

    def whole(c: httpx.Client) -> int:
        return len(c.get(f"/data/projects/{project}/tasks").json())

    return Side(
        "zou",
        base,
        data["headers"],
        proc,
        one=lambda i: f"/data/tasks/{tasks[i]}",
        page=lambda i: ("/data/tasks", {"project_id": project, "page": i + 1, "limit": 100}),
        whole=whole,
        update=lambda c, i: c.put(f"/data/tasks/{tasks[i]}", json={"task_status_id": data["wip"]}),
    )


def postprod_side(base: str, proc: subprocess.Popen[bytes], data: dict[str, Any], n_tasks: int) -> Side:
    tasks = f"/api/v1/productions/{data['production']}/tasks"
    with httpx.Client(base_url=base, headers=data["headers"], timeout=300) as c:
        rows = [
            t
            for off in range(0, n_tasks, 500)
            for t in c.get(tasks, params={"limit": 500, "offset": off}).json()["items"]
        ]
    keys = [t["key"] for t in rows]
    fresh = [(t["key"], t["version"]) for t in rows if t["status"] == "not-started"]

    def whole(c: httpx.Client) -> int:
        return len(c.get(tasks, params={"all": "true"}).json())  # one streamed answer, as zou's

    def update(c: httpx.Client, i: int) -> httpx.Response:
        key, version = fresh[i]
        return c.patch(f"{tasks}/{key}", json={"status": "in-progress"}, headers={"If-Match": f'"{version}"'})

    return Side(
        "postprod",
        base,
        data["headers"],
        proc,
        one=lambda i: f"{tasks}/{keys[i]}",
        page=lambda i: (tasks, {"limit": 100, "offset": i * 100}),
        whole=whole,
        update=update,
    )


# --- the report ------------------------------------------------------------------------------------

ROWS = [
    # name, unit, what "better" is, how the ratio reads
    ("one rate", "req/s", "higher"),
    ("one p50", "ms", "lower"),
    ("one p99", "ms", "lower"),
    ("page p50", "ms", "lower"),
    ("page p99", "ms", "lower"),
    ("whole ms", "ms", "lower"),
    ("whole cpu ms/task", "ms", "lower"),
    ("update p50", "ms", "lower"),
    ("update p99", "ms", "lower"),
    ("rss MB/worker", "MB", "lower"),
    ("pss MB/worker", "MB", "lower"),
]


def num(v: float) -> str:
    return f"{v:.3g}" if v < 100 else f"{v:.0f}"


def report(pp: Side, zou: Side, args: argparse.Namespace) -> int:
    med = {side.name: {k: statistics.median(v) for k, v in side.results.items()} for side in (pp, zou)}
    p, z = med["postprod"], med["zou"]
    print(f"\n{args.tasks} tasks, {args.people} people; 2 workers each on PostgreSQL; {args.clients} clients;")
    print(f"medians of {args.runs} alternated runs (postprod's advantage: >1 is better for postprod)")
    print(f"{'measure':22} {'postprod':>10} {'zou':>10} {'advantage':>10}   runs (postprod | zou)")
    for name, unit, better in ROWS:
        adv = p[name] / z[name] if better == "higher" else z[name] / p[name]
        runs = " ".join(map(num, pp.results[name])) + " | " + " ".join(map(num, zou.results[name]))
        print(f"{name + ' (' + unit + ')':22} {num(p[name]):>10} {num(z[name]):>10} {adv:9.2f}x   {runs}")
    targets = [
        ("one-task read >= 1.5x zou's rate", p["one rate"] / z["one rate"] >= 1.5),
        ("whole list >= 2x faster than zou", z["whole ms"] / p["whole ms"] >= 2),
        ("one-task p99 <= 3x its p50", p["one p99"] <= 3 * p["one p50"]),
        ("page p99 <= 3x its p50", p["page p99"] <= 3 * p["page p50"]),
        ("update p99 <= 3x its p50", p["update p99"] <= 3 * p["update p50"]),
        ("memory per worker (RSS) <= zou's", p["rss MB/worker"] <= z["rss MB/worker"]),
    ]
    print("\ntargets:")
    for what, ok in targets:
        print(f"  {'holds' if ok else 'MISSED':7} {what}")
    print(f"load average now: {', '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    return sum(not ok for _, ok in targets)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--requests", type=int, default=2000, help="One-task reads per run (pages: a quarter).")
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--tasks", type=int, default=5000)
    ap.add_argument("--people", type=int, default=40)
    ap.add_argument("--updates", type=int, default=100, help="Status updates per run, one after the other.")
    ap.add_argument("--whole-repeats", type=int, default=5)
    ap.add_argument("--zou-version", default="1.0.97")
    ap.add_argument("--zou-venv", type=Path, default=Path(tempfile.gettempdir()) / "zou-bench-venv")
    ap.add_argument("--keep", action="store_true", help="Leave the databases there at the end.")
    args = ap.parse_args()
    os.environ.setdefault("POSTPROD_PASSWORD_HASH", "fast")
    zou_install(args.zou_venv, args.zou_version)
    scratch = Path(tempfile.mkdtemp(prefix="peer-zou-"))
    procs: list[subprocess.Popen[bytes]] = []

    def start(cmd: list[str], env: dict[str, str], log: str) -> subprocess.Popen[bytes]:
        out = open(scratch / log, "wb")  # noqa: SIM115 - open for the process's life
        proc = subprocess.Popen(cmd, env=env, cwd=scratch, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        procs.append(proc)
        return proc

    try:
        fresh_database(ZOU_DB)
        fresh_database(POSTPROD_DB)
        redis_port = free_port()
        start(["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
              dict(os.environ), "redis.log")  # fmt: skip
        env = zou_env(redis_port, scratch)
        zou = str(args.zou_venv / "bin" / "zou")
        t0 = time.perf_counter()
        for step in (["init-db"], ["init-data"], ["create-admin", ZOU_ADMIN, "--password", ZOU_PASSWORD]):
            subprocess.run([zou, *step], env=env, cwd=scratch, check=True, capture_output=True)
        zou_port = free_port()
        gunicorn = [str(args.zou_venv / "bin" / "gunicorn"), "-w", "2", "-k", "gevent", "-b", f"127.0.0.1:{zou_port}"]
        zou_proc = start([*gunicorn, "zou.app:app"], env, "zou.log")
        zou_base = f"http://127.0.0.1:{zou_port}"
        wait_up(zou_base + "/", zou_proc)
        zou_data = zou_fill(zou_base, args.tasks, args.people, args.zou_venv, env, scratch)
        print(f"zou: {len(zou_data['tasks'])} tasks in {time.perf_counter() - t0:.0f} s", flush=True)

        t0 = time.perf_counter()
        pp_url = f"{PG}/{POSTPROD_DB}"
        pp_data = postprod_fill(pp_url, args.tasks, args.people)
        pp_port = free_port()
        pp_env = {**os.environ, "POSTPROD_DATABASE_URL": pp_url}
        pp_env.pop("POSTPROD_BROKER_URL", None)
        serve = [sys.executable, "-m", "postprod.cli.main", "serve", "--workers", "2", "--port", str(pp_port)]
        pp_proc = start(serve, pp_env, "postprod.log")
        pp_base = f"http://127.0.0.1:{pp_port}"
        wait_up(pp_base + "/api/v1/health", pp_proc)
        print(f"postprod: {args.tasks} tasks in {time.perf_counter() - t0:.0f} s", flush=True)

        sides = [postprod_side(pp_base, pp_proc, pp_data, args.tasks), zou_side(zou_base, zou_proc, zou_data)]
        for run in range(args.runs):
            for side in sides if run % 2 == 0 else sides[::-1]:
                t0 = time.perf_counter()
                measure(side, run, args)
                print(f"run {run + 1}: {side.name} measured in {time.perf_counter() - t0:.0f} s", flush=True)
        missed = report(sides[0], sides[1], args)
    finally:
        for proc in procs[::-1]:
            stop(proc)
        if not args.keep:
            admin_sql(
                f"DROP DATABASE IF EXISTS {ZOU_DB} WITH (FORCE)", f"DROP DATABASE IF EXISTS {POSTPROD_DB} WITH (FORCE)"
            )
    print(f"{missed} target(s) missed" if missed else "every target holds")


if __name__ == "__main__":
    main()
