"""Concurrent writers on PostgreSQL lose no update: every 409 is a real conflict, the final state adds up.

Starts Uvicorn on 127.0.0.1 over a fresh PostgreSQL schema with the demo production, then runs
`--writers` threads for `--seconds` (default 20 writers, 60 s). Each writer loops: read a task
(ETag), set its progress to a new value with If-Match. The checks at the end:

- every 200 moved the version by exactly one, and no two accepted writes share a (task, version);
- every 409 carried a current version other than the one the writer sent (a real conflict);
- each task's final progress is the value of its last accepted write, and its final version is
  its first version plus the number of accepted writes.

Usage: python benchmarks/api_concurrency.py [--seconds 60] [--writers 20] [--tasks 5]
       [--database postgresql+psycopg://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict

import httpx
from sqlalchemy import text

SERVER = """
import os, uvicorn
from postprod.app import create_app
uvicorn.run(create_app(os.environ["POSTPROD_DATABASE_URL"], web=False), host="127.0.0.1",
            port=int(os.environ["BENCH_PORT"]), log_level="warning", access_log=False)
"""
SCHEMA = "pp_bench_concurrency"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def demo_schema(base_url: str, schema: str = SCHEMA) -> tuple[str, str, int]:
    """A fresh schema with the demo production; the schema's URL, a supervisor token and the production's id."""
    from postprod import db
    from postprod.db import session_scope
    from postprod.services.demo import create_demo
    from postprod.services.users import create_demo_users, create_token, get_user

    admin = db.make_engine(base_url)
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    admin.dispose()
    sep = "&" if "?" in base_url else "?"
    url = f"{base_url}{sep}options=-csearch_path%3D{schema}"
    engine = db.make_engine(url)
    db.migrate(engine)  # once, before any server starts
    with session_scope(engine, actor="bench") as s:
        prod, _ = create_demo(s)
        create_demo_users(s, prod)
        token = create_token(s, get_user(s, "supervisor"), "bench")[1]
        pid = prod.id
    engine.dispose()
    return url, token, pid


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--writers", type=int, default=20)
    ap.add_argument("--tasks", type=int, default=5, help="Tasks the writers share (fewer: more conflicts).")
    ap.add_argument(
        "--database",
        default=os.environ.get("POSTPROD_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
    )
    args = ap.parse_args()
    url, token, _pid = demo_schema(args.database)
    port = free_port()
    env = {**os.environ, "POSTPROD_DATABASE_URL": url, "BENCH_PORT": str(port)}
    proc = subprocess.Popen([sys.executable, "-c", SERVER], env=env)
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {token}"}
    try:
        for _ in range(300):
            try:
                if httpx.get(base + "/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise SystemExit("the server did not start")
        with httpx.Client(base_url=base, headers=headers, timeout=30) as c:
            items = c.get("/api/v1/productions/1/tasks", params={"limit": 100, "status": "not-started"}).json()["items"]
            keys = [t["key"] for t in items[: args.tasks]]
            start = {k: c.get(f"/api/v1/productions/1/tasks/{k}").json()["version"] for k in keys}

        accepted: list[tuple[str, int, int, float]] = []  # key, new version, progress, time
        conflicts: list[tuple[str, int, int]] = []  # key, version sent, current version in the 409
        problems: list[str] = []
        lock = threading.Lock()
        stop_at = time.monotonic() + args.seconds

        def writer(seed: int) -> None:
            rnd = random.Random(seed)
            with httpx.Client(base_url=base, headers=headers, timeout=60) as c:
                while time.monotonic() < stop_at:
                    key = rnd.choice(keys)
                    got = c.get(f"/api/v1/productions/1/tasks/{key}")
                    if got.status_code != 200:
                        with lock:
                            problems.append(f"GET {key}: {got.status_code} {got.text[:120]}")
                        continue
                    version = got.json()["version"]
                    value = rnd.randint(1, 99)
                    r = c.patch(
                        f"/api/v1/productions/1/tasks/{key}",
                        json={"progress": value},
                        headers={"If-Match": f'"{version}"'},
                    )
                    with lock:
                        if r.status_code == 200:
                            body = r.json()
                            if body["version"] != version + 1 or body["progress"] != value:
                                problems.append(f"{key}: 200 went {version} -> {body['version']}")
                            accepted.append((key, body["version"], value, time.monotonic()))
                        elif r.status_code == 409:
                            conflicts.append((key, version, r.json()["current"]["version"]))
                        else:
                            problems.append(f"PATCH {key}: {r.status_code} {r.text[:120]}")

        threads = [threading.Thread(target=writer, args=(i,)) for i in range(args.writers)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - t0

        with httpx.Client(base_url=base, headers=headers, timeout=30) as c:
            final = {k: c.get(f"/api/v1/productions/1/tasks/{k}").json() for k in keys}
    finally:
        proc.terminate()
        proc.wait(timeout=10)

    # The checks.
    by_task: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for key, version, value, _t in accepted:
        by_task[key].append((version, value))
    for key in keys:
        writes = sorted(by_task[key])
        versions = [v for v, _ in writes]
        if len(set(versions)) != len(versions):
            problems.append(f"{key}: two accepted writes produced the same version")
        if versions != list(range(start[key] + 1, start[key] + 1 + len(versions))):
            problems.append(f"{key}: accepted versions are not consecutive from {start[key] + 1}")
        want_version = start[key] + len(writes)
        if final[key]["version"] != want_version:
            problems.append(f"{key}: final version {final[key]['version']}, expected {want_version}")
        if writes and final[key]["progress"] != writes[-1][1]:
            problems.append(f"{key}: final progress {final[key]['progress']}, last accepted write {writes[-1][1]}")
    false_conflicts = [c for c in conflicts if c[1] == c[2]]
    if false_conflicts:
        problems.append(f"{len(false_conflicts)} 409s where the version sent was current")

    print(f"{args.writers} writers on {len(keys)} tasks for {elapsed:.1f} s (PostgreSQL)")
    print(f"  accepted writes: {len(accepted)} ({len(accepted) / elapsed:.0f}/s), 409 conflicts: {len(conflicts)}")
    print(f"  lost updates: 0 of {len(accepted)} checked" if not problems else f"  PROBLEMS: {len(problems)}")
    for p in problems[:20]:
        print("   - " + p)
    if problems:
        raise SystemExit(1)
    print("  every 409 was a real conflict; final states match the accepted writes")


if __name__ == "__main__":
    main()
