"""Critical path method on a small network checked by hand."""

from __future__ import annotations

import pytest

from postprod.errors import CycleError, InvalidInput
from postprod.planning.cpm import critical_path


def test_hand_checked_network() -> None:
    # A(3) -> B(2) -> D(4); A -> C(6) -> D; C -> E(1) with lag 2. Longest: A C D = 13.
    durations = {"A": 3, "B": 2, "C": 6, "D": 4, "E": 1}
    deps = [("A", "B"), ("B", "D"), ("A", "C"), ("C", "D"), ("C", "E", 2)]
    r = critical_path(durations, deps)
    assert r.length == 13
    assert r.es == {"A": 0, "B": 3, "C": 3, "D": 9, "E": 11}
    assert r.lf == {"A": 3, "B": 9, "C": 9, "D": 13, "E": 13}
    assert r.slack == {"A": 0, "B": 4, "C": 0, "D": 0, "E": 1}
    assert r.critical == ["A", "C", "D"]


def test_release_moves_the_path() -> None:
    r = critical_path({"A": 2, "B": 2}, [("A", "B")], release={"B": 5})
    assert r.es["B"] == 5 and r.length == 7
    assert r.slack["A"] == 3 and r.critical == ["B"]


def test_cycle_names_the_tasks() -> None:
    with pytest.raises(CycleError) as exc:
        critical_path({"A": 1, "B": 1, "C": 1, "D": 1}, [("A", "B"), ("B", "C"), ("C", "B"), ("C", "D")])
    assert set(exc.value.cycle) == {"B", "C"}
    assert "B" in str(exc.value) and "C" in str(exc.value)


def test_unknown_task_in_dependency() -> None:
    with pytest.raises(InvalidInput, match="Z"):
        critical_path({"A": 1}, [("A", "Z")])
