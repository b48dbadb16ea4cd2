"""Benchmark: how long whole `postprod` processes take, against `python -c "import typer"` in the same run.

Each command runs as a new process, as a user types it, with the same Python as this script. The
commands take turns, round after round, so a busy machine slows them alike; the figure is each
one's median over the rounds. Beside each wall time, the CPU time the process used (user and
system): a loaded machine stretches the first far more than the second. Targets (issue 11): `postprod --help` and `postprod qc specs` at most
0.2 s above the floor of importing Typer; `postprod cut diff` of two 3,000-event EDLs at most 0.5 s
in all; `postprod task list` on the demo production (SQLite) at most 0.6 s.

The two EDLs are those of benchmarks/editorial.py (a reel and its recut, 55 changes). The diff of
`postprod sample cut`'s pair (450 changes) is shown too, without a target: its time goes mostly to
Rich laying out the 450-row table (`--json` prints the same change list in a fraction of it).

With --baseline SRC, each postprod command also runs from another source tree (an older commit's
src/, say) in the same rounds, so that a busy machine slows both alike: the before and after of a
change in one run.

Run: python benchmarks/cli_startup.py [--runs 7] [--events 3000] [--baseline OLD/src]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

from postprod.editorial.edl_writer import cut_to_edl
from postprod.editorial.synth import make_pair

# The `postprod` console script's own two lines, so the figures do not depend on where it is installed.
POSTPROD = "import sys; from postprod.cli.main import main; sys.argv[0] = 'postprod'; sys.exit(main())"


def postprod(*args: str) -> list[str]:
    return [sys.executable, "-c", POSTPROD, *args]


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def run(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Seconds the process took from start to exit, and the CPU seconds it used; it must succeed."""
    t, cpu = time.perf_counter(), _children_cpu()
    done = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    took, used = time.perf_counter() - t, _children_cpu() - cpu
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd[3:]) or cmd[-1]} failed ({done.returncode}): {done.stderr.strip()}")
    return took, used


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--events", type=int, default=3000)
    ap.add_argument("--baseline", type=Path, help="Also time each postprod command with this src/ directory.")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "POSTPROD_DATABASE_URL": f"sqlite:///{Path(tmp) / 'demo.db'}",
            "COLUMNS": "120",
            # Compiled modules kept here, as an installed postprod has them: a shell that sets
            # PYTHONDONTWRITEBYTECODE would otherwise compile every postprod module on every run.
            "PYTHONPYCACHEPREFIX": str(Path(tmp) / "pycache"),
        }
        env.pop("POSTPROD_PRODUCTION", None)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        old, new = str(Path(tmp) / "old.edl"), str(Path(tmp) / "new.edl")
        # The inputs, made by postprod itself: two versions of a reel, as benchmarks/editorial.py
        # makes them; `postprod sample cut`'s pair; the demo production.
        pair = make_pair(args.events, Fraction(24), seed=42, trims=20, inserts=10, deletes=10, moves=5, replaces=10)
        Path(old).write_text(cut_to_edl(pair.old))
        Path(new).write_text(cut_to_edl(pair.new))
        s_old, s_new = str(Path(tmp) / "sample_old.edl"), str(Path(tmp) / "sample_new.edl")
        run(postprod("sample", "cut", s_old, s_new, "--events", str(args.events)), env)
        run(postprod("demo"), env)
        commands: dict[str, tuple[list[str], str]] = {
            'python -c "import typer"': ([sys.executable, "-c", "import typer"], "floor"),
            "postprod --help": (postprod("--help"), "floor + 0.2"),
            "postprod qc specs": (postprod("qc", "specs"), "floor + 0.2"),
            f"postprod cut diff ({args.events} events)": (postprod("cut", "diff", old, new, "--rate", "24"), "0.5"),
            "postprod task list (demo)": (postprod("task", "list"), "0.6"),
            "cut diff, sample pair": (postprod("cut", "diff", s_old, s_new, "--rate", "24"), "info"),
            "cut diff, sample pair, --json": (postprod("cut", "diff", s_old, s_new, "--rate", "24", "--json"), "info"),
        }
        envs = {name: env for name in commands}
        if args.baseline is not None:
            old_env = {**env, "PYTHONPATH": str(args.baseline.resolve())}
            for name, (cmd, _) in list(commands.items()):
                if cmd[1] == "-c" and cmd[2] == POSTPROD:
                    commands[f"  baseline: {name}"] = (cmd, "baseline")
                    envs[f"  baseline: {name}"] = old_env
        times: dict[str, list[float]] = {name: [] for name in commands}
        cpu_times: dict[str, list[float]] = {name: [] for name in commands}
        for name, (cmd, _) in commands.items():  # once each first: the files and .pyc caches are warm
            run(cmd, envs[name])
        for _ in range(args.runs):
            for name, (cmd, _) in commands.items():
                took, used = run(cmd, envs[name])
                times[name].append(took)
                cpu_times[name].append(used)
    medians = {name: statistics.median(t) for name, t in times.items()}
    cpu = {name: statistics.median(t) for name, t in cpu_times.items()}
    floor = medians['python -c "import typer"']
    print(f"median of {args.runs} runs each, whole processes ({sys.executable})")
    failed = False
    for name, (_, target) in commands.items():
        m = medians[name]
        if target == "baseline":
            continue
        if target in ("floor", "info"):
            print(
                f"  {name:<32} {m:6.3f} s"
                + ("" if target == "floor" else f"  floor + {m - floor:5.3f} s")
                + f"  (cpu {cpu[name]:5.3f} s)"
            )
            continue
        limit = floor + 0.2 if target.startswith("floor") else float(target)
        ok = m <= limit
        failed |= not ok
        print(
            f"  {name:<32} {m:6.3f} s  floor + {m - floor:5.3f} s  ({m / floor:4.1f}x the floor)  "
            f"target <= {limit:.3f} s ({target}): {'ok' if ok else 'MISSED'}  (cpu {cpu[name]:5.3f} s)"
        )
    if args.baseline is not None:
        print(f"the same commands from {args.baseline}, in the same rounds")
        for name, (_, target) in commands.items():
            if target == "baseline":
                m, now = medians[name], medians[name.removeprefix("  baseline: ")]
                before, after = cpu[name], cpu[name.removeprefix("  baseline: ")]
                print(
                    f"  {name.strip():<42} {m:6.3f} s  floor + {m - floor:5.3f} s  (now {now:6.3f} s, {now / m - 1:+.0%}); "
                    f"cpu {before:5.3f} s (now {after:5.3f} s, {after / before - 1:+.0%})"
                )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
