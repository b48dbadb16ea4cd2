"""The cost of a recut: a cut version's change list priced from the registers and the current budget.

The work is read from the stored versions (the new one and the one before it): the VFX shots the
new cut names for the first time or makes longer, the ADR cues its import flagged for review, and
the changes to conform again; `budget/recut.py` prices them (see there for the rules). The unit
costs come from the current budget version (its exchange rates convert the bids). The view is
money through and through: it travels under `recut_cost`, a key the money gate
(services/money.py) removes for roles without the budget right.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typing_extensions import TypedDict

from postprod.budget import sheet
from postprod.budget.money import ZERO, as_json
from postprod.budget.recut import CHANGES_PER_DAY, RecutCost, RecutWork, Shot, price
from postprod.editorial.model import Event
from postprod.editorial.pulls import vfx_shots
from postprod.errors import N_, InvalidInput
from postprod.model import AdrCue, CutVersion, Production, VfxShot
from postprod.model.production import DepartmentCode
from postprod.services import budget
from postprod.services.editorial import stored_cut

KEY = "recut_cost"  # in services/money.MONEY_VIEWS


class RecutLineView(TypedDict):
    kind: str  # vfx_new, vfx_longer, adr, conform
    ref: str
    quantity: str
    unit: str
    rate: str
    amount: str
    basis: str


class RecutUnpricedView(TypedDict):
    kind: str
    ref: str
    reason: str


class RecutCostView(TypedDict):
    currency: str
    budget_version: int
    reel: str
    number: int  # the version priced
    previous: int  # the version it is compared with
    changes: int
    changes_per_day: int
    total: str
    by_kind: dict[str, str]
    lines: list[RecutLineView]
    unpriced: list[RecutUnpricedView]


def _frames(events: Iterable[Event]) -> int:
    return sum(e.record_out - e.record_in for e in events)


def _unit_cost(
    v: sheet.Version, c: sheet.Computed, department: str, unit: str, prefer: tuple[str, ...] = ()
) -> Decimal | None:
    """The cost of one unit (fringes included) of the budget lines of a department's accounts in that unit:
    the lines whose description names one of `prefer` if any, else all of them; None when there are none."""
    depts = {a.code for a in v.accounts if a.department == department}
    rows = [
        (line, amount)
        for line, amount in zip(v.lines, c.lines, strict=True)
        if line.account in depts and line.unit == unit and line.quantity > 0
    ]
    preferred = [r for r in rows if any(p in r[0].description.casefold() for p in prefer)]
    rows = preferred or rows
    quantity = sum((line.quantity for line, _ in rows), ZERO)
    if not rows or quantity <= 0:
        return None
    return sum((amount.total for _, amount in rows), ZERO) / quantity


def _in_budget_currency(v: sheet.Version, amount: Decimal | None, currency: str) -> Decimal | None:
    if amount is None:
        return None
    try:
        return amount * sheet.convert_rate(v, currency or v.currency)
    except InvalidInput:
        return None  # a bid in a currency the budget has no rate for: priced as a shot without a bid


def work_of(
    session: Session, prod: Production, cv: CutVersion, v: sheet.Version, c: sheet.Computed, changes_per_day: int
) -> RecutWork:
    """What the recut from the version before `cv` to `cv` sends back to VFX, ADR and the conform."""
    prev = session.get(CutVersion, cv.previous_id) if cv.previous_id is not None else None
    assert prev is not None  # the caller checked
    new_shots, old_shots = vfx_shots(stored_cut(session, cv)), vfx_shots(stored_cut(session, prev))
    old_frames = {k.upper(): _frames(evs) for k, evs in old_shots.items()}
    bids: dict[str, Decimal | None] = {}
    priced: list[Decimal] = []
    for shot_id, amount, currency in session.execute(
        select(VfxShot.shot_id, VfxShot.bid_amount, VfxShot.bid_currency).where(VfxShot.production_id == prod.id)
    ):
        bid = _in_budget_currency(v, amount, currency)
        bids[shot_id.upper()] = bid
        if bid is not None:
            priced.append(bid)
    shots = []
    for shot_id, evs in new_shots.items():
        before, after = old_frames.get(shot_id.upper(), 0), _frames(evs)
        if before <= 0 or after > before:
            shots.append(Shot(shot_id, before, after, bids.get(shot_id.upper())))
    flagged = f"{cv.reel} v{cv.number}:"
    cues = session.scalars(
        select(AdrCue.number)
        .where(
            AdrCue.production_id == prod.id,
            AdrCue.review.is_(True),
            AdrCue.review_reason.contains(flagged, autoescape=True),
        )
        .order_by(AdrCue.record_in, AdrCue.id)
    ).all()
    adr_cost = _unit_cost(v, c, DepartmentCode.ADR, "cue")
    if adr_cost is None:
        count = session.scalar(select(func.count()).select_from(AdrCue).where(AdrCue.production_id == prod.id)) or 0
        adr_total = c.departments.get(DepartmentCode.ADR, sheet.Totals()).total
        adr_cost = adr_total / count if count and adr_total > 0 else None
    return RecutWork(
        shots=shots,
        mean_bid=sum(priced, ZERO) / len(priced) if priced else None,
        adr_cues=list(cues),
        adr_cue_cost=adr_cost,
        changes=_changes(cv),
        changes_per_day=changes_per_day,
        conform_day_cost=_unit_cost(v, c, DepartmentCode.PICTURE_EDITING, "day", ("conform",)),
    )


def recut_cost(
    session: Session, prod: Production, cv: CutVersion, *, changes_per_day: int = CHANGES_PER_DAY
) -> RecutCostView | None:
    """The estimate of what the recut to `cv` costs; None for a reel's first version or without a budget."""
    return recut_costs(session, prod, [cv], changes_per_day=changes_per_day).get(cv.id)


