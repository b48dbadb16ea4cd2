"""Explanations of impossible input that name the tasks, instead of a solver's bare 'infeasible'."""

from __future__ import annotations

from postprod.errors import N_, InfeasibleError
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


def reasons(problem: Problem, c: Compiled | None = None, *, strict_due: bool = True) -> list[InfeasibleError]:
    """Every reason the problem cannot be planned as asked, one sentence each naming the task (a template with
    its values, said in the reader's language)."""
    c = c if c is not None else compile_problem(problem, horizon=1)
    grid = c.grid
    assert grid is not None
    out: list[InfeasibleError] = []
    people = problem.people
    rooms = problem.rooms
    pools = {p.id: p.capacity for p in problem.pools}
    for i, t in enumerate(problem.tasks):
        need = t.chosen_people()
        if need > 0:
            able = [p.id for p in people if t.skills <= p.skills and p.id not in t.people]
            skills = ", ".join(sorted(t.skills)) or "no particular skill"
            if not able:
                template = (
                    N_("task %(task)s needs %(skills)s: nobody has them all")
                    if len(t.skills) > 1
                    else N_("task %(task)s needs %(skills)s: nobody has it")
                )
                out.append(InfeasibleError(template, params={"task": t.id, "skills": skills}))
            elif len(able) < need:
                out.append(
                    InfeasibleError(
                        N_("task %(task)s needs %(need)s people with %(skills)s; only %(n)s have it: %(able)s"),
                        params={"task": t.id, "need": need, "skills": skills, "n": len(able), "able": ", ".join(able)},
                    )
                )
        if t.room is None and t.room_kind is not None and not any(r.kind == t.room_kind for r in rooms):
            out.append(
                InfeasibleError(
                    N_("task %(task)s needs a room of kind %(kind)r: there is none"),
                    params={"task": t.id, "kind": t.room_kind},
                )
            )
        for rid, q in t.demands.items():
            if rid in pools and q > pools[rid]:
                out.append(
                    InfeasibleError(
                        N_("task %(task)s needs %(q)s of %(pool)s, which has only %(capacity)s"),
                        params={"task": t.id, "q": q, "pool": rid, "capacity": pools[rid]},
                    )
                )
        if strict_due and c.due[i] >= 0 and c.es[i] + c.dur[i] > c.due[i]:
            earliest = grid.finish_date(c.es[i], c.dur[i])
            chain = _chain(c, i)
            params = {"task": t.id, "due": t.due, "earliest": earliest, "chain": " -> ".join(chain)}
            template = (
                N_("task %(task)s is due %(due)s but cannot finish before %(earliest)s (chain %(chain)s)")
                if len(chain) > 1
                else N_("task %(task)s is due %(due)s but cannot finish before %(earliest)s")
            )
            out.append(InfeasibleError(template, params=params))
        if c.fixed[i] >= 0:
            for j, lag in c.preds[i]:
                if c.es[j] + c.dur[j] + lag > c.fixed[i]:
                    out.append(
                        InfeasibleError(
                            N_(
                                "task %(task)s is fixed to start %(start)s but its predecessor %(before)s "
                                "cannot finish before %(earliest)s"
                            ),
                            params={
                                "task": t.id,
                                "start": t.fixed_start,
                                "before": c.ids[j],
                                "earliest": grid.finish_date(c.es[j], c.dur[j]),
                            },
                        )
                    )
    return out


def diagnose(problem: Problem, c: Compiled | None = None, *, strict_due: bool = True) -> list[str]:
    """Every reason the problem cannot be planned as asked, one sentence each naming the task."""
    return [str(r) for r in reasons(problem, c, strict_due=strict_due)]


# The first reasons and how many more: each said in the reader's language.
_FIRST = (
    N_("%(r1)s"),
    N_("%(r1)s; %(r2)s"),
    N_("%(r1)s; %(r2)s; %(r3)s"),
)


def check(problem: Problem, c: Compiled | None = None, *, strict_due: bool = True) -> None:
    """Raise InfeasibleError listing every reason (CycleError already comes from compiling)."""
    found = reasons(problem, c, strict_due=strict_due)
    if found:
        params: dict[str, object] = {f"r{n}": r for n, r in enumerate(found[:3], start=1)}
        if len(found) > 3:
            params["more"] = len(found) - 3
            raise InfeasibleError(N_("%(r1)s; %(r2)s; %(r3)s (and %(more)s more)"), params=params)
        raise InfeasibleError(_FIRST[len(found) - 1], params=params)
