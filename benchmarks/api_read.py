"""A task read through the API: requests per second with Uvicorn on 127.0.0.1, from a client process.

Sets up the demo production in a fresh SQLite file, starts `postprod serve --workers N` in a subprocess on a free
loopback port, then runs a bounded loop of GET /api/v1/productions/1/tasks/{key} (Bearer token,
keep-alive) from this process for several repeats, and prints the median rate and p50/p99. Target: >= 300 req/s
on 2 cores. Usage: python benchmarks/api_read.py [--requests 2000] [--repeats 5] [--clients 4]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx


def run_wrk(base: str, token: str, key: str, seconds: int, connections: int) -> float:
    """Requests per second measured by wrk (a C load generator: the client costs little CPU)."""
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "-H", f"Authorization: Bearer {token}",
         f"{base}/api/v1/productions/1/tasks/{key}"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    if "Non-2xx" in out:
        raise SystemExit(f"wrk saw errors:\n{out}")
    return float(out.split("Requests/sec:")[1].split()[0])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def setup(url: str) -> str:
    from postprod import db
    from postprod.db import session_scope
    from postprod.services.demo import create_demo
    from postprod.services.users import create_demo_users, create_token, get_user

    engine = db.make_engine(url)
    db.migrate(engine)
    with session_scope(engine, actor="bench") as s:
        prod, _ = create_demo(s)
        create_demo_users(s, prod)
        token = create_token(s, get_user(s, "supervisor"), "bench")[1]
    engine.dispose()
    return token


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc), to tell cost from a busy machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(base: str, token: str, keys: list[str], total: int, clients: int, took: list[float] | None = None) -> float:
    """Requests per second for `total` GETs spread over `clients` keep-alive connections; each request's
    seconds appended to `took`."""
    per = total // clients
    errors: list[str] = []
    took = took if took is not None else []

    def worker(i: int) -> None:
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30) as c:
            for n in range(per):
                t0 = time.perf_counter()
                r = c.get(f"/api/v1/productions/1/tasks/{keys[(i + n) % len(keys)]}")
                took.append(time.perf_counter() - t0)
                if r.status_code != 200:
                    errors.append(f"{r.status_code} {r.text[:100]}")
                    return

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    if errors:
        raise SystemExit(f"request failed: {errors[0]}")
    return per * clients / elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--workers", type=int, default=2, help="Uvicorn worker processes (one per core).")
    ap.add_argument(
        "--tool",
        choices=["wrk", "httpx"],
        default="wrk" if shutil.which("wrk") else "httpx",
        help="Load generator: wrk (apt-get install wrk) or Python httpx threads.",
    )
    ap.add_argument("--seconds", type=int, default=10, help="Length of each wrk run.")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        token = setup(url)
        port = free_port()
        env = {**os.environ, "POSTPROD_DATABASE_URL": url}
        serve = ["serve", "--port", str(port), "--workers", str(args.workers)]
        proc = subprocess.Popen([sys.executable, "-m", "postprod.cli.main", *serve], env=env, stdout=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        took: list[float] = []
        try:
            for _ in range(200):
                try:
                    if httpx.get(base + "/api/v1/health", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            else:
                raise SystemExit("the server did not start")
            with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}) as c:
                keys = [t["key"] for t in c.get("/api/v1/productions/1/tasks", params={"limit": 50}).json()["items"]]
            run(base, token, keys, min(200, args.requests), args.clients)  # warm-up
            if args.tool == "wrk":
                rates = [run_wrk(base, token, keys[0], args.seconds, 8) for _ in range(args.repeats)]
                cpu = None
            else:
                cpu0 = cpu_seconds(proc.pid)
                rates = [run(base, token, keys, args.requests, args.clients, took) for _ in range(args.repeats)]
                cpu = cpu_seconds(proc.pid) - cpu0
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    med = statistics.median(rates)
    if args.tool == "wrk":
        print(f"task read via API: wrk, 8 connections, {args.seconds} s x {args.repeats} runs, {args.workers} workers")
    else:
        print(f"task read via API: {args.requests} requests x {args.repeats} repeats, {args.clients} client threads")
    print("  runs (req/s): " + ", ".join(f"{r:.0f}" for r in rates))
    print(f"  median: {med:.0f} req/s (target >= 300; ratio {med / 300:.2f})")
    if took:
        cuts = statistics.quantiles(took, n=100, method="inclusive")
        print(f"  latency: p50 {cuts[49] * 1000:.1f} ms, p99 {cuts[98] * 1000:.1f} ms, max {max(took) * 1000:.0f} ms")
    if cpu is not None and args.workers == 1:
        per = cpu / (args.requests * args.repeats)
        print(f"  server CPU per request: {per * 1000:.2f} ms, i.e. {1 / per:.0f} req/s per core if idle")
    print(f"  load average now: {', '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