def recut_costs(
    session: Session, prod: Production, cvs: Iterable[CutVersion], *, changes_per_day: int = CHANGES_PER_DAY
) -> dict[int, RecutCostView]:
    """The estimates of several recuts by version ID, the budget computed once (the weekly report's risks);
    a reel's first version has none, and none has one without a budget."""
    if not 1 <= changes_per_day <= 10_000:
        raise InvalidInput(
            N_("changes per day must be between 1 and 10000, not %(value)s"),
            field="changes_per_day",
            params={"value": changes_per_day},
        )
    recuts = [(cv, session.get(CutVersion, cv.previous_id)) for cv in cvs if cv.previous_id is not None]
    if not recuts or not budget.versions(session, prod):
        return {}
    bv = budget.get_version(session, prod)
    v = budget.engine_version(session, bv)
    c = budget.compute(session, bv)  # once, in the weekly report's read
    out: dict[int, RecutCostView] = {}
    for cv, prev in recuts:
        if prev is not None:
            cost = price(work_of(session, prod, cv, v, c, changes_per_day))
            out[cv.id] = _view(cost, v.currency, bv.number, cv, prev.number, changes_per_day)
    return out


def _changes(cv: CutVersion) -> int:
    """The events the change list says changed (its summary is kept on the version)."""
    return int((cv.change_summary or {}).get("changes", 0))


def _view(
    cost: RecutCost, currency: str, budget_number: int, cv: CutVersion, previous: int, per_day: int
) -> RecutCostView:
    return {
        "currency": currency,
        "budget_version": budget_number,
        "reel": cv.reel,
        "number": cv.number,
        "previous": previous,
        "changes": _changes(cv),
        "changes_per_day": per_day,
        "total": as_json(cost.total),
        "by_kind": {k: as_json(x) for k, x in cost.by_kind().items()},
        "lines": [
            {
                "kind": line.kind,
                "ref": line.ref,
                "quantity": format(line.quantity.normalize(), "f"),
                "unit": line.unit,
                "rate": as_json(line.rate),
                "amount": as_json(line.amount),
                "basis": line.basis,
            }
            for line in cost.lines
        ],  # fmt: skip
        "unpriced": [{"kind": u.kind, "ref": u.ref, "reason": u.reason} for u in cost.unpriced],
    }
