"""Importing a new 3,000-event version of a reel that carries 2,000 ADR cues and 500 VFX shots.

Times `postprod`'s import (read, diff, store, carry every entry with its audit trail, commit)
against its anchor, the engine alone on the same files (read both EDLs, diff, retime the same
cues in memory), and prints medians and the ratio. Also times a 2,000-line ADR CSV import.

    python benchmarks/editorial_carry.py [--repeat 5] [--url postgresql+psycopg://...]
"""

from __future__ import annotations

import argparse
import csv
import io
import shutil
import statistics
import tempfile
import time
from fractions import Fraction
from pathlib import Path

from sqlalchemy import func, select

from postprod import db
from postprod.editorial.diff import diff_cuts
from postprod.editorial.edl_writer import cut_to_edl
from postprod.editorial.readers import read_cut
from postprod.editorial.retime import Cue, retime_cues
from postprod.editorial.synth import make_pair
from postprod.model import AdrCue, Production
from postprod.services import editorial as ed
from postprod.services import register_io as rio
from postprod.services import registers as rg
from postprod.services.productions import create_production

RATE = Fraction(24000, 1001)
N_EVENTS, N_ADR, N_VFX = 3000, 2000, 500


def build(workdir: Path) -> tuple[Path, Path, Path, list[Cue]]:
    """Two versions of a reel with known changes, a 2,000-cue ADR CSV, and the same cues for the engine."""
    pair = make_pair(N_EVENTS, RATE, seed=42, trims=40, inserts=20, deletes=20, moves=10, replaces=20)
    v1, v2 = workdir / "r1_v1.edl", workdir / "r1_v2.edl"
    v1.write_text(cut_to_edl(pair.old))
    v2.write_text(cut_to_edl(pair.new))
    old = pair.old
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["Cue", "Character", "TC In", "TC Out", "Line", "Reel"])
    cues = []
    for i in range(N_ADR):
        e = old.events[(i * 3) % len(old.events)]
        a = e.record_in + (i % 5)
        b = min(a + 12, e.record_out)
        w.writerow([str(i + 1), "MARIE", old.tc(a), old.tc(b), f"line {i}", "R1"])
        cues.append(Cue(str(i), a, b))
    adr_csv = workdir / "adr.csv"
    adr_csv.write_text(buf.getvalue())
    return v1, v2, adr_csv, cues


def prepare(url: str, v1: Path, adr_csv: Path, pair_shots: list[tuple[str, int, int]]) -> float:
    """A database with the production, version 1 of the reel, ADR cues and VFX shots; returns the CSV import time."""
    engine = db.make_engine(url)
    db.migrate(engine)
    with db.session_scope(engine, actor="bench") as s:
        prod = create_production(s, title="Bench", fps="23.976", start="2027-01-04")
        ed.import_cut(s, prod, v1, reel="R1", rate=RATE)
        t0 = time.perf_counter()
        rio.import_entries(s, prod, rg.KINDS["adr"], adr_csv)
        csv_time = time.perf_counter() - t0
        vfx = rg.KINDS["vfx"]
        model = vfx.model
        cv = ed.get_version(s, prod, "R1")
        for k in range(N_VFX):
            shot = model(production_id=prod.id)
            rg._defaults(vfx, shot, prod)
            if k < len(pair_shots):
                sid, a, b = pair_shots[k]
            else:
                sid, a, b = f"900_BEN_{k:04d}", pair_shots[k % len(pair_shots)][1], pair_shots[k % len(pair_shots)][2]
            shot.shot_id, shot.reel, shot.record_in, shot.record_out, shot.cut_version_id = sid, "R1", a, b, cv.id
            s.add(shot)
        s.flush()
    engine.dispose()
    return csv_time


def _time_import(url: str, v2: Path, commit: bool) -> tuple[float, dict[str, int]]:
    """One import of version 2; committed (SQLite copy) or rolled back (a shared PostgreSQL database)."""
    engine = db.make_engine(url)
    session = db.session_factory(engine)()
    session.info["actor"] = "bench"
    try:
        t0 = time.perf_counter()
        prod = session.scalars(select(Production)).one()
        res = ed.import_cut(session, prod, v2, reel="R1")
        if commit:
            session.commit()
        else:
            session.flush()
        elapsed = time.perf_counter() - t0
        assert session.scalar(select(func.count()).select_from(AdrCue)) == N_ADR
        return elapsed, res.carry.summary()
    finally:
        session.rollback()
        session.close()
        engine.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--url", default=None, help="an EMPTY PostgreSQL database (default: SQLite files)")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="pp_carry_"))
    try:
        v1, v2, adr_csv, cues = build(work)
        old_cut = read_cut(v1, RATE)
        spans: dict[str, list[int]] = {}
        for e in old_cut.events:
            for v in e.vfx_ids:
                span = spans.setdefault(v, [e.record_in, e.record_out])
                span[0], span[1] = min(span[0], e.record_in), max(span[1], e.record_out)
        shots = sorted((v, a, b) for v, (a, b) in spans.items())
        template = work / "template.db"
        csv_time = prepare(args.url or f"sqlite:///{template}", v1, adr_csv, shots)
        pp_times, engine_times = [], []
        carried: dict[str, int] = {}
        for _ in range(args.repeat):
            if args.url:
                elapsed, carried = _time_import(args.url, v2, commit=False)
            else:
                run_db = work / "run.db"
                shutil.copy(template, run_db)
                elapsed, carried = _time_import(f"sqlite:///{run_db}", v2, commit=True)
            pp_times.append(elapsed)
            t0 = time.perf_counter()
            a, b = read_cut(v1, RATE), read_cut(v2, RATE)
            retime_cues(cues + [Cue(x[0], x[1], x[2]) for x in shots], diff_cuts(a, b))
            engine_times.append(time.perf_counter() - t0)
        pp, eng = statistics.median(pp_times), statistics.median(engine_times)
        backend = "PostgreSQL (rolled back, no commit)" if args.url else "SQLite (committed)"
        print(f"backend: {backend}; reel of {N_EVENTS} events, {N_ADR} ADR cues, {N_VFX} VFX shots")
        print(f"carried: {carried}")
        print(f"postprod cut import (read, diff, store, carry, audit): median {pp:.3f} s over {args.repeat} runs")
        print(f"anchor, engine only (read both, diff, retime in memory): median {eng:.3f} s")
        print(f"ratio postprod / engine: {pp / eng:.2f}")
        print(f"ADR CSV import of {N_ADR} lines: {csv_time:.3f} s")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
