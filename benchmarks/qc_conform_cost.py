"""Benchmark: what the conform check adds to `postprod qc analyze` on a 60 s 1080p H.264 master.

A master is generated from a cut of about 60 s (events of 1 to 4 s, a dissolve, a fade from black,
distinct moving pictures per source; libx264, 1920x1080, 25 fps), and its EDL written beside it. Both
commands run on it, alternated run by run:

    postprod qc analyze MASTER --json                  (black, freeze, range, bars)
    postprod qc conform MASTER --cut CUT.edl --json    (the same pass keeping shot changes, then matching)

The master has no sound, so both measure the picture only: the added share is the largest it can be
(a master with sound spends more time in analyze, the same in the shot changes). Target: at most +10 %.
Prints medians, the ratio, and the conform result (the master is correct: no finding expected).

    python benchmarks/qc_conform_cost.py [--seconds 60] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from postprod.editorial.edl_writer import cut_to_edl  # noqa: E402
from postprod.qc.conform_synth import make_cut, render_master  # noqa: E402
from qc_media import POSTPROD, alternate, load, median, run  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    rate = Fraction(25)
    events = max(2, int(args.seconds / 2.5))
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        cut = make_cut(rate, events=events, seed=21, shortest=25, longest=100)
        while cut.duration > args.seconds * 25:
            cut.events.pop()
        edl = Path(tmp) / "locked.edl"
        edl.write_text(cut_to_edl(cut), encoding="utf-8")
        master = render_master(
            Path(tmp) / "master.mp4", cut, size=(1920, 1080), scale=4, options={"preset": "veryfast", "crf": "20"}
        )
        size = master.path.stat().st_size / 1e6
        print(
            f"made {master.frames / 25:.1f} s 1920x1080 25 fps H.264 master ({size:.0f} MB, {len(cut.events)} events) "
            f"in {time.perf_counter() - t0:.1f} s"
        )
        out: dict[str, str] = {}
        analyze_cmd = [*POSTPROD, "qc", "analyze", str(master.path), "--json"]
        conform_cmd = [*POSTPROD, "qc", "conform", str(master.path), "--cut", str(edl), "--json"]

        def analyze() -> None:
            out["analyze"] = run(analyze_cmd)[2]

        def conform() -> None:
            out["conform"] = run(conform_cmd, ok=(0, 1))[2]

        cpu: dict[str, list[float]] = {"postprod qc analyze --json": [], "postprod qc conform --json": []}

        def on_cpu(name: str, fn: Callable[[], None]) -> Callable[[], None]:
            """The command's CPU seconds (user + system of the child) beside its wall time: on a shared,
            loaded machine the wall time of one run can double while its CPU time barely moves."""

            def timed() -> None:
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                fn()
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu[name].append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)

            return timed

        print(load() + " before")
        times = alternate(
            {
                "postprod qc analyze --json": on_cpu("postprod qc analyze --json", analyze),
                "postprod qc conform --json": on_cpu("postprod qc conform --json", conform),
            },
            args.runs,
        )
        print(load() + f" after; median of {args.runs} runs, alternated")
        base = median(times["postprod qc analyze --json"])
        for name, ts in times.items():
            spread = " ".join(f"{t:.2f}" for t in ts)
            print(f"  {name:32s} {median(ts):7.2f} s   runs {spread}   ratio {median(ts) / base:.3f}x")
        added = median(times["postprod qc conform --json"]) / base - 1
        pairs = [
            c / a for a, c in zip(times["postprod qc analyze --json"], times["postprod qc conform --json"], strict=True)
        ]
        cpu_added = median(cpu["postprod qc conform --json"]) / median(cpu["postprod qc analyze --json"]) - 1
        print(
            f"  CPU seconds: analyze {median(cpu['postprod qc analyze --json']):.2f}, conform {median(cpu['postprod qc conform --json']):.2f}"
        )
        print(
            f"conform adds {100 * added:+.1f} % to qc analyze in wall time (median of the run-by-run ratios "
            f"{100 * (median(pairs) - 1):+.1f} %), {100 * cpu_added:+.1f} % in CPU time (target: at most +10 %)"
        )
        data = json.loads(out["conform"])
        print(
            f"conform: {data['matched_exact']} of {data['edits']} edits exact, {data['detected']} shot changes, "
            f"findings {data['counts']}"
        )


if __name__ == "__main__":
    main()
