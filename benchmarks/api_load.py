"""Load on two servers over one PostgreSQL: zero 5xx, zero lost updates, p50/p99, and the login hammered meanwhile.

Starts two `postprod serve` processes on 127.0.0.1 (random ports) over a fresh PostgreSQL schema
with the demo production, then runs `--clients` threads (default 50) for `--seconds` (default 60),
each on one server or the other, mixing reads (a task, the task list, the notes) and writes (a task's
progress with If-Match, retried on 409; a note appended). Each client pauses a random think time
between its actions (`--think`, 1 s on average: a person at a desk; 0 for clients that fire back to back). In the second half, `--login-threads`
(default 20) threads post wrong passwords to the sign-in as fast as they are answered.

Checks at the end: no 5xx and no transport error; each task's version moved by exactly its
accepted writes; the notes written are all there. Prints p50 and p99 of the clients' requests
without and with the login hammer; the target is p50 <= 100 ms with it.

Usage: python benchmarks/api_load.py [--seconds 60] [--clients 50] [--login-threads 20] [--think 1.0]
       [--database postgresql+psycopg://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import threading
import time
from collections import Counter
from statistics import quantiles

import httpx

SCHEMA = "pp_bench_load"

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from api_concurrency import demo_schema, free_port  # noqa: E402


def pct(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return quantiles(values, n=100, method="inclusive")[q - 1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--login-threads", type=int, default=20)
    ap.add_argument("--tasks", type=int, default=10, help="Tasks the writers share.")
    ap.add_argument("--think", type=float, default=1.0, help="Mean pause between a client's actions, seconds.")
    ap.add_argument(
        "--database",
        default=os.environ.get("POSTPROD_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
    )
    args = ap.parse_args()
    url, token, pid = demo_schema(args.database, SCHEMA)
    ports = [free_port(), free_port()]
    env = {**os.environ, "POSTPROD_DATABASE_URL": url}
    env.pop("POSTPROD_BROKER_URL", None)
    servers = [
        subprocess.Popen(
            [sys.executable, "-m", "postprod.cli.main", "serve", "--port", str(p)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for p in ports
    ]
    bases = [f"http://127.0.0.1:{p}" for p in ports]
    headers = {"Authorization": f"Bearer {token}"}
    tasks_url = f"/api/v1/productions/{pid}/tasks"
    try:
        for base in bases:
            for _ in range(600):
                try:
                    if httpx.get(base + "/api/v1/health", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.1)
            else:
                raise SystemExit(f"the server at {base} did not start")
        with httpx.Client(base_url=bases[0], headers=headers, timeout=30) as c:
            items = c.get(tasks_url, params={"limit": 100, "status": "not-started"}).json()["items"]
            keys = [t["key"] for t in items[: args.tasks]]
            start = {k: c.get(f"{tasks_url}/{k}").json()["version"] for k in keys}
            notes_before = len(c.get(f"/api/v1/productions/{pid}/notes", params={"limit": 10000}).json())

        lock = threading.Lock()
        latencies: dict[str, list[float]] = {"calm": [], "login": []}
        statuses: Counter[int] = Counter()
        accepted = Counter[str]()
        notes_written = [0]
        problems: list[str] = []
        refused: list[str] = []  # a few 4xx answers, for the record (a done task refuses progress, say)
        half = [False]
        t0 = time.monotonic()
        stop_at = t0 + args.seconds

        def timed(c: httpx.Client, method: str, path: str, **kw: object) -> httpx.Response | None:
            began = time.perf_counter()
            try:
                r = c.request(method, path, **kw)  # type: ignore[arg-type]
            except httpx.TransportError as exc:
                with lock:
                    problems.append(f"{method} {path}: {type(exc).__name__}")
                return None
            took = time.perf_counter() - began
            with lock:
                latencies["login" if half[0] else "calm"].append(took)
                statuses[r.status_code] += 1
                if r.status_code >= 500:
                    problems.append(f"{method} {path}: {r.status_code} {r.text[:120]}")
                elif r.status_code == 422 and len(refused) < 3:
                    refused.append(f"{method} {path}: {r.text[:120]}")
            return r

        def client(seed: int) -> None:
            rnd = random.Random(seed)
            with httpx.Client(base_url=bases[seed % 2], headers=headers, timeout=60) as c:
                while time.monotonic() < stop_at:
                    if args.think > 0:
                        time.sleep(rnd.uniform(0.5, 1.5) * args.think)
                    roll = rnd.random()
                    key = rnd.choice(keys)
                    if roll < 0.35:
                        timed(c, "GET", f"{tasks_url}/{key}")
                    elif roll < 0.5:
                        timed(c, "GET", tasks_url, params={"limit": 50})
                    elif roll < 0.6:
                        timed(c, "GET", f"/api/v1/productions/{pid}/notes", params={"limit": 20})
                    elif roll < 0.9:  # an update, retried on 409 until it lands
                        for _ in range(20):
                            got = timed(c, "GET", f"{tasks_url}/{key}")
                            if got is None or got.status_code != 200:
                                break
                            r = timed(
                                c,
                                "PATCH",
                                f"{tasks_url}/{key}",
                                json={"progress": rnd.randint(1, 99)},
                                headers={"If-Match": f'"{got.json()["version"]}"'},
                            )
                            if r is not None and r.status_code == 200:
                                with lock:
                                    accepted[key] += 1
                                break
                            if r is None or r.status_code != 409:
                                break
                    else:
                        r = timed(c, "POST", f"{tasks_url}/{key}/notes", json={"body": f"load {seed}"})
                        if r is not None and r.status_code == 201:
                            with lock:
                                notes_written[0] += 1

        logins = Counter[int]()

        def hammer() -> None:
            with httpx.Client(timeout=60) as c:
                n = 0
                while time.monotonic() < stop_at:
                    n += 1
                    try:
                        r = c.post(
                            bases[n % 2] + "/api/v1/auth/login", json={"username": "supervisor", "password": f"no{n}"}
                        )
                        with lock:
                            logins[r.status_code] += 1
                    except httpx.TransportError:
                        with lock:
                            logins[0] += 1

        threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
        for t in threads:
            t.start()
        time.sleep(args.seconds / 2)
        half[0] = True
        hammers = [threading.Thread(target=hammer) for _ in range(args.login_threads)]
        for t in hammers:
            t.start()
        for t in threads + hammers:
            t.join()

        with httpx.Client(base_url=bases[1], headers=headers, timeout=30) as c:
            final = {k: c.get(f"{tasks_url}/{k}").json()["version"] for k in keys}
            notes_after = len(c.get(f"/api/v1/productions/{pid}/notes", params={"limit": 10000}).json())
    finally:
        for p in servers:
            p.terminate()
        for p in servers:
            p.wait(timeout=30)

    lost = 0
    for key in keys:
        if final[key] - start[key] != accepted[key]:
            lost += abs(final[key] - start[key] - accepted[key])
            problems.append(f"{key}: version moved {final[key] - start[key]}, accepted writes {accepted[key]}")
    if notes_after - notes_before != notes_written[0]:
        lost += abs(notes_after - notes_before - notes_written[0])
        problems.append(f"notes: {notes_after - notes_before} there, {notes_written[0]} written")
    five = sum(n for code, n in statuses.items() if code >= 500)
    total = sum(statuses.values())
    calm, hammered = latencies["calm"], latencies["login"]
    print(
        f"{args.clients} clients (think time {args.think:g} s) on two servers (PostgreSQL) "
        f"for {args.seconds:.0f} s: {total} requests"
    )
    print(f"  statuses: {dict(sorted(statuses.items()))}; 5xx: {five}; transport errors: {len(problems) - lost}")
    print(f"  accepted updates: {sum(accepted.values())}, notes written: {notes_written[0]}, lost updates: {lost}")
    print(f"  latency without the login hammer: p50 {pct(calm, 50) * 1000:.0f} ms, p99 {pct(calm, 99) * 1000:.0f} ms")
    print(
        f"  latency with {args.login_threads} threads on the login ({sum(logins.values())} sign-ins, "
        f"{dict(sorted(logins.items()))}): p50 {pct(hammered, 50) * 1000:.0f} ms, p99 {pct(hammered, 99) * 1000:.0f} ms"
    )
    target = pct(hammered, 50) <= 0.100
    print(f"  p50 under the login hammer <= 100 ms: {'yes' if target else 'NO'}")
    for r in refused:
        print("   422 example: " + r)
    for line in problems[:20]:
        print("   - " + line)
    if problems or five:
        raise SystemExit(1)
    if not target:
        raise SystemExit(2)


if __name__ == "__main__":
    main()
