"""What the post costs: time, vendors, purchase orders, invoices, and the cost report with its forecast.

Amounts in another currency than the production's are converted at the current budget version's
fixed rate for it (a currency with no rate there is refused). Labour actuals are time entries
valued at the person's day rate plus the fringes of the person's budget line (else the chart's
default group). The estimate to complete of people's and rooms' accounts is the cost of the days
the current plan still schedules after the report's date, so a replan moves the forecast.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import cast

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typing_extensions import TypedDict

from postprod.budget.charts import load_chart
from postprod.budget.money import ZERO, as_json, cents, parse_amount, parse_decimal
from postprod.budget.report import AccountFigures, Report, cost_report, labour_cost, open_commitment
from postprod.errors import N_, Conflict, InvalidInput, NotFound
from postprod.model import (
    BudgetAccount,
    BudgetLine,
    BudgetStatus,
    BudgetVersion,
    CostSnapshot,
    EtcOverride,
    Invoice,
    OrderStatus,
    Person,
    Plan,
    PlanKind,
    PlanTask,
    Production,
    PurchaseOrder,
    Room,
    Task,
    TimeEntry,
    Vendor,
)
from postprod.planning.calendar import working_days_between
from postprod.services import budget
from postprod.services.budget_draft import pick_account
from postprod.services.common import described, get_person, get_task, parse_date
from postprod.services.planning.store import latest_plan, production_calendar

MAX_DAYS_PER_ENTRY = Decimal(2)  # a day and a night: more in one entry is a typing mistake


# --- conversion ----------------------------------------------------------------------------------


def to_production_currency(session: Session, prod: Production, amount: Decimal, currency: str) -> Decimal:
    """An amount in the production's currency, at the current budget version's rate."""
    if currency == prod.currency:
        return amount
    versions = budget.versions(session, prod)
    rate = versions[-1].rates.get(currency) if versions else None
    if rate is None:
        raise InvalidInput(
            N_("no exchange rate for %(currency)s in the current budget: set one first"),
            field="currency",
            params={"currency": currency},
        )
    return cents(amount * Decimal(rate))


def _check_currency(session: Session, prod: Production, currency: str | None) -> str:
    code = (currency or prod.currency).strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise InvalidInput(N_("invalid currency %(currency)r"), field="currency", params={"currency": currency})
    to_production_currency(session, prod, ZERO, code)
    return code


def _in_production(prod: Production, day: date, field: str) -> date:
    start = prod.start_date
    end = (prod.delivery_date or day) + timedelta(days=365)
    if not start - timedelta(days=365) <= day <= end:
        raise InvalidInput(
            N_("%(field)s %(day)s is outside the production (%(start)s to its delivery)"),
            field=field,
            params={"field": field, "day": day, "start": start},
        )
    return day


# --- vendors, purchase orders, invoices ----------------------------------------------------------


def add_vendor(session: Session, prod: Production, name: str, *, email: str = "", country: str = "") -> Vendor:
    name = name.strip()
    if not name or len(name) > 200:
        raise InvalidInput("a vendor needs a name of at most 200 characters", field="name")
    if session.scalar(
        select(Vendor.id).where(Vendor.production_id == prod.id, func.lower(Vendor.name) == name.lower())
    ):
        raise Conflict(N_("vendor %(name)r already exists"), field="name", params={"name": name})
    if country and (len(country) != 2 or not country.isalpha()):
        raise InvalidInput(
            N_("invalid country %(country)r: two letters (FR, GB...)"), field="country", params={"country": country}
        )
    v = Vendor(production_id=prod.id, name=name, email=email.strip()[:200], country=country.upper())
    session.add(v)
    session.flush()
    return v


def get_vendor(session: Session, prod: Production, name: str) -> Vendor:
    v = session.scalar(
        select(Vendor).where(Vendor.production_id == prod.id, func.lower(Vendor.name) == name.strip().lower())
    )
    if v is None:
        raise NotFound(
            N_("no vendor %(name)r in %(title)r"), field="vendor", params={"name": name, "title": prod.title}
        )
    return v


def vendors(session: Session, prod: Production) -> list[Vendor]:
    return list(session.scalars(select(Vendor).where(Vendor.production_id == prod.id).order_by(Vendor.name)))


def add_order(
    session: Session,
    prod: Production,
    *,
    number: str,
    vendor: str,
    account: str,
    amount: str | Decimal,
    currency: str | None = None,
    issued: str | date | None = None,
    description: str = "",
) -> PurchaseOrder:
    """A purchase order: money committed to an account until invoiced or closed."""
    number = number.strip()
    if not number or len(number) > 32:
        raise InvalidInput("a purchase order needs a number of at most 32 characters", field="number")
    if session.scalar(
        select(PurchaseOrder.id).where(PurchaseOrder.production_id == prod.id, PurchaseOrder.number == number)
    ):
        raise Conflict(N_("purchase order %(number)s already exists"), field="number", params={"number": number})
    po = PurchaseOrder(
        production_id=prod.id, number=number, vendor_id=get_vendor(session, prod, vendor).id,
        account=budget.get_account(session, prod, account).code, description=description.strip(),
        amount=parse_amount(amount, field="amount"), currency=_check_currency(session, prod, currency),
        issued=_in_production(prod, parse_date(issued or date.today(), "issued"), "issued"),
    )  # fmt: skip
    session.add(po)
    session.flush()
    return po


def get_order(session: Session, prod: Production, number: str) -> PurchaseOrder:
    po = session.scalar(
        select(PurchaseOrder).where(PurchaseOrder.production_id == prod.id, PurchaseOrder.number == number.strip())
    )
    if po is None:
        raise NotFound(
            N_("no purchase order %(number)r in %(title)r"),
            field="order",
            params={"number": number, "title": prod.title},
        )
    return po


def orders(session: Session, prod: Production) -> list[PurchaseOrder]:
    return list(
        session.scalars(
            select(PurchaseOrder).where(PurchaseOrder.production_id == prod.id).order_by(PurchaseOrder.number)
        )
    )


def close_order(session: Session, prod: Production, number: str, *, cancel: bool = False) -> PurchaseOrder:
    po = get_order(session, prod, number)
    po.status = OrderStatus.CANCELLED if cancel else OrderStatus.CLOSED
    session.flush()
    return po


def get_invoice(session: Session, prod: Production, invoice_id: int) -> Invoice:
    inv = session.get(Invoice, invoice_id)
    if inv is None or inv.production_id != prod.id:
        raise NotFound(
            N_("no invoice %(invoice_id)s in %(title)r"),
            field="invoice",
            params={"invoice_id": invoice_id, "title": prod.title},
        )
    return inv


def mark_paid(session: Session, prod: Production, invoice_id: int, *, paid: bool = True) -> Invoice:
    """Record that an invoice was paid (or undo it): the cost report counts it either way, as actual."""
    inv = get_invoice(session, prod, invoice_id)
    inv.paid = paid
    session.flush()
    return inv


def invoiced(po: PurchaseOrder) -> Decimal:
    """What is invoiced against the order so far, net, in the order's currency."""
    return sum((i.net for i in po.invoices if i.currency == po.currency), ZERO)


