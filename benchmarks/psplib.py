"""PSPLIB benchmark: solve every .sm instance of j30/j60/j120 and compare with the published tables.

Usage: python benchmarks/psplib.py [--runs heuristic,j30,j60,j120] [--folder F] [--time-limit S] [--limit N] [--json]
By default it runs the four targets of the planning issue, one instance after the other in this
process (a warm-up solve first, so imports are not charged to the first instance):
  heuristic  j30 with time limit 0: mean gap to the optimum <= 3 %, every instance < 50 ms
  j30        2 s: the optimum on >= 98 % of instances, mean gap <= 0.1 %, every instance <= 2 s
  j60        10 s: mean gap to the best known <= 0.5 %, <= 2 % on each of the scarce-resource groups
             13-16, 29-32 and 45-48, every instance <= 10 s
  j120       10 s: mean gap to the best known <= 1.5 %, every instance <= 10 s
Seconds are wall-clock per instance including parsing and model building (the targets use them);
"max cpu" is the process CPU time of the worst instance, all threads summed (CP-SAT uses two).
The load average is printed before and after: run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

from postprod.planning.compiled import compile_problem
from postprod.planning.psplib import read_sm
from postprod.planning.solver import solve_compiled

DATA = Path(os.environ.get("POSTPROD_SHARED_DATA", Path(__file__).resolve().parents[1] / ".." / "shared" / "data"))
PSPLIB = DATA / "psplib"


@dataclass(frozen=True)
class Target:
    """One line of the issue's targets."""

    name: str
    folder: str
    time_limit: float
    max_seconds: float
    max_mean_gap: float
    min_optimal_pct: float | None = None
    groups: tuple[tuple[int, int], ...] = ()
    max_group_gap: float = 0.0


TARGETS = {
    "heuristic": Target("heuristic", "j30", 0.0, 0.050, 3.0),
    "j30": Target("j30", "j30", 2.0, 2.0, 0.1, 98.0),
    "j60": Target("j60", "j60", 10.0, 10.0, 0.5, groups=((13, 16), (29, 32), (45, 48)), max_group_gap=2.0),
    "j120": Target("j120", "j120", 10.0, 10.0, 1.5),
}


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


def solve_file(path: Path, time_limit: float) -> tuple[int, bool, str, float, float]:
    """Makespan, proven optimal, solver, wall-clock seconds (parsing included) and CPU seconds (all threads)."""
    t0 = time.perf_counter()
    c0 = time.process_time()
    c = compile_problem(read_sm(path).to_problem())
    plan = solve_compiled(c, time_limit, t0=t0)
    return plan.makespan, plan.optimal, plan.solver, time.perf_counter() - t0, time.process_time() - c0


