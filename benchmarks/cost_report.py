"""The cost report on a big budget: 2,000 lines, 50,000 time entries, 5,000 invoices (SQLite).

Builds the production with bulk inserts (the feature-film template with its crew, planned), a locked
budget of 2,000 lines and a revision of it, 500 purchase orders with 5,000 invoices against them and
50,000 time entries, then times `services.costs.report` (what `postprod cost report` and the API
compute) several times and prints the median against the issue's 300 ms. The anchor is SQLite
summing the same invoices and time entries per account with GROUP BY, in the same run: the floor
of reading the rows, without budgets, fringes, conversion or the plan. Then the budget page (the
tree, its accounts collapsed, and one account opened) and the cost report page are fetched through
the app as the supervisor, and their medians printed against the issue's 150 ms.

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
    pages(engine, pid, args.repeat, (prod.start_date + timedelta(days=150)).isoformat())


def pages(engine: object, pid: int, repeat: int, as_of: str) -> None:
    """The budget and cost report pages through the app (sign-in by token, rendering, the response)."""
    from fastapi.testclient import TestClient  # the pages only for this part

    from postprod.app import create_app
    from postprod.services import users

    with db.session_scope(engine) as s:  # type: ignore[arg-type]
        user = users.create_user(s, username="bench-supervisor", password="bench-supervisor-pw")
        users.grant(s, user, get_production(s, pid), users.Role.SUPERVISOR)
        token = users.create_token(s, user, "bench")[1]
    app = create_app(engine=engine, webhooks=False)  # type: ignore[arg-type]
    with TestClient(app, headers={"Authorization": f"Bearer {token}"}) as client:
        for label, url in (
            ("budget page", f"/p/{pid}/budget"),
            ("budget page, one account open", f"/p/{pid}/budget?version=1&account=2.10"),
            ("cost report page", f"/p/{pid}/costs?as_of={as_of}"),
        ):
            times = []
            for _ in range(repeat + 1):  # the first warms the templates
                t0 = time.perf_counter()
                r = client.get(url)
                times.append(time.perf_counter() - t0)
                assert r.status_code == 200, (url, r.status_code, r.text[:300])
            med = statistics.median(times[1:])
            print(
                f"{label}: median {med * 1000:.0f} ms over {repeat} runs, {len(r.content) // 1024} KiB "
                f"(target 150 ms): {'met' if med <= 0.15 else 'missed'}"
            )
    app.state.jobs.shutdown()


if __name__ == "__main__":
    main()
