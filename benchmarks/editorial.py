"""Benchmark: parse a 3,000-event EDL with postprod vs OTIO's cmx_3600 reader; diff two 3,000-event EDLs.

Run: python benchmarks/editorial.py [--events 3000] [--runs 7]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from fractions import Fraction
from pathlib import Path

from otio_cmx3600_adapter import cmx_3600

from postprod.editorial.diff import diff_cuts
from postprod.editorial.edl_writer import cut_to_edl
from postprod.editorial.readers import read_cut
from postprod.editorial.synth import make_pair


def _median(fn, runs: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--events", type=int, default=3000)
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    rate = Fraction(24)
    pair = make_pair(args.events, rate, seed=42, trims=20, inserts=10, deletes=10, moves=5, replaces=10)
    with tempfile.TemporaryDirectory() as tmp:
        old, new = Path(tmp) / "old.edl", Path(tmp) / "new.edl"
        old.write_text(cut_to_edl(pair.old))
        new.write_text(cut_to_edl(pair.new))
        text = old.read_text()
        n = len(read_cut(old, rate).events)
        otio_clips = len(list(cmx_3600.read_from_string(text, rate=24).find_clips()))
        assert n == otio_clips == args.events, (n, otio_clips)
        ours = _median(lambda: read_cut(old, rate), args.runs)
        theirs = _median(lambda: cmx_3600.read_from_string(Path(old).read_text(), rate=24), args.runs)
        print(
            f"parse {args.events}-event EDL: postprod {ours * 1000:.1f} ms, OTIO cmx_3600 {theirs * 1000:.1f} ms, OTIO/postprod = {theirs / ours:.1f}x (median of {args.runs})"
        )

        def full_diff() -> int:
            return len(diff_cuts(read_cut(old, rate), read_cut(new, rate)).changes)

        found = full_diff()
        assert found == len(pair.expected), (found, len(pair.expected))
        d = _median(full_diff, args.runs)
        only = _median(lambda: diff_cuts(pair.old, pair.new), args.runs)
        print(
            f"diff two {args.events}-event EDLs incl. parsing: {d * 1000:.1f} ms (diff alone {only * 1000:.1f} ms), {found} changes found, target <= 1000 ms"
        )


if __name__ == "__main__":
    main()
