"""Parallel sign-ins with the real argon2id cost: the server's memory and the other requests' latency.

Starts Uvicorn on 127.0.0.1 over a fresh SQLite file with the demo production, then for `--seconds`
runs `--logins` threads signing in with the right password as fast as they can (the worst case: no
throttle applies), while one reader asks for a production's overview with a token, one request at a
time. Sign-in threads wait as Retry-After says (unless --ignore-retry-after). Prints the server's peak resident memory (VmHWM), the sign-ins' answers by status, and the
reader's p50 and p99 latency; then the same without sign-ins, the reader's baseline.

Run it twice to compare with a server that hashes without bound:
    python benchmarks/sign_in_load.py                          # the gate (default: half the cores)
    POSTPROD_HASH_CONCURRENCY=64 python benchmarks/sign_in_load.py   # as good as no gate

Usage: python benchmarks/sign_in_load.py [--seconds 15] [--logins 20]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

SERVER = """
import os, uvicorn
from postprod.app import create_app
uvicorn.run(create_app(os.environ["POSTPROD_DATABASE_URL"], web=False, webhooks=False), host="127.0.0.1",
            port=int(os.environ["BENCH_PORT"]), log_level="warning", access_log=False)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def setup(url: str) -> tuple[int, str]:
    """The demo production and its users (real argon2id hashes); its ID and a supervisor token."""
    from postprod import db
    from postprod.services.demo import create_demo
    from postprod.services.users import create_demo_users, create_token, get_user

    engine = db.make_engine(url)
    db.migrate(engine)
    with db.session_scope(engine, actor="bench") as s:
        prod, _ = create_demo(s, plan=False)
        create_demo_users(s, prod)
        token = create_token(s, get_user(s, "supervisor"), "bench")[1]
        pid = prod.id
    engine.dispose()
    return pid, token


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def read_latencies(base: str, pid: int, token: str, stop: threading.Event) -> list[float]:
    out = []
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60) as c:
        while not stop.is_set():
            t = time.perf_counter()
            r = c.get(f"/api/v1/productions/{pid}")
            out.append(time.perf_counter() - t)
            assert r.status_code == 200, r.text
    return out


def sign_ins(base: str, stop: threading.Event, codes: Counter[int], obey: bool) -> None:
    with httpx.Client(base_url=base, timeout=60) as c:
        while not stop.is_set():
            r = c.post("/api/v1/auth/login", json={"username": "director", "password": "director"})
            codes[r.status_code] += 1
            if obey and "retry-after" in r.headers:
                stop.wait(float(r.headers["retry-after"]))


def ms(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return 1000 * statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else 1000 * values[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=15)
    ap.add_argument("--logins", type=int, default=20)
    ap.add_argument(
        "--ignore-retry-after", action="store_true", help="Sign-in threads ask again at once after a 503 (a flood)"
    )
    args = ap.parse_args()
    os.environ.pop("POSTPROD_PASSWORD_HASH", None)  # the real cost
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        pid, token = setup(url)
        port = free_port()
        env = {**os.environ, "POSTPROD_DATABASE_URL": url, "BENCH_PORT": str(port)}
        proc = subprocess.Popen([sys.executable, "-c", SERVER], env=env)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    if httpx.get(base + "/api/v1/health", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            stop = threading.Event()
            baseline: list[float] = []
            quiet = threading.Thread(target=lambda: baseline.extend(read_latencies(base, pid, token, stop)))
            quiet.start()
            time.sleep(min(5.0, args.seconds / 3))
            stop.set()
            quiet.join()
            rss_before = peak_rss_mb(proc.pid)

            stop = threading.Event()
            codes: Counter[int] = Counter()
            loaded: list[float] = []
            threads = [
                threading.Thread(target=sign_ins, args=(base, stop, codes, not args.ignore_retry_after))
                for _ in range(args.logins)
            ]
            threads.append(threading.Thread(target=lambda: loaded.extend(read_latencies(base, pid, token, stop))))
            for t in threads:
                t.start()
            time.sleep(args.seconds)
            stop.set()
            for t in threads:
                t.join()
            rss_after = peak_rss_mb(proc.pid)
        finally:
            proc.terminate()
            proc.wait(10)
    gate = os.environ.get("POSTPROD_HASH_CONCURRENCY") or f"default ({max(1, (os.cpu_count() or 2) // 2)})"
    obeying = "ignoring" if args.ignore_retry_after else "obeying"
    print(f"hash concurrency {gate}, {args.logins} sign-in threads {obeying} Retry-After for {args.seconds:.0f} s")
    print(f"server peak RSS: {rss_before:.0f} MB before, {rss_after:.0f} MB after the sign-ins")
    print("sign-ins by status: " + ", ".join(f"{k}: {v}" for k, v in sorted(codes.items())))
    print(
        f"reader alone:        p50 {ms(baseline, 50):7.1f} ms  p99 {ms(baseline, 99):7.1f} ms  ({len(baseline)} reads)"
    )
    print(f"reader with sign-ins: p50 {ms(loaded, 50):7.1f} ms  p99 {ms(loaded, 99):7.1f} ms  ({len(loaded)} reads)")


if __name__ == "__main__":
    main()
