"""Serial schedule generation with priority rules, forward-backward justification and biased sampling."""

from __future__ import annotations

import heapq
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from postprod.planning.compiled import Compiled

Progress = Callable[[float], None]


class HorizonTooShort(Exception):
    """The grid ended before a task found room; the caller recompiles with a longer horizon."""

    def __init__(self, task: int) -> None:
        super().__init__(task)
        self.task = task


@dataclass
class Schedule:
    """Start slot and chosen unit resources (from the task's choices) of every task."""

    start: list[int]
    assign: list[tuple[int, ...]]
    makespan: int
    overbooked: list[int]

    def copy(self) -> Schedule:
        return Schedule(list(self.start), list(self.assign), self.makespan, list(self.overbooked))


def _first_window(ok: np.ndarray, d: int) -> int:
    """First p with ok[p:p+d] all True, or -1."""
    if ok[:d].all():
        return 0
    bad = ~ok
    cs = np.empty(bad.size + 1, dtype=np.int64)
    cs[0] = 0
    np.cumsum(bad, out=cs[1:])
    win = cs[d:] == cs[:-d]
    p = int(win.argmax())
    return p if win[p] else -1


def _windows(free: np.ndarray, d: int) -> np.ndarray:
    """win[c, p]: row c free on all of [p, p+d)."""
    m, length = free.shape
    cs = np.zeros((m, length + 1), dtype=np.int64)
    np.cumsum(~free, axis=1, out=cs[:, 1:])
    win: np.ndarray = cs[:, d:] == cs[:, :-d]
    return win


class _Sgs:
    """One serial SGS run over a compiled problem (forward time, or a reversed view)."""

    def __init__(self, c: Compiled, rank: np.ndarray) -> None:
        self.c = c
        self.rank = rank
        self.usage = np.zeros_like(c.avail)
        self.room = c.avail  # capacity per slot

    def place(self, i: int, es: int, fixed_assign: tuple[int, ...] | None) -> tuple[int, tuple[int, ...]]:
        c = self.c
        d = c.dur[i]
        if d == 0:
            return es, ()
        h = c.horizon
        dem = c.demands[i]
        chs = c.choices[i]
        kept: tuple[int, ...] = ()
        if fixed_assign is not None and chs:
            dem = dem + [(k, 1) for k in fixed_assign]
            chs = []
            kept = fixed_assign
        usage, room = self.usage, self.room
        width = min(h - es, 8 * d + 64)
        while True:
            if h - es < d:
                raise HorizonTooShort(i)
            hi = es + width
            ok: np.ndarray | None = None
            for k, q in dem:
                m = usage[k, es:hi] + q <= room[k, es:hi]
                ok = m if ok is None else ok & m
            if not chs:
                if ok is None:
                    return es, kept
                p = _first_window(ok, d)
                if p >= 0:
                    return es + p, kept
            else:
                span = width - d + 1
                good = np.ones(span, dtype=bool)
                if ok is not None:
                    cs = np.zeros(width + 1, dtype=np.int64)
                    np.cumsum(~ok, out=cs[1:])
                    good &= cs[d:] == cs[:-d]
                wins = []
                for ch in chs:
                    cands = ch.cands
                    free = usage[cands, es:hi] < room[cands, es:hi]
                    w = _windows(free, d)
                    good &= w.sum(axis=0) >= ch.count
                    wins.append(w)
                p = int(good.argmax()) if span > 0 else 0
                if span > 0 and good[p]:
                    chosen: list[int] = []
                    for ch, w in zip(chs, wins, strict=True):
                        ready = ch.cands[w[:, p]]
                        pref = c.prefer[i]
                        order = sorted(ready.tolist(), key=lambda k: (k not in pref, self.rank[k], k))
                        chosen.extend(order[: ch.count])
                    return es + p, tuple(chosen)
            if hi >= h:
                raise HorizonTooShort(i)
            es = es + max(width - d + 1, 1)
            width = min(h - es, width * 2)

    def book(self, i: int, t: int, chosen: Sequence[int]) -> None:
        c = self.c
        d = c.dur[i]
        if d == 0:
            return
        for k, q in c.demands[i]:
            self.usage[k, t : t + d] += q
        for k in chosen:
            self.usage[k, t : t + d] += 1

    def place_fixed(self, i: int, t: int, fixed_assign: tuple[int, ...] | None) -> tuple[tuple[int, ...], bool]:
        """Book a pinned task at t, choosing free people/rooms if any; report if it overbooks."""
        c = self.c
        d = c.dur[i]
        chosen: list[int] = []
        over = False
        if fixed_assign is not None:
            chosen = list(fixed_assign)
        elif d > 0:
            for ch in c.choices[i]:
                free = np.asarray((self.usage[ch.cands, t : t + d] < self.room[ch.cands, t : t + d]).all(axis=1))
                ready = sorted(
                    zip(ch.cands.tolist(), free.tolist(), strict=True),
                    key=lambda kf: (not kf[1], kf[0] not in c.prefer[i], self.rank[kf[0]]),
                )
                chosen.extend(k for k, _ in ready[: ch.count])
        if d > 0:
            for k, q in c.demands[i]:
                if (self.usage[k, t : t + d] + q > self.room[k, t : t + d]).any():
                    over = True
            for k in chosen:
                if (self.usage[k, t : t + d] + 1 > self.room[k, t : t + d]).any():
                    over = True
        self.book(i, t, chosen)
        return tuple(chosen), over