def add_invoice(
    session: Session,
    prod: Production,
    *,
    vendor: str,
    number: str,
    net: str | Decimal,
    vat: str | Decimal = ZERO,
    day: str | date | None = None,
    order: str | None = None,
    account: str | None = None,
    currency: str | None = None,
    paid: bool = False,
    overrun_note: str = "",
) -> Invoice:
    """A vendor's invoice, against a purchase order (its account) or straight to an account.

    An invoice never silently exceeds its order: past the order's amount it is refused unless the
    overrun is accepted with a note.
    """
    v = get_vendor(session, prod, vendor)
    number = number.strip()
    if not number or len(number) > 64:
        raise InvalidInput("an invoice needs the vendor's number (at most 64 characters)", field="number")
    if session.scalar(
        select(Invoice.id).where(Invoice.production_id == prod.id, Invoice.vendor_id == v.id, Invoice.number == number)
    ):
        raise Conflict(
            N_("invoice %(number)s of %(name)s already exists"),
            field="number",
            params={"number": number, "name": v.name},
        )
    amount = parse_amount(net, field="net")
    tax = parse_amount(vat, field="vat")
    po = get_order(session, prod, order) if order else None
    if po is not None:
        if po.vendor_id != v.id:
            raise InvalidInput(
                N_("purchase order %(number)s is %(po_vendor)s's, not %(vendor)s's"),
                field="order",
                params={"number": po.number, "po_vendor": po.vendor.name, "vendor": v.name},
            )
        if po.status == OrderStatus.CANCELLED:
            raise InvalidInput(
                N_("purchase order %(number)s is cancelled"), field="order", params={"number": po.number}
            )
        code = _check_currency(session, prod, currency or po.currency)
        if code != po.currency:
            raise InvalidInput(
                N_("purchase order %(number)s is in %(currency)s, not %(code)s"),
                field="currency",
                params={"number": po.number, "currency": po.currency, "code": code},
            )
        if account and budget.get_account(session, prod, account).code != po.account:
            raise InvalidInput(
                N_("purchase order %(number)s is booked to %(account)s"),
                field="account",
                params={"number": po.number, "account": po.account},
            )
        over = invoiced(po) + amount - po.amount
        if over > 0 and not overrun_note.strip():
            raise Conflict(
                N_(
                    "invoice %(number)s takes purchase order %(po_number)s %(over)s %(currency)s over its %(amount)s: accept the overrun with a note"
                ),
                field="overrun_note",
                params={
                    "number": number,
                    "po_number": po.number,
                    "over": over,
                    "currency": po.currency,
                    "amount": po.amount,
                },
            )
        account_code = po.account
    else:
        if not account:
            raise InvalidInput("an invoice without a purchase order needs an account", field="account")
        account_code = budget.get_account(session, prod, account).code
        code = _check_currency(session, prod, currency)
    inv = Invoice(
        production_id=prod.id, vendor_id=v.id, number=number, order_id=po.id if po else None, account=account_code,
        day=_in_production(prod, parse_date(day or date.today(), "day"), "day"), net=amount, vat=tax, currency=code,
        paid=paid, overrun_note=overrun_note.strip(),
    )  # fmt: skip
    session.add(inv)
    if po is not None:
        po.invoices.append(inv)
    session.flush()
    return inv


