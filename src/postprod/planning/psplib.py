"""Reader of PSPLIB single-mode RCPSP files (.sm) into a planning problem with resource pools."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from postprod.errors import N_, FileFormatError
from postprod.planning.calendar import ALL_DAYS, Calendar
from postprod.planning.problem import Dependency, Pool, Problem, Task

EPOCH = date(2000, 1, 3)


@dataclass
class PsplibInstance:
    """Jobs 1..N (1 and N are dummies): durations, successors, renewable demands and capacities."""

    name: str
    durations: list[int]
    successors: list[list[int]]
    demands: list[list[int]]
    capacities: list[int]

    def to_problem(self) -> Problem:
        """A Problem on a seven-day calendar where one slot is one PSPLIB period."""
        pools = [Pool(f"R{k + 1}", c) for k, c in enumerate(self.capacities)]
        tasks = [
            Task(
                id=str(j + 1),
                duration=d,
                demands={f"R{k + 1}": q for k, q in enumerate(self.demands[j]) if q},
            )
            for j, d in enumerate(self.durations)
        ]
        deps = [Dependency(str(j + 1), str(s)) for j, succ in enumerate(self.successors) for s in succ]
        return Problem(
            start=EPOCH,
            tasks=tasks,
            dependencies=deps,
            pools=pools,
            calendar=Calendar(weekdays=ALL_DAYS),
            name=self.name,
        )


def _ints(path: str, lineno: int, text: str, what: str) -> list[int]:
    try:
        return [int(x) for x in text.split()]
    except ValueError:
        raise FileFormatError(
            path,
            N_("%(what)s: expected whole numbers, got %(text)r"),
            line=lineno,
            params={"what": what, "text": text.strip()},
        ) from None


def read_sm(path: str | Path) -> PsplibInstance:
    """Parse a .sm file; any malformed line raises FileFormatError naming the file and line."""
    p = Path(path)
    name = str(p)
    try:
        raw = p.read_text(encoding="latin-1")
    except OSError as exc:
        raise FileFormatError(name, N_("cannot read: %(reason)s"), params={"reason": exc.strerror or exc}) from None
    lines = raw.splitlines()
    n_jobs: int | None = None
    n_res: int | None = None
    i = 0

    def need_header(what: str) -> None:
        if n_jobs is None or n_res is None:
            raise FileFormatError(
                name, N_("%(what)s before the job and resource counts"), line=i + 1, params={"what": what}
            )

    succ: list[list[int]] | None = None
    durs: list[int] | None = None
    dems: list[list[int]] | None = None
    caps: list[int] | None = None
    while i < len(lines):
        line = lines[i]
        low = line.strip().lower()
        if low.startswith("jobs (incl"):
            m = re.search(r":\s*(\d+)\s*$", line)
            if not m:
                raise FileFormatError(name, "cannot read the number of jobs", line=i + 1)
            n_jobs = int(m.group(1))
            if n_jobs < 2 or n_jobs > 100_000:
                raise FileFormatError(
                    name, N_("number of jobs %(n_jobs)s out of range"), line=i + 1, params={"n_jobs": n_jobs}
                )
        elif low.startswith("- renewable"):
            m = re.search(r":\s*(\d+)", line)
            if not m:
                raise FileFormatError(name, "cannot read the number of renewable resources", line=i + 1)
            n_res = int(m.group(1))
        elif low.startswith("precedence relations"):
            need_header("precedence relations")
            assert n_jobs is not None
            succ = [[] for _ in range(n_jobs)]
            i += 2
            for j in range(n_jobs):
                if i >= len(lines):
                    raise FileFormatError(name, "precedence relations end early", line=i)
                vals = _ints(name, i + 1, lines[i], "precedence line")
                if len(vals) < 3 or len(vals) != 3 + vals[2] or vals[0] != j + 1:
                    raise FileFormatError(
                        name,
                        "precedence line must be: job, modes, count, successors (job numbers in order)",
                        line=i + 1,
                    )
                if vals[1] != 1:
                    raise FileFormatError(
                        name,
                        N_("job %(job)s has %(modes)s modes; only single-mode is read"),
                        line=i + 1,
                        params={"job": vals[0], "modes": vals[1]},
                    )
                for s in vals[3:]:
                    if not 1 <= s <= n_jobs or s == vals[0]:
                        raise FileFormatError(
                            name,
                            N_("job %(job)s: successor %(successor)s out of range"),
                            line=i + 1,
                            params={"job": vals[0], "successor": s},
                        )
                succ[j] = vals[3:]
                i += 1
            continue
        elif low.startswith("requests/durations"):
            need_header("requests/durations")
            assert n_jobs is not None and n_res is not None
            i += 1
            while i < len(lines) and not re.match(r"^\s*\d", lines[i]):
                i += 1
            durs, dems = [], []
            for j in range(n_jobs):
                if i >= len(lines):
                    raise FileFormatError(name, "requests/durations end early", line=i)
                vals = _ints(name, i + 1, lines[i], "request line")
                if len(vals) < 3 + n_res or vals[0] != j + 1:
                    raise FileFormatError(
                        name,
                        N_("request line must be: job %(j)s, mode, duration, %(n_res)s demands"),
                        line=i + 1,
                        params={"j": j + 1, "n_res": n_res},
                    )
                if vals[2] < 0 or any(v < 0 for v in vals[3 : 3 + n_res]):
                    raise FileFormatError(
                        name, N_("job %(j)s: negative duration or demand"), line=i + 1, params={"j": j + 1}
                    )
                durs.append(vals[2])
                dems.append(vals[3 : 3 + n_res])
                i += 1
            continue
        elif low.startswith("resourceavailabilities"):
            need_header("resource availabilities")
            assert n_res is not None
            i += 2
            if i >= len(lines):
                raise FileFormatError(name, "resource availabilities missing", line=i)
            vals = _ints(name, i + 1, lines[i], "resource availabilities")
            if len(vals) < n_res or any(v < 0 for v in vals):
                raise FileFormatError(
                    name, N_("expected %(n_res)s non-negative capacities"), line=i + 1, params={"n_res": n_res}
                )
            caps = vals[:n_res]
        i += 1
    for part, val in (
        ("job count", n_jobs),
        ("precedence relations", succ),
        ("requests/durations", durs),
        ("resource availabilities", caps),
    ):
        if val is None:
            raise FileFormatError(name, N_("no %(part)s section"), params={"part": part})
    assert succ is not None and durs is not None and dems is not None and caps is not None
    for j, row in enumerate(dems):
        for k, q in enumerate(row):
            if q > caps[k]:
                raise FileFormatError(
                    name,
                    N_("job %(j)s needs %(q)s of R%(k)s, capacity is %(caps)s"),
                    params={"j": j + 1, "q": q, "k": k + 1, "caps": caps[k]},
                )
    return PsplibInstance(p.stem, durs, succ, dems, caps)
