"""PSPLIB reader errors, and CP-SAT reaching the published optimum on a few j30 instances."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from postprod.errors import FileFormatError
from postprod.planning.compiled import compile_problem
from postprod.planning.psplib import read_sm
from postprod.planning.solver import solve_compiled

DATA = Path(os.environ.get("POSTPROD_SHARED_DATA", Path(__file__).resolve().parents[2] / ".." / "shared" / "data"))
J30 = DATA / "psplib" / "j30"

SMALL = """\
************************************************************************
jobs (incl. supersource/sink ):  5
RESOURCES
  - renewable                 :  1   R
************************************************************************
PRECEDENCE RELATIONS:
jobnr.    #modes  #successors   successors
   1        1          2           2   3
   2        1          1           4
   3        1          1           5
   4        1          1           5
   5        1          0
************************************************************************
REQUESTS/DURATIONS:
jobnr. mode duration  R 1
------------------------------------------------------------------------
  1      1     0       0
  2      1     3       2
  3      1     2       2
  4      1     2       1
  5      1     0       0
************************************************************************
RESOURCEAVAILABILITIES:
  R 1
   3
************************************************************************
"""


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "x.sm"
    p.write_text(text)
    return p


def test_small_instance_solves_to_its_optimum(tmp_path: Path) -> None:
    inst = read_sm(write(tmp_path, SMALL))
    assert inst.durations == [0, 3, 2, 2, 0] and inst.capacities == [3]
    assert inst.successors[0] == [2, 3]
    # jobs 2 and 3 cannot overlap (2 + 2 > 3): 2 then 3 (or 3 then 2), job 4 beside job 3 -> 5
    plan = solve_compiled(compile_problem(inst.to_problem()), 2.0)
    assert plan.makespan == 5 and plan.optimal and plan.lower_bound == 5


@pytest.mark.parametrize(
    ("bad", "line", "message"),
    [
        ("   2        1          1           9", 9, "successor"),
        ("   2        1          3           4", 9, "precedence line"),
        ("  3      1     2       x", 19, "whole numbers"),
        ("  3      1    -2       2", 19, "negative"),
    ],
)
def test_broken_lines_name_file_and_line(tmp_path: Path, bad: str, line: int, message: str) -> None:
    lines = SMALL.splitlines()
    lines[line - 1] = bad
    with pytest.raises(FileFormatError) as exc:
        read_sm(write(tmp_path, "\n".join(lines)))
    assert exc.value.line == line
    assert message in str(exc.value) and "x.sm" in str(exc.value)


def test_missing_sections_and_files(tmp_path: Path) -> None:
    with pytest.raises(FileFormatError, match="no resource availabilities"):
        read_sm(write(tmp_path, SMALL.split("RESOURCEAVAILABILITIES")[0]))
    with pytest.raises(FileFormatError, match="job count"):
        read_sm(write(tmp_path, ""))
    with pytest.raises(FileFormatError, match="cannot read"):
        read_sm(tmp_path / "missing.sm")
    with pytest.raises(FileFormatError, match="capacity"):
        read_sm(write(tmp_path, SMALL.replace("   3\n****", "   1\n****")))


def optima() -> dict[str, int]:
    out = {}
    for line in (DATA / "psplib" / "tables" / "j30opt.sm").read_text().splitlines():
        v = line.split()
        if len(v) >= 3 and v[0].isdigit() and v[1].isdigit():
            out[f"j30{v[0]}_{v[1]}"] = int(v[2])
    return out


@pytest.mark.parametrize("name", ["j301_1", "j3017_2", "j3033_1"])
def test_cp_sat_matches_the_j30_optimum(name: str) -> None:
    if not (J30 / f"{name}.sm").exists():
        pytest.skip(f"PSPLIB data not found under {J30} (set POSTPROD_SHARED_DATA)")
    c = compile_problem(read_sm(J30 / f"{name}.sm").to_problem())
    plan = solve_compiled(c, 10.0)
    assert plan.makespan == optima()[name]
    assert plan.optimal and plan.lower_bound == plan.makespan
