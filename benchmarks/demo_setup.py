"""Time the demo production's set-up (what `postprod serve --demo` does before it serves), on SQLite.

Usage: PYTHONPATH=src python benchmarks/demo_setup.py [--runs 3]
Prints the median of the runs, with and without media.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy.orm import Session

from postprod import db
from postprod.services.demo import add_demo_approvals, create_demo
from postprod.services.users import create_demo_users


def once(tmp: Path, n: int) -> float:
    engine = db.make_engine(f"sqlite:///{tmp / f'demo{n}.db'}")
    db.migrate(engine)
    started = time.perf_counter()
    with Session(bind=engine, expire_on_commit=False) as s:
        s.info["actor"] = "demo"
        prod, _ = create_demo(s, media=tmp / f"media{n}")
        create_demo_users(s, prod)
        add_demo_approvals(s, prod)
        s.commit()
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        times = [once(Path(tmp), n) for n in range(args.runs)]
    print(
        f"demo set-up: median {statistics.median(times):.2f} s over {args.runs} runs ({', '.join(f'{t:.2f}' for t in times)})"
    )


if __name__ == "__main__":
    main()
