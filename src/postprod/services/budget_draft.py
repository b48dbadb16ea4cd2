"""A first budget from what postprod already knows: the plan's days, VFX bids, dubbing, music, deliverables.

`draft_from_plan` makes version 1 as a draft for the supervisor to edit:
- each person's planned days in the current plan, under the person account of the task's department
  (else the production's general person account), at their day rate, with the chart's default fringe
  group; each room's planned days likewise under a room account, at the room's rate;
- each VFX shot's bid (a shot without a bid gets the mean bid of those that have one, in the same
  currency, or nothing);
- a line per dubbed language, the music cues counted, a line per deliverable: with no rate yet (the
  supervisor prices them), so that nothing the production owes is forgotten.
Work with no account to go to is reported, not dropped silently.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from postprod.budget.charts import load_chart
from postprod.budget.money import ZERO, cents
from postprod.errors import N_, Conflict, InvalidInput
from postprod.model import (
    BudgetAccount,
    BudgetVersion,
    Deliverable,
    DubbingVersion,
    MusicCue,
    Person,
    PlanKind,
    PlanTask,
    Production,
    ProductionKind,
    Room,
    Task,
    VfxShot,
)
from postprod.services import budget
from postprod.services.planning.store import require_plan


@dataclass
class Draft:
    version: BudgetVersion
    lines: int = 0
    skipped: list[str] = field(default_factory=list)  # work with no account to go to


def pick_account(accounts: list[BudgetAccount], department: str | None, resource: str | None) -> BudgetAccount | None:
    """The first account of the department for this resource (person, room, or none), else a general one."""
    for dept in (department, None):
        for a in accounts:
            if a.department == dept and a.resource == resource:
                return a
    return None


def draft_from_plan(session: Session, prod: Production, *, rates: dict[str, str] | None = None) -> Draft:
    """Version 1 of the budget, drafted from the current plan and the registers."""
    if budget.versions(session, prod):
        raise Conflict("the budget exists: make a revision of it", field="version")
    plan = require_plan(session, prod, PlanKind.CURRENT)
    v = budget.create_version(session, prod, name="Draft from the plan", rates=rates)
    accounts = budget.accounts(session, prod)
    groups = budget.fringes(session, prod)
    chart_fringe = load_chart(budget.default_chart(prod)).default_fringe
    fringe = chart_fringe if chart_fringe in groups else None
    draft = Draft(v)
    # A French production's spend is tagged for its credit (cinema for films, audiovisuel otherwise);
    # the supervisor untags what is spent abroad or does not count.
    credit = None
    if prod.currency == "EUR":
        credit = "cinema" if prod.kind in (ProductionKind.FEATURE_FILM, ProductionKind.SHORT) else "audiovisuel"

    pending: list[tuple[int, int, dict[str, object], tuple[str, int] | None]] = []

    def add(account: BudgetAccount, description: str, quantity: Decimal, unit: str, rate: Decimal, currency: str,
            *, fringe_group: str | None = None, link: tuple[str, int] | None = None) -> None:  # fmt: skip
        if currency != v.currency and currency not in v.rates:
            raise InvalidInput(
                N_("%(description)s is priced in %(currency)s: give its rate, e.g. --rate %(currency)s=1.0"),
                field="currency",
                params={"description": description, "currency": currency},
            )
        values = {"account": account.code, "description": description, "quantity": quantity, "unit": unit,
                  "rate": rate, "currency": currency, "fringe": fringe_group, "tax_credit": credit}  # fmt: skip
        pending.append((account.position, len(pending), values, link))

    # The plan's days, per person (or room) and account.
    dept_of = dict(session.execute(select(Task.id, Task.department_id).where(Task.production_id == prod.id)).all())
    dept_code = {d.id: d.code for d in prod.departments}
    person_days: dict[tuple[int, str | None], Decimal] = defaultdict(Decimal)
    room_days: dict[tuple[int, str | None], Decimal] = defaultdict(Decimal)
    for t in session.scalars(select(PlanTask).where(PlanTask.plan_id == plan.id)):
        dept = dept_code.get(dept_of.get(t.task_id or -1, -1))
        for pid in t.person_ids:
            person_days[(pid, dept)] += Decimal(t.work_days)
        if t.room_id is not None:
            room_days[(t.room_id, dept)] += Decimal(t.work_days)
    people = {p.id: p for p in prod.people}
    rooms = {r.id: r for r in prod.rooms}
    for (pid, dept), days in sorted(person_days.items(), key=lambda kv: (people[kv[0][0]].name, kv[0][1] or "")):
        p: Person = people[pid]
        account = pick_account(accounts, dept, "person")
        if account is None:
            draft.skipped.append(f"{p.name}: {days} days of {dept or 'work'} (no person account)")
            continue
        add(account, f"{p.name} ({p.role})" if p.role else p.name, days, "day", p.day_rate or ZERO,
            p.currency or v.currency, fringe_group=fringe, link=("person", p.id))  # fmt: skip
    for (rid, dept), days in sorted(room_days.items(), key=lambda kv: (rooms[kv[0][0]].name, kv[0][1] or "")):
        r: Room = rooms[rid]
        account = pick_account(accounts, dept, "room")
        if account is None:
            draft.skipped.append(f"{r.name}: {days} days of {dept or 'work'} (no room account)")
            continue
        add(account, r.name, days, "day", r.day_rate or ZERO, r.currency or v.currency, link=("room", r.id))

    # VFX shots: their bids; a shot without one at the mean of the bids in the production's currency.
    vfx = pick_account([a for a in accounts if a.resource is None], "vfx", None)
    shots = list(session.scalars(select(VfxShot).where(VfxShot.production_id == prod.id).order_by(VfxShot.shot_id)))
    if shots and vfx is not None:
        priced = [s.bid_amount for s in shots if s.bid_amount is not None and s.bid_currency == v.currency]
        mean = cents(sum(priced, ZERO) / len(priced)) if priced else ZERO
        unbid = 0
        for s in shots:
            if s.bid_amount is None:
                unbid += 1
                continue
            add(vfx, f"VFX {s.shot_id}", Decimal(1), "shot", s.bid_amount, s.bid_currency, link=("vfx_shot", s.id))
        if unbid:
            add(vfx, "VFX shots without a bid (mean bid)", Decimal(unbid), "shot", mean, v.currency)
    elif shots:
        draft.skipped.append(f"{len(shots)} VFX shots (no VFX account)")

    # Dubbing, music and deliverables: owed, to be priced.
    for what, department, unit, items in (
        ("dubbing", "dubbing", "language",
         [(f"Dubbing {d.language}", Decimal(1), ("dubbing", d.id)) for d in
          session.scalars(select(DubbingVersion).where(DubbingVersion.production_id == prod.id)
                          .order_by(DubbingVersion.language))]),
        ("music", "music", "cue", _music(session, prod)),
        ("deliverables", "deliverables", "flat",
         [(d.name, Decimal(1), ("deliverable", d.id)) for d in
          session.scalars(select(Deliverable).where(Deliverable.production_id == prod.id).order_by(Deliverable.name))]),
    ):  # fmt: skip
        if not items:
            continue
        account = pick_account([a for a in accounts if a.resource is None], department, None)
        if account is None:
            draft.skipped.append(f"{len(items)} {what} lines (no {what} account)")
            continue
        for description, quantity, link in items:
            add(account, description, quantity, unit, ZERO, v.currency, link=link)
    for _position, _order, values, link in sorted(pending, key=lambda p: (p[0], p[1])):  # in the chart's order
        line = budget.add_line(session, prod, v, **values)
        if link is not None:
            line.link_type, line.link_id = link
        draft.lines += 1
    session.flush()
    return draft


def _music(session: Session, prod: Production) -> list[tuple[str, Decimal, tuple[str, int] | None]]:
    count = len(session.scalars(select(MusicCue.id).where(MusicCue.production_id == prod.id)).all())
    return [("Music cues", Decimal(count), None)] if count else []