def run_set(folder: Path, target: Target, limit: int | None) -> dict[str, object]:
    set_name = folder.name
    ref = reference(set_name)
    files = sorted(folder.glob("*.sm"), key=lambda p: key_of(p.stem, set_name))[:limit]
    rows = []
    for f in files:
        makespan, proven, solver, secs, cpu = solve_file(f, target.time_limit)
        best = ref[key_of(f.stem, set_name)]
        gap = 100.0 * (makespan - best) / best
        rows.append(
            {
                "instance": f.stem,
                "group": key_of(f.stem, set_name)[0],
                "makespan": makespan,
                "reference": best,
                "gap": gap,
                "proven": proven,
                "seconds": secs,
                "cpu": cpu,
                "solver": solver,
            }
        )
        print(
            f"  {target.name:9s} {f.stem:12s} {makespan:4d} ref {best:4d} gap {gap:5.2f}% {secs:6.3f}s cpu {cpu:6.3f}s {solver}",
            file=sys.stderr,
            flush=True,
        )
    gaps = [float(r["gap"]) for r in rows]  # type: ignore[arg-type]
    secs = [float(r["seconds"]) for r in rows]  # type: ignore[arg-type]
    cpus = [float(r["cpu"]) for r in rows]  # type: ignore[arg-type]
    n = max(len(rows), 1)
    at_ref = 100.0 * sum(g <= 1e-9 for g in gaps) / n
    mean_gap = statistics.mean(gaps) if gaps else 0.0
    checks = {
        "mean_gap": mean_gap <= target.max_mean_gap,
        "max_seconds": max(secs, default=0.0) <= target.max_seconds,
    }
    if target.min_optimal_pct is not None:
        checks["optimal"] = at_ref >= target.min_optimal_pct
    group_gaps: dict[str, float] = {}
    for a, b in target.groups:
        inside = [float(r["gap"]) for r in rows if a <= int(r["group"]) <= b]  # type: ignore[call-overload,arg-type]
        if inside:
            group_gaps[f"{a}-{b}"] = statistics.mean(inside)
            checks[f"groups {a}-{b}"] = group_gaps[f"{a}-{b}"] <= target.max_group_gap
    return {
        "run": target.name,
        "set": set_name,
        "instances": len(rows),
        "time_limit": target.time_limit,
        "at_reference_pct": at_ref,
        "proven_optimal_pct": 100.0 * sum(bool(r["proven"]) for r in rows) / n,
        "mean_gap_pct": mean_gap,
        "max_gap_pct": max(gaps, default=0.0),
        "group_gap_pct": group_gaps,
        "median_seconds": statistics.median(secs) if secs else 0.0,
        "max_seconds": max(secs, default=0.0),
        "median_cpu": statistics.median(cpus) if cpus else 0.0,
        "max_cpu": max(cpus, default=0.0),
        "checks": checks,
        "pass": all(checks.values()),
        "rows": rows,
        "target": target,
    }


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def print_table(results: list[dict[str, object]]) -> None:
    head = (
        f"{'run':9s} {'set':5s} {'n':>3s} {'limit':>5s} {'at ref':>7s} {'proven':>7s} {'mean gap':>9s} "
        f"{'max gap':>8s} {'median s':>9s} {'max s':>7s} {'max cpu':>8s}  targets"
    )
    print(head)
    for r in results:
        t: Target = r["target"]  # type: ignore[assignment]
        checks: dict[str, bool] = r["checks"]  # type: ignore[assignment]
        parts = [f"gap<={t.max_mean_gap:g}% {verdict(checks['mean_gap'])}"]
        parts.append(f"time<={t.max_seconds:g}s {verdict(checks['max_seconds'])}")
        if "optimal" in checks:
            parts.append(f"optimal>={t.min_optimal_pct:g}% {verdict(checks['optimal'])}")
        group_gaps: dict[str, float] = r["group_gap_pct"]  # type: ignore[assignment]
        for name, gap in group_gaps.items():
            parts.append(f"groups {name} {gap:.2f}%<={t.max_group_gap:g}% {verdict(checks['groups ' + name])}")
        print(
            f"{r['run']!s:9s} {r['set']!s:5s} {r['instances']:3d} {t.time_limit:5g} {r['at_reference_pct']:6.1f}% "
            f"{r['proven_optimal_pct']:6.1f}% {r['mean_gap_pct']:8.2f}% {r['max_gap_pct']:7.2f}% "
            f"{r['median_seconds']:9.3f} {r['max_seconds']:7.3f} {r['max_cpu']:8.3f}  {'; '.join(parts)} -> {verdict(bool(r['pass']))}",
            flush=True,
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--runs", default="heuristic,j30,j60,j120", help="comma-separated: " + ",".join(TARGETS))
    ap.add_argument("--folder", type=Path, default=None, help="instances folder (named j30/j60/j120) for all runs")
    ap.add_argument("--time-limit", type=float, default=None, help="override the seconds per instance")
    ap.add_argument("--limit", type=int, default=None, help="first N instances of each set")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    names = [x.strip() for x in args.runs.split(",") if x.strip()]
    for name in names:
        if name not in TARGETS:
            raise SystemExit(f"unknown run {name!r}; choose among {', '.join(TARGETS)}")
    load0 = os.getloadavg()
    results = []
    warmed = False
    for name in names:
        t = TARGETS[name]
        if args.time_limit is not None:
            t = replace(t, time_limit=args.time_limit, max_seconds=max(t.max_seconds, args.time_limit))
        folder = args.folder or PSPLIB / t.folder
        if not folder.is_dir():
            raise SystemExit(f"PSPLIB data not found at {folder} (set POSTPROD_SHARED_DATA)")
        if not warmed:
            first = min(folder.glob("*.sm"), default=None)
            if first is not None:
                solve_file(first, 0.2)
            warmed = True
        results.append(run_set(folder, t, args.limit))
    load1 = os.getloadavg()
    print(
        f"load average before {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f}; after {load1[0]:.2f} {load1[1]:.2f} {load1[2]:.2f}"
    )
    print_table(results)
    if args.json:
        print(json.dumps([{k: v for k, v in r.items() if k not in ("rows", "target")} for r in results], indent=2))


if __name__ == "__main__":
    main()
