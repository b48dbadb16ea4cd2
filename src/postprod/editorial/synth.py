"""Generated cut pairs with known changes, for tests and benchmarks (fixed seeds, exact answers)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

from postprod.editorial.model import Cut, Event, Locator
from postprod.timecode import nominal_fps, supports_drop_frame, tc_to_frames


@dataclass
class CutPair:
    """An old cut, a new cut made from it, and the change list that must be found between them."""

    old: Cut
    new: Cut
    expected: list[dict[str, Any]] = field(default_factory=list)
    version_bumps: int = 0


class _Sources:
    """Hands out source ranges on camera reels that never overlap another use of the same reel."""

    def __init__(self, rng: random.Random, fps: int, n_reels: int) -> None:
        self.rng = rng
        self.fps = fps
        self.reels = [
            f"A{i // 40 + 1:03d}C{i % 40 + 1:03d}_{240101 + i // 40:06d}_R{rng.randrange(16**3):03X}"
            for i in range(n_reels)
        ]
        hours = [rng.randrange(1, 23) for _ in range(n_reels)]
        self.cursor = {r: h * 3600 * fps for r, h in zip(self.reels, hours, strict=True)}
        self.fresh = 0

    def take(self, length: int, reel: str | None = None) -> tuple[str, int, int]:
        r = reel or self.rng.choice(self.reels)
        start = self.cursor[r] + self.rng.randrange(48, 200)
        self.cursor[r] = start + length + 48
        return r, start, start + length

    def new_reel(self) -> str:
        self.fresh += 1
        r = f"B{self.fresh:03d}C{self.rng.randrange(1000):03d}_250202_R{self.rng.randrange(16**3):03X}"
        self.cursor[r] = self.rng.randrange(1, 23) * 3600 * self.fps
        return r


def generate_cut(
    n_events: int, rate: Fraction, *, drop_frame: bool = False, seed: int = 0, vfx_share: float = 0.1
) -> Cut:
    """A reel of n_events video cuts at the rate, contiguous from 01:00:00:00, some of them VFX shots."""
    rng = random.Random(seed)
    fps = nominal_fps(rate)
    df = drop_frame and supports_drop_frame(rate)
    sources = _Sources(rng, fps, max(4, n_events // 3))
    start = tc_to_frames("01:00:00:00", rate, df)
    events: list[Event] = []
    vfx_n = 0
    for i in range(n_events):
        length = rng.randrange(fps, fps * 8)
        reel, si, so = sources.take(length)
        scene = 1 + i // 25
        clip = f"{scene}{'ABCDEFG'[rng.randrange(7)]}-{rng.randrange(1, 9)}"
        ev = Event(
            number=i + 1,
            reel=reel,
            channels="V",
            source_in=si,
            source_out=so,
            record_in=0,
            record_out=0,
            clip_name=clip,
            drop_frame=df,
        )
        if rng.random() < vfx_share:
            vfx_n += 1
            shot = f"{scene:03d}_TST_{vfx_n * 10:04d}"
            ev.vfx_ids = [shot]
            if vfx_n % 2:
                ev.clip_name = f"{shot}_comp_v{rng.randrange(1, 20):03d}"
            else:
                ev.locators = [Locator(record_frame=0, colour="WHITE", text=f"VFX {shot} clean up")]
        events.append(ev)
    _relay(events, start)
    return Cut(events=events, rate=rate, drop_frame=df, title=f"SYNTH_{n_events}_{seed}")


def _relay(events: list[Event], start: int) -> None:
    """Lay events end to end from start, renumber them, and keep locators inside their event."""
    pos = start
    for i, e in enumerate(events):
        dur = e.source_out - e.source_in
        offset_locs = [loc.record_frame - e.record_in for loc in e.locators]
        e.number = i + 1
        e.record_in, e.record_out = pos, pos + dur
        for loc, off in zip(e.locators, offset_locs, strict=True):
            loc.record_frame = pos + min(max(off, dur // 2 if off < 0 or off >= dur else off), dur - 1)
        pos += dur


def _copy(e: Event) -> Event:
    return replace(e, locators=[replace(loc) for loc in e.locators], vfx_ids=list(e.vfx_ids), comments=list(e.comments))


def change_slots(n_events: int) -> int:
    """How many changes (a move counts two, a version bump one) `make_pair` can place in a cut of n events."""
    return len(range(2, n_events - 2, 4))


def make_pair(
    n_events: int,
    rate: Fraction,
    *,
    drop_frame: bool = False,
    seed: int = 0,
    trims: int = 5,
    inserts: int = 3,
    deletes: int = 3,
    moves: int = 2,
    replaces: int = 3,
    version_bumps: int = 2,
) -> CutPair:
    """An old cut and a new one with the given numbers of each change at separated places."""
    old = generate_cut(n_events, rate, drop_frame=drop_frame, seed=seed)
    rng = random.Random(seed * 7919 + 1)
    fps = nominal_fps(rate)
    sources = _Sources(rng, fps, 4)
    n_ops = trims + inserts + deletes + 2 * moves + replaces
    slots = list(range(2, n_events - 2, 4))
    if change_slots(n_events) < n_ops + version_bumps:
        raise ValueError(f"{n_events} events are too few for {n_ops} changes")
    rng.shuffle(slots)
    it = iter(slots)
    # each slot holds one change, with at least three untouched events between changes
    plan: dict[int, tuple[str, Any]] = {}
    for _ in range(trims):
        head, tail = 0, 0
        while head == 0 and tail == 0:
            head, tail = rng.randint(-12, 12), rng.randint(-12, 12)
        plan[next(it)] = ("trim", (head, tail))
    for _ in range(deletes):
        plan[next(it)] = ("delete", None)
    for _ in range(replaces):
        plan[next(it)] = ("replace", None)
    for _ in range(inserts):
        plan[next(it)] = ("insert", None)
    for _ in range(moves):
        a, b = next(it), next(it)
        plan[a] = ("move_from", b)
        plan[b] = ("move_to", a)
    bumps = 0
    for s in it:
        if bumps >= version_bumps:
            break
        name = old.events[s].clip_name or ""
        if "_v" in name and s not in plan:
            plan[s] = ("bump", None)
            bumps += 1

    new_events: list[Event] = []
    records: list[tuple[str, Event | None, Event | None, int, int]] = []
    for i, e in enumerate(old.events):
        op = plan.get(i)
        kind = op[0] if op else None
        if kind == "insert":
            length = rng.randrange(fps, fps * 6)
            reel, si, so = sources.take(length, sources.new_reel())
            ins = Event(
                number=0,
                reel=reel,
                channels="V",
                source_in=si,
                source_out=so,
                record_in=0,
                record_out=0,
                clip_name="INS",
                drop_frame=e.drop_frame,
            )
            new_events.append(ins)
            records.append(("insert", None, ins, 0, 0))
        if kind == "move_to":
            moved = _copy(old.events[op[1]])  # type: ignore[index]
            new_events.append(moved)
            records.append(("move", old.events[op[1]], moved, 0, 0))  # type: ignore[index]
        if kind in ("delete", "move_from"):
            if kind == "delete":
                records.append(("delete", e, None, 0, 0))
            continue
        ne = _copy(e)
        if kind == "trim":
            head, tail = op[1]  # type: ignore[index]
            ne.source_in -= head
            ne.source_out += tail
            if ne.source_out - ne.source_in < 4:
                ne.source_out = ne.source_in + 4
                tail = ne.source_out - e.source_out
            records.append(("trim", e, ne, head, tail))
        elif kind == "replace":
            length = rng.randrange(fps, fps * 6)
            reel, si, so = sources.take(length, sources.new_reel())
            ne = Event(
                number=0,
                reel=reel,
                channels="V",
                source_in=si,
                source_out=so,
                record_in=0,
                record_out=0,
                clip_name="REPL",
                drop_frame=e.drop_frame,
            )
            records.append(("replace", e, ne, 0, 0))
        elif kind == "bump" and ne.clip_name:
            base, _, ver = ne.clip_name.rpartition("_v")
            ne.clip_name = f"{base}_v{int(ver) + 1:03d}"
        new_events.append(ne)
    _relay(new_events, old.events[0].record_in if old.events else 0)
    new = Cut(events=new_events, rate=rate, drop_frame=old.drop_frame, title=old.title + "_NEW")
    expected = [
        {
            "type": kind,
            "old_event": o.number if o is not None else None,
            "new_event": n.number if n is not None else None,
            "head_frames": head,
            "tail_frames": tail,
        }
        for kind, o, n, head, tail in records
    ]
    expected.sort(key=lambda c: (c["new_event"] or 0, c["old_event"] or 0))
    return CutPair(old=old, new=new, expected=expected, version_bumps=bumps)