# --- time ----------------------------------------------------------------------------------------


def log_time(
    session: Session,
    prod: Production,
    *,
    person: str,
    day: str | date,
    days: str | Decimal | None = None,
    hours: str | Decimal | None = None,
    task: str | None = None,
    note: str = "",
) -> TimeEntry:
    """A day (or hours, converted with the production's working day) a person worked, on a task or not."""
    who = get_person(session, prod, person)
    if (days is None) == (hours is None):
        raise InvalidInput("give days or hours", field="days")
    if hours is not None:
        _cal, per_day = production_calendar(session, prod)
        amount = parse_decimal(hours, field="hours") / Decimal(str(per_day))
        field = "hours"
    else:
        amount, field = parse_decimal(days if days is not None else 0, field="days"), "days"
    amount = amount.quantize(Decimal("0.001"))
    if not ZERO < amount <= MAX_DAYS_PER_ENTRY:
        raise InvalidInput(
            N_("%(field)s: %(days)s is not a working time"),
            field=field,
            params={"field": field, "days": days if days is not None else hours},
        )
    t = get_task(session, prod, task) if task else None
    entry = TimeEntry(
        production_id=prod.id, person_id=who.id, task_id=t.id if t else None,
        day=_in_production(prod, parse_date(day, "day"), "day"), days=amount, note=note.strip()[:2000],
        logged_by=str(session.info.get("actor") or ""),
    )  # fmt: skip
    session.add(entry)
    session.flush()
    return entry