def resource_rank(c: Compiled) -> np.ndarray:
    """How many tasks could use each unit resource: the least wanted are picked first."""
    rank = np.zeros(len(c.res_ids), dtype=np.int64)
    for chs in c.choices:
        for ch in chs:
            rank[ch.cands] += 1
    return rank


def sgs(
    c: Compiled,
    key: Sequence[float],
    rank: np.ndarray | None = None,
    assign: Sequence[tuple[int, ...]] | None = None,
) -> Schedule:
    """Serial SGS: repeatedly take the eligible task with the smallest key and start it as early as it fits."""
    n = c.n
    run = _Sgs(c, rank if rank is not None else resource_rank(c))
    start = [-1] * n
    chosen: list[tuple[int, ...]] = [()] * n
    overbooked: list[int] = []
    npred = [len(p) for p in c.preds]
    dur = c.dur
    heap: list[tuple[float, int]] = []
    for i in range(n):
        if c.fixed[i] >= 0:
            start[i] = c.fixed[i]
            chosen[i], over = run.place_fixed(i, c.fixed[i], assign[i] if assign is not None else None)
            if over:
                overbooked.append(i)
    for i in range(n):
        if start[i] >= 0:
            for j, _ in c.succs[i]:
                npred[j] -= 1
    for i in range(n):
        if npred[i] == 0 and start[i] < 0:
            heap.append((key[i], i))
    heapq.heapify(heap)
    release, preds, succs = c.release, c.preds, c.succs
    while heap:
        _, i = heapq.heappop(heap)
        es = release[i]
        for j, lag in preds[i]:
            v = start[j] + dur[j] + lag
            if v > es:
                es = v
        t, ch = run.place(i, es, assign[i] if assign is not None else None)
        run.book(i, t, ch)
        start[i] = t
        chosen[i] = ch
        for j, _ in succs[i]:
            npred[j] -= 1
            if npred[j] == 0 and start[j] < 0:
                heapq.heappush(heap, (key[j], j))
    makespan = max((start[i] + dur[i] for i in range(n)), default=0)
    return Schedule(start, chosen, makespan, overbooked)


def reversed_view(c: Compiled, end: int) -> Compiled:
    """The same problem in reversed time: slot t' is original slot end-1-t' (all free beyond the start)."""
    h = c.horizon
    avail = np.empty_like(c.avail)
    avail[:, :end] = c.avail[:, :end][:, ::-1]
    avail[:, end:] = c.cap[:, None]
    fixed = [end - f - c.dur[i] if f >= 0 else -1 for i, f in enumerate(c.fixed)]
    return replace(
        c,
        preds=c.succs,
        succs=c.preds,
        release=[0] * c.n,
        fixed=fixed,
        avail=avail[:, :h],
    )


def backward(c: Compiled, s: Schedule, rank: np.ndarray, keep_assign: bool) -> list[int]:
    """Right-justify s within its makespan (tasks taken latest finish first); original-time starts."""
    end = s.makespan
    rv = reversed_view(c, end)
    key = [end - (s.start[i] + c.dur[i]) for i in range(c.n)]
    b = sgs(rv, key, rank, s.assign if keep_assign else None)
    return [end - (b.start[i] + c.dur[i]) for i in range(c.n)]


def justify(c: Compiled, s: Schedule, rank: np.ndarray, rounds: int = 4) -> Schedule:
    """Forward-backward improvement: right-justify then left-justify while the end improves."""
    best = s
    for _ in range(rounds):
        late = backward(c, best, rank, keep_assign=False)
        f = sgs(c, [float(x) for x in late], rank)
        if f.makespan < best.makespan:
            best = f
        else:
            if f.makespan == best.makespan:
                best = f
            break
    return best


