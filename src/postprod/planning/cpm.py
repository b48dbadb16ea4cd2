"""Critical path method: earliest/latest dates and slack on the precedence network alone."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from postprod.errors import N_, CycleError, InvalidInput

Arcs = Sequence[Sequence[tuple[int, int]]]


def topological_order(n: int, succs: Arcs, names: Sequence[str]) -> list[int]:
    """Kahn order of 0..n-1; a loop raises CycleError naming the tasks in it."""
    indeg = [0] * n
    for i in range(n):
        for j, _ in succs[i]:
            indeg[j] += 1
    stack = [i for i in range(n) if indeg[i] == 0]
    order: list[int] = []
    while stack:
        i = stack.pop()
        order.append(i)
        for j, _ in succs[i]:
            indeg[j] -= 1
            if indeg[j] == 0:
                stack.append(j)
    if len(order) < n:
        raise CycleError(_find_cycle(n, succs, names, {i for i in range(n) if indeg[i] > 0}))
    return order


def _find_cycle(n: int, succs: Arcs, names: Sequence[str], left: set[int]) -> list[str]:
    """Names along one loop among the nodes Kahn could not order (closing name repeated).

    Every such node has a predecessor among them (a node merely downstream of a loop may have no
    successor left), so the walk goes backwards until it meets itself, then is read forwards.
    """
    back: dict[int, int] = {}
    for i in sorted(left):
        for j, _ in succs[i]:
            if j in left and j not in back:
                back[j] = i
    start = min(left)
    seen: dict[int, int] = {}
    path: list[int] = []
    i = start
    while i not in seen:
        seen[i] = len(path)
        path.append(i)
        i = back[i]
    loop = path[seen[i] :][::-1]
    loop.append(loop[0])
    return [names[k] for k in loop]


def earliest_starts(order: Sequence[int], dur: Sequence[int], preds: Arcs, release: Sequence[int]) -> list[int]:
    """Earliest start of each task from predecessors (finish + lag) and release slots."""
    es = list(release)
    for i in order:
        best = es[i]
        for j, lag in preds[i]:
            v = es[j] + dur[j] + lag
            if v > best:
                best = v
        es[i] = best
    return es


def latest_finishes(order: Sequence[int], dur: Sequence[int], succs: Arcs, horizon: int) -> list[int]:
    """Latest finish of each task so that everything still ends by `horizon`."""
    lf = [horizon] * len(dur)
    for i in reversed(order):
        best = lf[i]
        for j, lag in succs[i]:
            v = lf[j] - dur[j] - lag
            if v < best:
                best = v
        lf[i] = best
    return lf


@dataclass
class CpmResult:
    """Per-task earliest/latest start and finish, total slack, and the critical tasks in order."""

    es: dict[str, int]
    ef: dict[str, int]
    ls: dict[str, int]
    lf: dict[str, int]
    slack: dict[str, int]
    critical: list[str]
    length: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "length": self.length,
            "critical": self.critical,
            "tasks": {
                k: {"es": self.es[k], "ef": self.ef[k], "ls": self.ls[k], "lf": self.lf[k], "slack": self.slack[k]}
                for k in self.es
            },
        }


def critical_path(
    durations: Mapping[str, int],
    dependencies: Iterable[tuple[str, str] | tuple[str, str, int]],
    release: Mapping[str, int] | None = None,
) -> CpmResult:
    """CPM over named tasks: dependencies are (before, after[, lag]); release is an earliest start."""
    names = list(durations)
    index = {k: i for i, k in enumerate(names)}
    n = len(names)
    succs: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    preds: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    for dep in dependencies:
        a, b = dep[0], dep[1]
        lag = int(dep[2]) if len(dep) > 2 else 0
        for name in (a, b):
            if name not in index:
                raise InvalidInput(N_("dependency names unknown task %(name)r"), params={"name": name})
        succs[index[a]].append((index[b], lag))
        preds[index[b]].append((index[a], lag))
    dur = [int(durations[k]) for k in names]
    rel = [int((release or {}).get(k, 0)) for k in names]
    order = topological_order(n, succs, names)
    es = earliest_starts(order, dur, preds, rel)
    length = max((es[i] + dur[i] for i in range(n)), default=0)
    lf = latest_finishes(order, dur, succs, length)
    slack = [lf[i] - dur[i] - es[i] for i in range(n)]
    crit = sorted((i for i in range(n) if slack[i] == 0), key=lambda i: (es[i], es[i] + dur[i]))
    return CpmResult(
        es={names[i]: es[i] for i in range(n)},
        ef={names[i]: es[i] + dur[i] for i in range(n)},
        ls={names[i]: lf[i] - dur[i] for i in range(n)},
        lf={names[i]: lf[i] for i in range(n)},
        slack={names[i]: slack[i] for i in range(n)},
        critical=[names[i] for i in crit],
        length=length,
    )