def time_entries(
    session: Session, prod: Production, *, person: Person | None = None, since: date | None = None
) -> list[TimeEntry]:
    q = select(TimeEntry).where(TimeEntry.production_id == prod.id)
    if person is not None:
        q = q.where(TimeEntry.person_id == person.id)
    if since is not None:
        q = q.where(TimeEntry.day >= since)
    return list(session.scalars(q.order_by(TimeEntry.day, TimeEntry.id)))


# --- ETC overrides -------------------------------------------------------------------------------


MAX_NOTE = 2000


def set_etc(session: Session, prod: Production, account: str, amount: str | Decimal, note: str) -> EtcOverride:
    """Set an account's estimate to complete by hand; the note says why."""
    if not note.strip():
        raise InvalidInput("an estimate set by hand needs its note", field="note")
    if len(note.strip()) > MAX_NOTE:
        raise InvalidInput(N_("note: at most %(max_note)s characters"), field="note", params={"max_note": MAX_NOTE})
    code = budget.get_account(session, prod, account).code
    row = session.scalar(select(EtcOverride).where(EtcOverride.production_id == prod.id, EtcOverride.account == code))
    value = parse_amount(amount, field="amount")
    if row is None:
        row = EtcOverride(production_id=prod.id, account=code, amount=value, note=note.strip())
        session.add(row)
    else:
        row.amount, row.note = value, note.strip()
    row.set_by = str(session.info.get("actor") or "")
    session.flush()
    return row


def etc_overrides(session: Session, prod: Production) -> list[EtcOverride]:
    """The estimates to complete set by hand, in account order."""
    return list(
        session.scalars(select(EtcOverride).where(EtcOverride.production_id == prod.id).order_by(EtcOverride.account))
    )


def clear_etc(session: Session, prod: Production, account: str) -> None:
    code = budget.get_account(session, prod, account).code
    row = session.scalar(select(EtcOverride).where(EtcOverride.production_id == prod.id, EtcOverride.account == code))
    if row is not None:
        session.delete(row)
        session.flush()


# --- the cost report -----------------------------------------------------------------------------


def _labour_rules(
    session: Session, prod: Production, accounts: list[BudgetAccount]
) -> tuple[dict[tuple[str, int], tuple[str, Decimal]], Decimal]:
    """Accounts and fringe percents of the people and rooms that have a line in the current budget."""
    groups = budget.fringes(session, prod)
    default = load_chart(budget.default_chart(prod)).default_fringe
    default_pct = groups.get(default or "", ZERO)
    linked: dict[tuple[str, int], tuple[str, Decimal]] = {}
    versions = budget.versions(session, prod)
    if versions:
        links = session.execute(
            select(BudgetLine.link_type, BudgetLine.link_id, BudgetLine.account, BudgetLine.fringe)
            .where(BudgetLine.budget_id == versions[-1].id, BudgetLine.link_type.in_(("person", "room")))
            .order_by(BudgetLine.position, BudgetLine.id)
        )
        for link_type, link_id, account, fringe in links:
            if link_type is not None and link_id is not None:
                linked.setdefault((link_type, link_id), (account, groups.get(fringe or "", ZERO)))
    return linked, default_pct


