"""Explanations of impossible input that name the tasks, instead of a solver's bare 'infeasible'."""

from __future__ import annotations

from postprod.errors import InfeasibleError
from postprod.planning.compiled import Compiled, compile_problem
from postprod.planning.problem import Problem


def _chain(c: Compiled, i: int) -> list[str]:
    """The predecessor chain that fixes task i's earliest start (binding predecessor each step)."""
    out = [c.ids[i]]
    seen = {i}
    while True:
        nxt = None
        for j, lag in c.preds[i]:
            if c.es[j] + c.dur[j] + lag == c.es[i] and j not in seen:
                nxt = j
                break
        if nxt is None:
            break
        out.append(c.ids[nxt])
        seen.add(nxt)
        i = nxt
    return out[::-1]


def diagnose(problem: Problem, c: Compiled | None = None, *, strict_due: bool = True) -> list[str]:
    """Every reason the problem cannot be planned as asked, one sentence each naming the task."""
    c = c if c is not None else compile_problem(problem, horizon=1)
    grid = c.grid
    assert grid is not None
    out: list[str] = []
    people = problem.people
    rooms = problem.rooms
    pools = {p.id: p.capacity for p in problem.pools}
    for i, t in enumerate(problem.tasks):
        need = t.chosen_people()
        if need > 0:
            able = [p.id for p in people if t.skills <= p.skills and p.id not in t.people]
            skills = ", ".join(sorted(t.skills)) or "no particular skill"
            if not able:
                out.append(f"task {t.id} needs {skills}: nobody has {'them all' if len(t.skills) > 1 else 'it'}")
            elif len(able) < need:
                out.append(
                    f"task {t.id} needs {need} people with {skills}; only {len(able)} have it: {', '.join(able)}"
                )
        if t.room is None and t.room_kind is not None and not any(r.kind == t.room_kind for r in rooms):
            out.append(f"task {t.id} needs a room of kind {t.room_kind!r}: there is none")
        for rid, q in t.demands.items():
            if rid in pools and q > pools[rid]:
                out.append(f"task {t.id} needs {q} of {rid}, which has only {pools[rid]}")
        if strict_due and c.due[i] >= 0 and c.es[i] + c.dur[i] > c.due[i]:
            earliest = grid.finish_date(c.es[i], c.dur[i])
            chain = _chain(c, i)
            via = f" (chain {' -> '.join(chain)})" if len(chain) > 1 else ""
            out.append(f"task {t.id} is due {t.due} but cannot finish before {earliest}{via}")
        if c.fixed[i] >= 0:
            for j, lag in c.preds[i]:
                if c.es[j] + c.dur[j] + lag > c.fixed[i]:
                    out.append(
                        f"task {t.id} is fixed to start {t.fixed_start} but its predecessor {c.ids[j]} "
                        f"cannot finish before {grid.finish_date(c.es[j], c.dur[j])}"
                    )
    return out


def check(problem: Problem, c: Compiled | None = None, *, strict_due: bool = True) -> None:
    """Raise InfeasibleError listing every reason (CycleError already comes from compiling)."""
    reasons = diagnose(problem, c, strict_due=strict_due)
    if reasons:
        more = f" (and {len(reasons) - 3} more)" if len(reasons) > 3 else ""
        raise InfeasibleError("; ".join(reasons[:3]) + more)
