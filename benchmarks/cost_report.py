"""The cost report on a big budget: 2,000 lines, 50,000 time entries, 5,000 invoices (SQLite).

Builds the production with bulk inserts (the feature-film template with its crew, planned), a locked
budget of 2,000 lines and a revision of it, 500 purchase orders with 5,000 invoices against them and
50,000 time entries, then times `services.costs.report` (what `postprod cost report` and the API
compute) several times and prints the median against the issue's 300 ms. The anchor is SQLite
summing the same invoices and time entries per account with GROUP BY, in the same run: the floor
of reading the rows, without budgets, fringes, conversion or the plan.

    python benchmarks/cost_report.py [--repeat 7] [--url sqlite:///...]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, insert, select

from postprod import db
from postprod.model import BudgetLine, Invoice, PurchaseOrder, TimeEntry
from postprod.services import budget, costs, planning, productions
from postprod.services.common import get_production

NOW = datetime.now(UTC)


def build(url: str, lines: int, entries: int, invoices: int) -> int:
    engine = db.make_engine(url)
    db.migrate(engine)
    rng = random.Random(7)
    with db.session_scope(engine, actor="bench") as s:
        prod = productions.create_production(s, title="Big film", template="feature-film", with_crew=True)
        planning.plan_production(s, prod, time_limit=0, strict_due=False)
        v = budget.create_version(s, prod, rates={"GBP": "1.1725"})
        codes = [a.code for a in budget.accounts(s, prod)]
        s.execute(
            insert(BudgetLine),
            [
                {"production_id": prod.id, "budget_id": v.id, "position": i, "account": rng.choice(codes),
                 "description": f"Line {i}", "quantity": Decimal(rng.randint(1, 60)), "unit": "day",
                 "rate": Decimal(rng.randint(100, 2000)) + Decimal("0.25"), "currency": rng.choice(["EUR", "GBP"]),
                 "fringe": rng.choice([None, "intermittents"]), "vat_rate": Decimal(20), "in_france": True,
                 "note": ""}
                for i in range(lines)
            ],
        )  # fmt: skip
        s.expire_all()
        budget.lock(s, v)
        budget.revise(s, prod, v, "bench")
        vendors = [costs.add_vendor(s, prod, f"Vendor {i}").id for i in range(20)]
        start = prod.start_date
        s.execute(
            insert(PurchaseOrder),
            [
                {"production_id": prod.id, "number": f"PO-{i}", "vendor_id": vendors[i % 20],
                 "account": rng.choice(codes), "description": "", "amount": Decimal(rng.randint(5000, 90000)),
                 "currency": "EUR", "issued": start + timedelta(days=rng.randint(0, 200)), "status": "open",
                 "version": 1, "created_at": NOW, "updated_at": NOW}
                for i in range(invoices // 10)
            ],
        )  # fmt: skip
        orders = list(s.scalars(select(PurchaseOrder.id).where(PurchaseOrder.production_id == prod.id)))
        accounts_of = dict(s.execute(select(PurchaseOrder.id, PurchaseOrder.account)).all())
        vendor_of = dict(s.execute(select(PurchaseOrder.id, PurchaseOrder.vendor_id)).all())
        rows = []
        for i in range(invoices):
            order = orders[i % len(orders)]
            rows.append(
                {"production_id": prod.id, "vendor_id": vendor_of[order], "number": f"F-{i}", "order_id": order,
                 "account": accounts_of[order], "day": start + timedelta(days=rng.randint(0, 300)),
                 "net": Decimal(rng.randint(100, 5000)), "vat": Decimal(0), "currency": "EUR", "paid": False,
                 "overrun_note": "", "version": 1, "created_at": NOW, "updated_at": NOW}
            )  # fmt: skip
        s.execute(insert(Invoice), rows)
        people = [p.id for p in prod.people]
        task_ids = [t.id for t in prod.tasks]
        s.execute(
            insert(TimeEntry),
            [
                {"production_id": prod.id, "person_id": rng.choice(people), "task_id": rng.choice(task_ids),
                 "day": start + timedelta(days=rng.randint(0, 300)), "days": Decimal("0.5") * rng.randint(1, 2),
                 "note": "", "logged_by": "bench", "version": 1, "created_at": NOW, "updated_at": NOW}
                for _ in range(entries)
            ],
        )  # fmt: skip
        return prod.id


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--url", default=None)
    ap.add_argument("--lines", type=int, default=2000)
    ap.add_argument("--entries", type=int, default=50_000)
    ap.add_argument("--invoices", type=int, default=5000)
    args = ap.parse_args()
    url = args.url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'costs.db'}"
    began = time.perf_counter()
    pid = build(url, args.lines, args.entries, args.invoices)
    print(
        f"built in {time.perf_counter() - began:.1f} s: {args.lines} lines, {args.entries} time entries, {args.invoices} invoices"
    )
    engine = db.make_engine(url)
    ours, anchor = [], []
    for _ in range(args.repeat):
        with db.session_scope(engine) as s:
            prod = get_production(s, pid)
            t0 = time.perf_counter()
            r = costs.report(s, prod, prod.start_date + timedelta(days=150))
            ours.append(time.perf_counter() - t0)
        with db.session_scope(engine) as s:
            t0 = time.perf_counter()
            s.execute(select(Invoice.account, func.sum(Invoice.net)).group_by(Invoice.account)).all()
            s.execute(select(TimeEntry.person_id, TimeEntry.task_id, func.sum(TimeEntry.days)).group_by(
                TimeEntry.person_id, TimeEntry.task_id)).all()  # fmt: skip
            anchor.append(time.perf_counter() - t0)
    med, floor = statistics.median(ours), statistics.median(anchor)
    print(
        f"cost report: median {med * 1000:.0f} ms over {args.repeat} runs (target 300 ms): {'met' if med <= 0.3 else 'missed'}"
    )
    print(
        f"anchor, SQLite GROUP BY of the same invoices and time: median {floor * 1000:.0f} ms; ratio {med / floor:.1f}x"
    )
    print(f"EFC {r.totals.efc} {r.currency}, {len(r.rows)} accounts")


if __name__ == "__main__":
    main()
