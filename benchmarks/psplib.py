"""PSPLIB benchmark: solve every .sm instance of j30/j60/j120 and compare with the published tables.

Usage: python benchmarks/psplib.py [FOLDER ...] [--time-limit S] [--limit N] [--json]
Without folders, runs j30, j60 and j120 from the shared data. Per set it prints the share of
instances at the reference makespan (proven optimum for j30, best known for j60/j120), the mean
and max gap to it, and the median and max seconds per instance.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path

from postprod.planning.compiled import compile_problem
from postprod.planning.psplib import read_sm
from postprod.planning.solver import solve_compiled

DATA = Path(os.environ.get("POSTPROD_SHARED_DATA", Path(__file__).resolve().parents[1] / ".." / "shared" / "data"))
PSPLIB = DATA / "psplib"
DEFAULT_LIMITS = {"j30": 2.0, "j60": 10.0, "j120": 10.0}


def read_table(path: Path) -> dict[tuple[int, int], int]:
    """(parameter group, instance) -> makespan from j30opt.sm or jXXhrs.sm."""
    out: dict[tuple[int, int], int] = {}
    for line in path.read_text(encoding="latin-1").splitlines():
        vals = line.split()
        if len(vals) >= 3 and vals[0].isdigit() and vals[1].isdigit() and vals[2].isdigit():
            out[(int(vals[0]), int(vals[1]))] = int(vals[2])
    return out


def reference(set_name: str) -> dict[tuple[int, int], int]:
    tables = PSPLIB / "tables"
    opt = tables / f"{set_name}opt.sm"
    return read_table(opt if opt.exists() else tables / f"{set_name}hrs.sm")


def key_of(stem: str, set_name: str) -> tuple[int, int]:
    m = re.fullmatch(re.escape(set_name) + r"(\d+)_(\d+)", stem)
    if not m:
        raise SystemExit(f"cannot tell group and instance from {stem}")
    return int(m.group(1)), int(m.group(2))


def run_set(folder: Path, time_limit: float, limit: int | None) -> dict[str, object]:
    set_name = folder.name
    ref = reference(set_name)
    files = sorted(folder.glob("*.sm"), key=lambda p: key_of(p.stem, set_name))[:limit]
    rows = []
    for f in files:
        t0 = time.perf_counter()
        c = compile_problem(read_sm(f).to_problem())
        plan = solve_compiled(c, time_limit)
        secs = time.perf_counter() - t0
        best = ref[key_of(f.stem, set_name)]
        gap = 100.0 * (plan.makespan - best) / best
        rows.append(
            {
                "instance": f.stem,
                "makespan": plan.makespan,
                "reference": best,
                "gap": gap,
                "proven": plan.optimal,
                "seconds": secs,
                "solver": plan.solver,
            }
        )
        print(
            f"  {f.stem:12s} {plan.makespan:4d} ref {best:4d} gap {gap:5.2f}% {secs:6.3f}s {plan.solver}",
            file=sys.stderr,
            flush=True,
        )
    gaps = [r["gap"] for r in rows]
    secs = [r["seconds"] for r in rows]
    return {
        "set": set_name,
        "instances": len(rows),
        "time_limit": time_limit,
        "at_reference_pct": 100.0 * sum(g <= 1e-9 for g in gaps) / max(len(rows), 1),
        "proven_optimal_pct": 100.0 * sum(bool(r["proven"]) for r in rows) / max(len(rows), 1),
        "mean_gap_pct": statistics.mean(gaps) if gaps else 0.0,
        "max_gap_pct": max(gaps, default=0.0),
        "median_seconds": statistics.median(secs) if secs else 0.0,
        "max_seconds": max(secs, default=0.0),
        "rows": rows,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folders", nargs="*", type=Path)
    ap.add_argument("--time-limit", type=float, default=None, help="seconds per instance (0: heuristic only)")
    ap.add_argument("--limit", type=int, default=None, help="first N instances of each set")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    folders = args.folders or [PSPLIB / s for s in ("j30", "j60", "j120")]
    if not all(f.is_dir() for f in folders):
        raise SystemExit(f"PSPLIB data not found under {PSPLIB} (set POSTPROD_SHARED_DATA)")
    results = []
    for folder in folders:
        tl = args.time_limit if args.time_limit is not None else DEFAULT_LIMITS.get(folder.name, 10.0)
        res = run_set(folder, tl, args.limit)
        results.append(res)
        print(
            f"{res['set']:5s} n={res['instances']:3d} limit={tl:g}s  at reference {res['at_reference_pct']:5.1f}%  "
            f"proven {res['proven_optimal_pct']:5.1f}%  mean gap {res['mean_gap_pct']:.2f}%  "
            f"max gap {res['max_gap_pct']:.2f}%  median {res['median_seconds']:.3f}s  max {res['max_seconds']:.3f}s",
            flush=True,
        )
    if args.json:
        print(json.dumps([{k: v for k, v in r.items() if k != "rows"} for r in results], indent=2))


if __name__ == "__main__":
    main()