def latest_starts(c: Compiled, s: Schedule, rank: np.ndarray) -> list[int]:
    """Latest start of each task with the others in order and the same people: resource-aware slack."""
    return backward(c, s, rank, keep_assign=True)


def priority_rules(c: Compiled) -> dict[str, list[float]]:
    """Keys (smaller first) of the classic rules: LFT, LST, MTS, GRPW."""
    n = c.n
    ub = c.critical_lower_bound()
    lf = c.latest_finishes(ub)
    for i in range(n):
        if c.due[i] >= 0:
            lf[i] = min(lf[i], c.due[i])
    # propagate due dates backwards
    for i in reversed(c.order):
        for j, lag in c.succs[i]:
            v = lf[j] - c.dur[j] - lag
            if v < lf[i]:
                lf[i] = v
    es = c.es
    reach: list[int] = [0] * n
    for i in reversed(c.order):
        bits = 0
        for j, _ in c.succs[i]:
            bits |= reach[j] | (1 << j)
        reach[i] = bits
    mts = [bin(reach[i]).count("1") for i in range(n)]
    grpw = [c.dur[i] + sum(c.dur[j] for j, _ in c.succs[i]) for i in range(n)]
    eps = 1e-3
    return {
        "lft": [lf[i] + eps * es[i] for i in range(n)],
        "lst": [lf[i] - c.dur[i] + eps * es[i] for i in range(n)],
        "mts": [-mts[i] + eps * lf[i] for i in range(n)],
        "grpw": [-grpw[i] + eps * lf[i] for i in range(n)],
    }


POPULATION = 16


def _crossover(a: Sequence[int], b: Sequence[int], rng: random.Random) -> list[float]:
    """One-point crossover of the activity lists of two schedules (their start orders) as keys."""
    n = len(a)
    order_a = sorted(range(n), key=lambda i: a[i])
    order_b = sorted(range(n), key=lambda i: b[i])
    cut = rng.randrange(n + 1)
    head = order_a[:cut]
    taken = set(head)
    child = head + [i for i in order_b if i not in taken]
    key = [0.0] * n
    for pos, i in enumerate(child):
        key[i] = float(pos)
    return key


def solve_heuristic(
    c: Compiled,
    budget: float,
    *,
    seed: int = 0,
    target: int = 0,
    patience: int | None = None,
    progress: Progress | None = None,
) -> tuple[Schedule, int]:
    """Multi-pass SGS + justification, then biased random sampling until `budget` seconds pass.

    Stops early when the end reaches `target` (a lower bound) or after `patience` schedules
    without improvement. Returns the best schedule and the
    number of schedules generated.
    """
    t0 = time.perf_counter()
    deadline = t0 + budget
    rank = resource_rank(c)
    rules = priority_rules(c)
    best: Schedule | None = None
    count = 0
    for key in rules.values():
        s = justify(c, sgs(c, key, rank), rank)
        count += 1
        if best is None or s.makespan < best.makespan:
            best = s
        if best.makespan <= target or time.perf_counter() >= deadline:
            break
    assert best is not None
    rng = random.Random(seed)
    lft = rules["lft"]
    scale = max(1.0, sum(c.dur) / max(c.n, 1))
    pop: list[Schedule] = []

    def keep(s: Schedule) -> None:
        if any(p.makespan == s.makespan and p.start == s.start for p in pop):
            return
        pop.append(s)
        pop.sort(key=lambda p: p.makespan)
        del pop[POPULATION:]

    keep(best)
    n = c.n
    last_gain = count
    while best.makespan > target:
        if patience is not None and count - last_gain > patience:
            break
        now = time.perf_counter()
        if now >= deadline:
            break
        if progress is not None and budget > 0:
            progress(min(1.0, (now - t0) / budget))
        if len(pop) < POPULATION // 2 or rng.random() < 0.15:
            key = [lft[i] + rng.expovariate(1.0 / scale) for i in range(n)]
        else:
            a = min(rng.sample(pop, 2), key=lambda p: p.makespan)
            b = min(rng.sample(pop, 2), key=lambda p: p.makespan) if len(pop) > 2 else pop[-1]
            key = _crossover(a.start, b.start, rng)
            if rng.random() < 0.5:
                amp = scale * rng.choice((0.25, 0.5, 1.0))
                key = [k + rng.uniform(-amp, amp) for k in key]
        s = justify(c, sgs(c, key, rank), rank)
        count += 1
        keep(s)
        if s.makespan < best.makespan:
            best = s
            last_gain = count
    return best, count
