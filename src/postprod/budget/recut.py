"""What a recut costs: the change list of a new cut version priced, before anyone has spent a cent on it.

A recut sends work back to three departments, and the estimate prices each from what postprod knows:

- VFX: a shot the new cut names and the previous one did not is a new shot, at its bid when the
  register has one, else at the production's mean bid per shot. A shot the recut makes longer costs
  its bid pro rata of the frames it gains (the frames beyond what was bid for), as vendors quote
  extensions; a shorter shot is not credited (the work is usually done).
- ADR: a cue the recut moved off its picture (flagged for review) is recorded again, at the cost of
  one ADR cue: the budget's rate per cue in the ADR accounts, else the ADR accounts' total divided by
  the register's cues.
- Conform: the changes are conformed again, `changes_per_day` a day (an online editor's usual pace
  on a feature), at the budget's day rate of the conform (picture editing) lines, fringes included.

What cannot be priced (no bid and no mean bid, no ADR or conform line in the budget) is listed as
unpriced, with its reason, never counted as zero. Amounts are Decimal in the budget's currency,
each line rounded to the cent, the total the sum of the rounded lines.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from postprod.budget.money import ZERO, cents

CHANGES_PER_DAY = 40  # changes an online editor conforms again in a day (default; a setting of the estimate)


@dataclass(frozen=True)
class Shot:
    """A VFX shot of the recut: its ID, its frames before and after (0 before: new), its bid in the budget's currency."""

    shot_id: str
    old_frames: int
    new_frames: int
    bid: Decimal | None


@dataclass(frozen=True)
class RecutWork:
    """What a recut sends back to the departments, and the unit costs the budget gives for it."""

    shots: Sequence[Shot] = ()
    mean_bid: Decimal | None = None  # the production's mean bid per shot, in the budget's currency
    adr_cues: Sequence[str] = ()  # ADR cues to record again
    adr_cue_cost: Decimal | None = None
    changes: int = 0  # the change list's events that changed (inserts, deletes, trims, moves, replacements)
    changes_per_day: int = CHANGES_PER_DAY
    conform_day_cost: Decimal | None = None


@dataclass(frozen=True)
class CostLine:
    kind: str  # vfx_new, vfx_longer, adr, conform
    ref: str  # a shot ID, a cue number, or "" for the conform
    quantity: Decimal
    unit: str  # shot, frame, cue, day
    rate: Decimal
    amount: Decimal
    basis: str  # where the rate comes from: bid, mean_bid, adr_cue, conform_day


@dataclass(frozen=True)
class Unpriced:
    kind: str
    ref: str
    reason: str  # no_bid, no_adr_rate, no_conform_rate


@dataclass
class RecutCost:
    lines: list[CostLine] = field(default_factory=list)
    unpriced: list[Unpriced] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)

    def by_kind(self) -> dict[str, Decimal]:
        out: dict[str, Decimal] = {}
        for line in self.lines:
            out[line.kind] = out.get(line.kind, ZERO) + line.amount
        return out


def price(work: RecutWork) -> RecutCost:
    """The estimate of a recut's work, line by line."""
    if work.changes_per_day < 1:
        raise ValueError("changes_per_day must be at least 1")
    cost = RecutCost()
    for shot in work.shots:
        if shot.old_frames <= 0:
            rate, basis = (shot.bid, "bid") if shot.bid is not None else (work.mean_bid, "mean_bid")
            if rate is None:
                cost.unpriced.append(Unpriced("vfx_new", shot.shot_id, "no_bid"))
                continue
            cost.lines.append(CostLine("vfx_new", shot.shot_id, Decimal(1), "shot", rate, cents(rate), basis))
        elif shot.new_frames > shot.old_frames:
            bid, basis = (shot.bid, "bid") if shot.bid is not None else (work.mean_bid, "mean_bid")
            if bid is None:
                cost.unpriced.append(Unpriced("vfx_longer", shot.shot_id, "no_bid"))
                continue
            gained = shot.new_frames - shot.old_frames
            per_frame = bid / shot.old_frames
            amount = cents(bid * gained / shot.old_frames)
            cost.lines.append(CostLine("vfx_longer", shot.shot_id, Decimal(gained), "frame", per_frame, amount, basis))
    for cue in work.adr_cues:
        if work.adr_cue_cost is None:
            cost.unpriced.append(Unpriced("adr", cue, "no_adr_rate"))
            continue
        rate = work.adr_cue_cost
        cost.lines.append(CostLine("adr", cue, Decimal(1), "cue", rate, cents(rate), "adr_cue"))
    if work.changes > 0:
        days = Decimal(math.ceil(work.changes / work.changes_per_day))
        if work.conform_day_cost is None:
            cost.unpriced.append(Unpriced("conform", "", "no_conform_rate"))
        else:
            rate = work.conform_day_cost
            cost.lines.append(CostLine("conform", "", days, "day", rate, cents(rate * days), "conform_day"))
    return cost