def labour_rule(session: Session, prod: Production, accounts: list[BudgetAccount]) -> Rule:
    """Where a person's or room's days go: (account, fringe percent) for (kind, id, task), or None."""
    linked, default_pct = _labour_rules(session, prod, accounts)
    dept_of_task = {
        tid: code
        for tid, code in session.execute(select(Task.id, Task.department_id).where(Task.production_id == prod.id)).all()
    }
    dept_code = {d.id: d.code for d in prod.departments}
    picked: dict[tuple[str | None, str], tuple[str, Decimal] | None] = {}  # by (department, kind)

    def rule(kind: str, rid: int, task_id: int | None) -> tuple[str, Decimal] | None:
        if (kind, rid) in linked:
            return linked[(kind, rid)]
        dept = dept_code.get(dept_of_task.get(task_id or -1, -1))
        if (dept, kind) not in picked:
            account = pick_account(accounts, dept, kind)
            picked[(dept, kind)] = (
                None if account is None else (account.code, default_pct if kind == "person" else ZERO)
            )
        return picked[(dept, kind)]

    return rule


def report(session: Session, prod: Production, as_of: date | None = None) -> Report:
    """The cost report as of a date (default today): every account of the production's chart."""
    as_of = as_of or date.today()
    period_start = as_of - timedelta(days=as_of.weekday())  # this week, from Monday
    accounts = budget.accounts(session, prod)
    if not accounts:
        raise NotFound(
            N_("%(title)r has no budget yet: postprod budget draft --from-plan"), params={"title": prod.title}
        )
    by_code = {a.code: a for a in accounts}
    figures: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    versions = budget.versions(session, prod)
    locked = next((v for v in versions if v.status == BudgetStatus.LOCKED), None)
    if versions:
        for code, totals in budget.compute(session, versions[-1]).accounts.items():
            figures[code]["current_budget"] = totals.total
    if locked is not None:
        frozen = budget.frozen_totals(locked)
        for code, total in (
            frozen.items()
            if frozen is not None
            else ((k, t.total) for k, t in budget.compute(session, locked).accounts.items())
        ):
            figures[code]["budget"] = total

    convert = _converter(prod, versions)

    # Invoices to date, net, summed per account and currency by the database (then converted).
    for column, since in (("actual", None), ("actual_period", period_start)):
        q = select(Invoice.account, Invoice.currency, func.sum(Invoice.net)).where(
            Invoice.production_id == prod.id, Invoice.day <= as_of
        )
        if since is not None:
            q = q.where(Invoice.day >= since)
        for account, currency, total in session.execute(q.group_by(Invoice.account, Invoice.currency)):
            figures[account][column] += convert(cents(Decimal(total)), currency)
    # What open orders still commit: each order's amount less what is invoiced against it by the date.
    billed = (
        select(Invoice.order_id.label("order_id"), func.sum(Invoice.net).label("net"))
        .where(Invoice.production_id == prod.id, Invoice.day <= as_of, Invoice.order_id.is_not(None))
        .group_by(Invoice.order_id)
        .subquery()
    )
    orders_q = (
        select(PurchaseOrder.account, PurchaseOrder.amount, PurchaseOrder.currency, PurchaseOrder.status, billed.c.net)
        .outerjoin(billed, billed.c.order_id == PurchaseOrder.id)
        .where(PurchaseOrder.production_id == prod.id, PurchaseOrder.issued <= as_of)
    )
    for account, amount, currency, status, net in session.execute(orders_q):
        left = open_commitment(amount, cents(Decimal(net or 0)), closed=status != OrderStatus.OPEN)
        figures[account]["committed"] += convert(left, currency)

    # Labour: time to date at the person's rate and fringes; the plan's days after the date as ETC.
    rule = labour_rule(session, prod, accounts)
    people = {p.id: p for p in prod.people}
    rooms = {r.id: r for r in prod.rooms}

    # Time: the database sums days per person and task; a person's days in an account are then
    # valued once, as a timesheet line is (days x rate, rounded, plus its fringes).
    for column, since in (("actual", None), ("actual_period", period_start)):
        tq = select(TimeEntry.person_id, TimeEntry.task_id, func.sum(TimeEntry.days)).where(
            TimeEntry.production_id == prod.id, TimeEntry.day <= as_of
        )
        if since is not None:
            tq = tq.where(TimeEntry.day >= since)
        days_in: dict[tuple[int, str, Decimal], Decimal] = defaultdict(Decimal)
        for person_id, task_id, days in session.execute(tq.group_by(TimeEntry.person_id, TimeEntry.task_id)):
            found = rule("person", person_id, task_id)
            if person_id in people and found is not None:
                days_in[(person_id, found[0], found[1])] += Decimal(days)
        for (person_id, account, fringe), days in days_in.items():
            person = people[person_id]
            cost = labour_cost(days, person.day_rate or ZERO, fringe)
            figures[account][column] += convert(cost, person.currency or prod.currency)
    planned = _planned_cost(
        session, prod, latest_plan(session, prod, PlanKind.CURRENT), as_of, rule, people, rooms, convert
    )
    overrides = {
        o.account: o.amount for o in session.scalars(select(EtcOverride).where(EtcOverride.production_id == prod.id))
    }
    inputs = {
        code: AccountFigures(
            budget=f["budget"],
            current_budget=f["current_budget"],
            actual=f["actual"],
            actual_period=f["actual_period"],
            committed=f["committed"],
            planned=planned.get(code, ZERO) if by_code[code].resource else None,
            override=overrides.get(code),
        )  # fmt: skip
        for code, f in figures.items()
        if code in by_code
    }
    for code, a in by_code.items():  # people's and rooms' accounts with only plan days
        if a.resource and code not in inputs:
            inputs[code] = AccountFigures(planned=planned.get(code, ZERO), override=overrides.get(code))
    engine_accounts = [budget.sheet.Account(a.code, a.name, a.chapter, a.department, a.resource) for a in accounts]
    chapters = [budget.sheet.Chapter(c.code, c.name) for c in budget.chapters(session, prod)]
    return cost_report(prod.currency, chapters, engine_accounts, inputs)


