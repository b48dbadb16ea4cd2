"""Genetic algorithm over activity lists with double justification, many schedules at once in numpy.

For plain problems (resource pools of constant capacity, no choice of people, nothing pinned):
a serial SGS that builds a whole batch of schedules step by step, and the activity-list GA of
Hartmann (1998) with two-point crossover, improved by forward-backward justification (Valls et al. 2005).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from postprod.planning.compiled import Compiled
from postprod.planning.heuristic import Schedule

Progress = Callable[[float], None]

POPULATION = 40
MUTATION = 0.02
STALL_GENERATIONS = 25
TOURNAMENT = True
SHIFT_SHARE = 0.0
SHIFT_MOVES = 1
PATIENCE_GENERATIONS = 2 * STALL_GENERATIONS


def is_plain(c: Compiled) -> bool:
    """True when the batch SGS applies: no choices, no pinned tasks, constant capacity rows."""
    if c.n == 0 or c.has_choices or any(f >= 0 for f in c.fixed):
        return False
    return bool((c.avail.min(axis=1) == c.avail.max(axis=1)).all()) and bool((c.avail[:, 0] == c.cap).all())


@dataclass
class _Net:
    """One direction of the precedence network, padded to rectangles (index n is a dummy)."""

    preds: np.ndarray
    lags: np.ndarray
    succs: np.ndarray
    npred: np.ndarray
    release: np.ndarray


def _pad(rows: Sequence[Sequence[tuple[int, int]]], n: int) -> tuple[np.ndarray, np.ndarray]:
    width = max(1, max((len(r) for r in rows), default=0))
    idx = np.full((n, width), n, dtype=np.int64)
    lag = np.zeros((n, width), dtype=np.int64)
    for i, r in enumerate(rows):
        for m, (j, g) in enumerate(r):
            idx[i, m] = j
            lag[i, m] = g
    return idx, lag


def _net(
    preds: Sequence[Sequence[tuple[int, int]]], succs: Sequence[Sequence[tuple[int, int]]], release: Sequence[int]
) -> _Net:
    n = len(preds)
    p, lag = _pad([sorted(set(r)) for r in preds], n)
    s, _ = _pad([sorted({(j, 0) for j, _ in r}) for r in succs], n)
    npred = np.array([len({j for j, _ in r}) for r in preds] + [0], dtype=np.int64)
    return _Net(p, lag, s, npred, np.asarray(release, dtype=np.int64))


class BatchSgs:
    """Serial SGS run on many priority vectors at once; schedules that overrun `horizon` are dropped."""

    def __init__(self, c: Compiled, horizon: int) -> None:
        n = c.n
        used = [k for k in range(len(c.res_ids)) if any(kk == k for i in range(n) for kk, _ in c.demands[i])]
        q = np.zeros((n, len(used)), dtype=np.int64)
        pos = {k: m for m, k in enumerate(used)}
        for i in range(n):
            for k, v in c.demands[i]:
                q[i, pos[k]] += v
        self.n = n
        cap = np.asarray(c.cap[used], dtype=np.int64)
        # Residual capacities packed in 16-bit fields (a guard bit on top of each) of 64-bit words:
        # one subtraction tests every resource of a slot at once.
        bits = 16 if cap.size == 0 or int(cap.max()) < 2**15 else 32
        per = 64 // bits
        words = max(1, -(-len(used) // per))
        self.qp = np.zeros((n, words), dtype=np.uint64)
        self.cp = np.zeros(words, dtype=np.uint64)
        self.guard = np.zeros(words, dtype=np.uint64)
        for m in range(len(used)):
            w, shift = divmod(m, per)
            shift *= bits
            self.cp[w] |= np.uint64(int(cap[m]) << shift)
            self.guard[w] |= np.uint64(1 << (shift + bits - 1))
            self.qp[:, w] |= q[:, m].astype(np.uint64) << np.uint64(shift)
        self.dur = np.asarray(c.dur, dtype=np.int64)
        self.horizon = horizon
        self.span = int(max(max(c.dur, default=1), 1))
        self.fwd = _net(c.preds, c.succs, c.release)
        self.bwd = _net(c.succs, c.preds, [0] * n)

    def run(self, keys: np.ndarray, backward: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Starts (B x n) and makespans (B; horizon+1 when a schedule did not fit) for priority keys."""
        net = self.bwd if backward else self.fwd
        b, n = keys.shape
        h = self.horizon
        if b == 0 or n == 0:
            # nothing to place: every reduction below would run over an empty axis
            return np.zeros((b, n), dtype=np.int64), np.zeros(b, dtype=np.int64)
        rows = np.arange(b)
        col = rows[:, None]
        nw = self.cp.size
        resid = np.empty((b, nw, h), dtype=np.uint64)
        resid[:] = self.cp[None, :, None]
        guard = self.guard[None, :, None]
        finish = np.zeros((b, n + 1), dtype=np.int64)
        start = np.zeros((b, n), dtype=np.int64)
        npred = np.tile(net.npred, (b, 1))
        pk = np.full((b, n + 1), np.inf)
        pk[:, :n] = keys
        masked = np.where(npred == 0, pk, np.inf)
        alive = np.ones(b, dtype=bool)
        grid = np.arange(h + 1)[None, :]
        for _ in range(n):
            a = masked.argmin(axis=1)
            masked[rows, a] = np.inf
            d = self.dur[a]
            es = (finish[col, net.preds[a]] + net.lags[a]).max(axis=1)
            es = np.maximum(es, net.release[a])
            t0 = min(int(es.min()), h)
            w = h - t0
            q = self.qp[a][:, :, None]
            if nw == 1:
                bad = (((resid[:, 0, t0:] | guard[:, 0]) - q[:, 0]) & guard[:, 0]) != guard[:, 0]
            else:
                bad = ((((resid[:, :, t0:] | guard) - q) & guard) != guard).any(axis=1)
            cs = np.zeros((b, w + 1), dtype=np.int32)
            np.cumsum(bad, axis=1, out=cs[:, 1:])
            u = grid[:, : w + 1]
            ends = u + d[:, None]
            win = (ends <= w) & (u + t0 >= es[:, None])
            win &= np.take_along_axis(cs, np.minimum(ends, w), axis=1) == cs
            p = win.argmax(axis=1)
            found = win[rows, p]
            ts = np.where(found, t0 + p, h)
            alive &= found
            occ = (u[:, :w] >= p[:, None]) & (u[:, :w] < (p + d)[:, None]) & found[:, None]
            resid[:, :, t0:] -= q * occ[:, None, :]
            start[rows, a] = ts
            finish[rows, a] = ts + d
            sa = net.succs[a]
            npred[col, sa] -= 1
            masked[col, sa] = np.where(npred[col, sa] == 0, pk[col, sa], masked[col, sa])
        mk = finish[:, :n].max(axis=1)
        mk[~alive] = h + 1
        return start, mk

    def improve(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Forward SGS, then right- and left-justify each schedule, keeping whichever is shortest."""
        start, mk = self.run(keys)
        dur = self.dur[None, :]
        tie = np.arange(self.n)[None, :] * 1e-6
        bkeys = -(start + dur).astype(np.float64) - tie
        rs, rmk = self.run(bkeys, backward=True)
        back = rmk[:, None] - (rs + dur)
        fs, fmk = self.run(back.astype(np.float64) + tie)
        better = fmk <= mk
        start = np.where(better[:, None], fs, start)
        mk = np.where(better, fmk, mk)
        return start, mk


def _positions(keys: np.ndarray) -> np.ndarray:
    """Rank of each activity in its list."""
    order = np.argsort(keys, axis=1, kind="stable")
    pos = np.empty_like(order)
    np.put_along_axis(pos, order, np.arange(keys.shape[1])[None, :].repeat(keys.shape[0], 0), axis=1)
    return pos


def crossover(mother: np.ndarray, father: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Two-point crossover of activity lists (as positions): mother's head, father's middle, mother's tail."""
    b, n = mother.shape
    cuts = np.sort(rng.integers(0, n + 1, size=(b, 2)), axis=1)
    q1, q2 = cuts[:, :1], cuts[:, 1:]
    head = mother < q1
    rest_f = np.where(head, n + father, father)
    rank_f = _positions(rest_f.astype(np.float64))  # among non-head activities, by father's order
    middle = ~head & (rank_f < q2 - q1)
    tail = ~head & ~middle
    key = np.where(head, mother, 0).astype(np.float64)
    key = np.where(middle, q1 + rank_f, key)
    key = np.where(tail, q2 + mother / (n + 1.0), key)
    return key


def genetic(
    c: Compiled,
    seeds: Sequence[Sequence[float]],
    incumbent: Schedule,
    deadline: float,
    *,
    seed: int = 0,
    target: int = 0,
    progress: Progress | None = None,
    stop: Callable[[], bool] | None = None,
) -> tuple[Schedule, int]:
    """Improve `incumbent` until `deadline` (perf_counter), `target` or `stop()`; returns the best and schedules made."""
    n = c.n
    rng = np.random.default_rng(seed)
    sgs = BatchSgs(c, incumbent.makespan)
    t_begin = time.perf_counter()
    span = max(deadline - t_begin, 1e-6)
    base = np.asarray(seeds[0], dtype=np.float64)
    scale = max(1.0, float(np.mean(c.dur)))
    init = [np.asarray(k, dtype=np.float64) for k in seeds]
    init.append(np.asarray(incumbent.start, dtype=np.float64) + np.arange(n) * 1e-6)
    extra = POPULATION - len(init)
    keys = np.vstack(init + [base + rng.exponential(scale, size=(max(extra, 0), n))])
    start, mk = sgs.improve(keys)
    count = len(keys)
    best = incumbent
    pop_pos = _positions(start + np.arange(n)[None, :] * 1e-6)
    pop_mk = mk

    def take(start: np.ndarray, mk: np.ndarray) -> None:
        nonlocal best
        if mk.size == 0:
            return
        i = int(mk.argmin())
        if mk[i] < best.makespan:
            best = Schedule([int(x) for x in start[i]], [() for _ in range(n)], int(mk[i]), [])

    take(start, mk)
    stall = 0
    idle = 0
    while best.makespan > target and idle < PATIENCE_GENERATIONS:
        now = time.perf_counter()
        if now >= deadline or (stop is not None and stop()):
            break
        if progress is not None:
            progress(min(1.0, (now - t_begin) / span))
        p = len(pop_mk)
        # a population of one (every list gave the same schedule) still breeds: one pair, mutated
        half = max(1, p // 2)
        if TOURNAMENT or p < 2:
            # pop is sorted best first: the smaller of two random ranks wins
            ma = rng.integers(0, p, size=(half, 2)).min(axis=1)
            fa = rng.integers(0, p, size=(half, 2)).min(axis=1)
        else:
            order = rng.permutation(p)
            ma, fa = order[:half], order[half : 2 * half]
        mothers = np.vstack([pop_pos[ma], pop_pos[fa]])
        fathers = np.vstack([pop_pos[fa], pop_pos[ma]])
        kids = crossover(mothers, fathers, rng)
        mut = rng.random(kids.shape) < MUTATION
        kids = kids + mut * rng.uniform(-1.5, 1.5, size=kids.shape)
        shifts = int(SHIFT_SHARE * len(kids))
        if shifts:
            # shift moves around the elite: one activity moved to a random place in the list
            src = pop_pos[rng.integers(0, max(1, min(p, 4)), size=shifts)].astype(np.float64)
            for _ in range(SHIFT_MOVES):
                act = rng.integers(0, n, size=shifts)
                to = rng.integers(0, n, size=shifts) + rng.choice((-0.5, 0.5), size=shifts)
                src[np.arange(shifts), act] = to
            kids[:shifts] = src
        start, mk = sgs.improve(kids)
        count += len(kids)
        before = best.makespan
        take(start, mk)
        stall = 0 if best.makespan < before else stall + 1
        idle = 0 if best.makespan < before else idle + 1
        pos = _positions(start + np.arange(n)[None, :] * 1e-6)
        all_pos = np.vstack([pop_pos, pos])
        all_mk = np.concatenate([pop_mk, mk])
        _, first = np.unique(all_pos, axis=0, return_index=True)
        keep = first[np.argsort(all_mk[first], kind="stable")][:POPULATION]
        pop_pos, pop_mk = all_pos[keep], all_mk[keep]
        if stall >= STALL_GENERATIONS:
            # restart around the best: keep the elite, refill with sampled lists
            stall = 0
            elite = max(2, POPULATION // 8)
            fresh = base + rng.exponential(scale, size=(POPULATION - elite, n))
            s2, m2 = sgs.improve(fresh)
            count += len(fresh)
            take(s2, m2)
            pop_pos = np.vstack([pop_pos[:elite], _positions(s2 + np.arange(n)[None, :] * 1e-6)])
            pop_mk = np.concatenate([pop_mk[:elite], m2])
    return best, count
