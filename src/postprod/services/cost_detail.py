"""What stands behind one account's figures in the cost report: its time, its invoices, its open orders.

The cost report (`services/costs.report`) sums; this lists the rows it summed for one account, as of
the same date and by the same rules: time valued per person as a timesheet line (the person's days in
the account at their rate plus fringes), invoices net of VAT, orders with what they still commit.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session
from typing_extensions import TypedDict

from postprod.budget.money import ZERO, as_json, cents
from postprod.budget.report import labour_cost, open_commitment
from postprod.model import Invoice, OrderStatus, Production, PurchaseOrder, Task, TimeEntry
from postprod.services import budget, costs

MAX_ROWS = 500  # rows of each kind listed; the totals always count every row


class TimeRow(TypedDict):
    person: str
    task: str | None
    day: str
    days: str


class PersonTime(TypedDict):
    person: str
    days: str
    cost: str
    currency: str


class InvoiceRow(TypedDict):
    id: int
    vendor: str
    number: str
    order: str | None
    day: str
    net: str
    currency: str
    paid: bool


class OrderRow(TypedDict):
    number: str
    vendor: str
    issued: str
    amount: str
    invoiced: str
    open: str
    currency: str


class DetailView(TypedDict):
    account: str
    name: str
    as_of: str
    currency: str
    time: list[TimeRow]
    people: list[PersonTime]
    invoices: list[InvoiceRow]
    orders: list[OrderRow]
    time_count: int
    invoice_count: int
    labour: str
    invoiced: str
    committed: str


def actuals_behind(session: Session, prod: Production, account: str, as_of: date | None = None) -> DetailView:
    """The time entries, invoices and open purchase orders behind one account as of a date."""
    as_of = as_of or date.today()
    accounts = budget.accounts(session, prod)
    acc = budget.get_account(session, prod, account)
    rule = costs.labour_rule(session, prod, accounts)
    people = {p.id: p for p in prod.people}
    keys = dict(session.execute(select(Task.id, Task.key).where(Task.production_id == prod.id)).all())

    time_rows: list[TimeRow] = []
    days_of: dict[tuple[int, Decimal], Decimal] = defaultdict(Decimal)
    count = 0
    entries = session.execute(
        select(TimeEntry.person_id, TimeEntry.task_id, TimeEntry.day, TimeEntry.days)
        .where(TimeEntry.production_id == prod.id, TimeEntry.day <= as_of)
        .order_by(TimeEntry.day.desc(), TimeEntry.id.desc())
    )
    for person_id, task_id, day, days in entries:
        found = rule("person", person_id, task_id)
        if found is None or found[0] != acc.code or person_id not in people:
            continue
        days_of[(person_id, found[1])] += Decimal(days)
        count += 1
        if len(time_rows) < MAX_ROWS:
            time_rows.append(
                {"person": people[person_id].name, "task": keys.get(task_id) if task_id else None,
                 "day": day.isoformat(), "days": format(Decimal(days).normalize(), "f")}
            )  # fmt: skip
    per_person: list[PersonTime] = []
    labour = ZERO
    for (person_id, fringe), days in sorted(days_of.items(), key=lambda kv: people[kv[0][0]].name):
        who = people[person_id]
        cost = labour_cost(days, who.day_rate or ZERO, fringe)
        currency = who.currency or prod.currency
        labour += costs.to_production_currency(session, prod, cost, currency)
        per_person.append(
            {"person": who.name, "days": format(days.normalize(), "f"), "cost": as_json(cost), "currency": currency}
        )

    inv_rows: list[InvoiceRow] = []
    billed = ZERO
    invoices = session.scalars(
        select(Invoice)
        .where(Invoice.production_id == prod.id, Invoice.account == acc.code, Invoice.day <= as_of)
        .order_by(Invoice.day.desc(), Invoice.id.desc())
    ).all()
    for i in invoices:
        billed += costs.to_production_currency(session, prod, cents(Decimal(i.net)), i.currency)
        if len(inv_rows) < MAX_ROWS:
            inv_rows.append(
                {"id": i.id, "vendor": i.vendor.name, "number": i.number, "order": i.order.number if i.order else None,
                 "day": i.day.isoformat(), "net": as_json(i.net), "currency": i.currency, "paid": i.paid}
            )  # fmt: skip

    order_rows: list[OrderRow] = []
    committed = ZERO
    orders = session.scalars(
        select(PurchaseOrder)
        .where(
            PurchaseOrder.production_id == prod.id,
            PurchaseOrder.account == acc.code,
            PurchaseOrder.issued <= as_of,
            PurchaseOrder.status == OrderStatus.OPEN,
        )
        .order_by(PurchaseOrder.number)
    ).all()
    for po in orders:
        done = sum((Decimal(i.net) for i in po.invoices if i.day <= as_of and i.currency == po.currency), ZERO)
        left = open_commitment(po.amount, cents(done))
        if left <= 0:
            continue
        committed += costs.to_production_currency(session, prod, left, po.currency)
        order_rows.append(
            {"number": po.number, "vendor": po.vendor.name, "issued": po.issued.isoformat(), "amount": as_json(po.amount),
             "invoiced": as_json(done), "open": as_json(left), "currency": po.currency}
        )  # fmt: skip
    return {
        "account": acc.code, "name": acc.name, "as_of": as_of.isoformat(), "currency": prod.currency,
        "time": time_rows, "people": per_person, "invoices": inv_rows, "orders": order_rows,
        "time_count": count, "invoice_count": len(invoices), "labour": as_json(labour), "invoiced": as_json(billed),
        "committed": as_json(committed),
    }  # fmt: skip