Rule = Callable[[str, int, int | None], tuple[str, Decimal] | None]
Convert = Callable[[Decimal, str], Decimal]


def _converter(prod: Production, versions: list[BudgetVersion]) -> Convert:
    """Amounts into the production's currency at the current version's rates, read once."""
    rates = {k: Decimal(r) for k, r in versions[-1].rates.items()} if versions else {}

    def convert(amount: Decimal, currency: str) -> Decimal:
        if currency == prod.currency:
            return amount
        if currency not in rates:
            raise InvalidInput(
                N_("no exchange rate for %(currency)s in the current budget"),
                field="currency",
                params={"currency": currency},
            )
        return cents(amount * rates[currency])

    return convert


def planned_cost(session: Session, prod: Production, plan: Plan, as_of: date) -> dict[str, Decimal]:
    """What a stored plan (current, baseline or scenario) still costs after `as_of`, per account: its ETC of labour."""
    accounts = budget.accounts(session, prod)
    if not accounts:
        raise NotFound(
            N_("%(title)r has no budget yet: postprod budget draft --from-plan"), params={"title": prod.title}
        )
    people = {p.id: p for p in prod.people}
    rooms = {r.id: r for r in prod.rooms}
    convert = _converter(prod, budget.versions(session, prod))
    return dict(_planned_cost(session, prod, plan, as_of, labour_rule(session, prod, accounts), people, rooms, convert))


def _planned_cost(
    session: Session,
    prod: Production,
    plan: Plan | None,
    as_of: date,
    rule: Rule,
    people: dict[int, Person],
    rooms: dict[int, Room],
    convert: Convert,
) -> dict[str, Decimal]:
    """The cost of the days the plan schedules after `as_of`, per account."""
    out: dict[str, Decimal] = defaultdict(Decimal)
    if plan is None:
        return out
    cal, _hours = production_calendar(session, prod)
    # The columns it needs, not PlanTask objects: a plan of 5,000 tasks is read on every cost report.
    rows = session.execute(
        select(PlanTask.start, PlanTask.finish, PlanTask.work_days, PlanTask.person_ids, PlanTask.room_id,
               PlanTask.task_id).where(PlanTask.plan_id == plan.id, PlanTask.finish > as_of)
    )  # fmt: skip
    for start, finish, work_days, person_ids, room_id, task_id in rows:
        if start > as_of:
            left = Decimal(work_days)
        else:
            left = Decimal(min(work_days, max(0, working_days_between(cal, as_of, finish))))
        if left <= 0:
            continue
        resources: list[tuple[str, int, Person | Room | None]] = [("person", p, people.get(p)) for p in person_ids]
        if room_id is not None:
            resources.append(("room", room_id, rooms.get(room_id)))
        for kind, rid, who in resources:
            found = rule(kind, rid, task_id)
            if who is None or found is None:
                continue
            cost = labour_cost(left, who.day_rate or ZERO, found[1])
            out[found[0]] += convert(cost, who.currency or prod.currency)
    return out


def snapshot(session: Session, prod: Production, as_of: date | None = None) -> CostSnapshot:
    """Freeze the cost report as of a date; a date already frozen keeps its report (no past report changes)."""
    as_of = as_of or date.today()
    existing = session.scalar(
        select(CostSnapshot).where(CostSnapshot.production_id == prod.id, CostSnapshot.as_of == as_of)
    )
    if existing is not None:
        raise Conflict(N_("the cost report of %(as_of)s is already frozen"), field="as_of", params={"as_of": as_of})
    snap = CostSnapshot(
        production_id=prod.id, as_of=as_of, taken_by=str(session.info.get("actor") or ""),
        report=report(session, prod, as_of).as_json(as_of.isoformat()),
    )  # fmt: skip
    session.add(snap)
    session.flush()
    return snap


def snapshots(session: Session, prod: Production) -> list[CostSnapshot]:
    return list(
        session.scalars(select(CostSnapshot).where(CostSnapshot.production_id == prod.id).order_by(CostSnapshot.as_of))
    )


# --- views ---------------------------------------------------------------------------------------


class VendorView(TypedDict):
    id: int
    name: str
    email: str
    country: str


@described(invoiced="Net invoiced against the order so far, in its currency", amount="Net of VAT (HT)")
class OrderView(TypedDict):
    id: int
    number: str
    vendor: str
    account: str
    description: str
    amount: str
    currency: str
    invoiced: str
    issued: str
    status: str
    version: int


@described(net="Net of VAT (HT)", vat="The VAT amount, kept apart")
class InvoiceView(TypedDict):
    id: int
    number: str
    vendor: str
    order: str | None
    account: str
    day: str
    net: str
    vat: str
    currency: str
    paid: bool
    overrun_note: str


@described(days="Working days: 1 is a full day")
class TimeEntryView(TypedDict):
    id: int
    person: str
    task: str | None
    day: str
    days: str
    note: str


class FiguresView(TypedDict):
    budget: str
    current_budget: str
    actual: str
    committed: str
    etc: str
    efc: str
    variance: str


class CostAccountView(FiguresView):
    code: str
    name: str


@described(totals="Every figure is the sum of the accounts above it; EFC = actual + committed + ETC")
class CostReportView(TypedDict):
    currency: str
    as_of: str
    accounts: list[CostAccountView]
    totals: FiguresView


class SnapshotView(TypedDict):
    as_of: str
    taken_by: str
    totals: FiguresView


def vendor_dict(v: Vendor) -> VendorView:
    return {"id": v.id, "name": v.name, "email": v.email, "country": v.country}


def order_dict(po: PurchaseOrder) -> OrderView:
    return {
        "id": po.id, "number": po.number, "vendor": po.vendor.name, "account": po.account,
        "description": po.description, "amount": as_json(po.amount), "currency": po.currency,
        "invoiced": as_json(invoiced(po)), "issued": po.issued.isoformat(), "status": po.status.value,
        "version": po.version,
    }  # fmt: skip


def invoice_dict(i: Invoice) -> InvoiceView:
    return {
        "id": i.id, "number": i.number, "vendor": i.vendor.name, "order": i.order.number if i.order else None,
        "account": i.account, "day": i.day.isoformat(), "net": as_json(i.net), "vat": as_json(i.vat),
        "currency": i.currency, "paid": i.paid, "overrun_note": i.overrun_note,
    }  # fmt: skip


def invoices(session: Session, prod: Production) -> list[Invoice]:
    return list(
        session.scalars(select(Invoice).where(Invoice.production_id == prod.id).order_by(Invoice.day, Invoice.id))
    )


def time_entry_dict(e: TimeEntry, names: dict[int, str], keys: dict[int, str]) -> TimeEntryView:
    return {
        "id": e.id, "person": names.get(e.person_id, ""), "task": keys.get(e.task_id) if e.task_id else None,
        "day": e.day.isoformat(), "days": format(Decimal(e.days).normalize(), "f"), "note": e.note,
    }  # fmt: skip


def report_view(session: Session, prod: Production, as_of: date | None = None) -> CostReportView:
    day = as_of or date.today()
    # The one renderer of the report's JSON is the engine's (`budget.report.Report.as_json`): this names its shape.
    return cast(CostReportView, report(session, prod, day).as_json(day.isoformat()))


def snapshot_dict(s: CostSnapshot) -> SnapshotView:
    return {"as_of": s.as_of.isoformat(), "taken_by": s.taken_by, "totals": s.report["totals"]}


def weekly_snapshots(session: Session, today: date | None = None) -> list[int]:
    """On a Monday, freeze the cost report of every production with a budget (once: the date is unique).

    The server's sweep calls it; the IDs of the productions snapped are returned.
    """
    from sqlalchemy.exc import IntegrityError  # two servers may race for the same Monday

    today = today or date.today()
    if today.weekday() != 0:
        return []
    with_budget = set(session.scalars(select(BudgetVersion.production_id).distinct()))
    done = set(session.scalars(select(CostSnapshot.production_id).where(CostSnapshot.as_of == today)))
    snapped = []
    for prod in session.scalars(select(Production).where(Production.id.in_(with_budget - done))):
        point = session.begin_nested()
        try:
            snapshot(session, prod, today)
            point.commit()
            snapped.append(prod.id)
        except (IntegrityError, Conflict):
            point.rollback()
    return snapped


class CreditView(TypedDict):
    id: str
    name: str
    source: str
    read_on: str
    rate: str
    eligible_to_date: str
    eligible_at_completion: str
    vfx_spend: str
    credit_at_completion: str


def tax_credits(session: Session, prod: Production, as_of: date | None = None) -> list[CreditView]:
    """Each tax credit's eligible spend to date and at completion, by the rules kept as data."""
    from postprod.budget import tax_credit  # the rules file only for this view

    versions = budget.versions(session, prod)
    if not versions:
        raise NotFound(
            N_("%(title)r has no budget yet: postprod budget draft --from-plan"), params={"title": prod.title}
        )
    ev = budget.engine_version(session, versions[-1])
    actual = {r.code: r.figures.actual for r in report(session, prod, as_of).rows}
    return [
        {
            "id": c.rule.id, "name": c.rule.name, "source": c.rule.source, "read_on": c.rule.read_on.isoformat(),
            "rate": format(c.rate.normalize(), "f"), "eligible_to_date": as_json(c.base_to_date),
            "eligible_at_completion": as_json(c.base_at_completion), "vfx_spend": as_json(c.vfx_spend),
            "credit_at_completion": as_json(c.at_completion),
        }
        for c in tax_credit.credits(tax_credit.default_rules(), ev.accounts, ev.lines, budget.sheet.compute(ev), actual)
    ]  # fmt: skip
