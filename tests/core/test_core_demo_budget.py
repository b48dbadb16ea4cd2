"""The demo's money: a budget from its plan, locked and revised, time, orders and invoices, weekly snapshots.

On both databases; the round trip exports the demo and imports it into a new (SQLite) database.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from postprod import db
from postprod.model import BudgetStatus, Production
from postprod.services import budget, costs, transfer
from postprod.services.demo import create_demo
from postprod.services.demo_budget import REVISION_NAME

TODAY = date(2026, 11, 27)  # a Friday: six Mondays since the demo's start, six weeks ago
FIGURES = ("budget", "current_budget", "actual", "committed", "etc", "efc", "variance")


def _consistent(report: dict) -> None:  # type: ignore[type-arg]
    """EFC = actual + committed + ETC and variance = current budget - EFC, for every account and the totals."""
    for row in [*report["accounts"], report["totals"]]:
        d = {k: Decimal(row[k]) for k in FIGURES}
        assert d["efc"] == d["actual"] + d["committed"] + d["etc"], row
        assert d["variance"] == d["current_budget"] - d["efc"], row
        assert all(row[k] == format(d[k], "f") and d[k].as_tuple().exponent == -2 for k in FIGURES), row
    for k in FIGURES:
        assert Decimal(report["totals"][k]) == sum(Decimal(a[k]) for a in report["accounts"]), k


def test_the_demo_comes_with_a_locked_budget_a_revision_and_costs_to_date(session: Session) -> None:
    prod, _ = create_demo(session, today=TODAY)
    v1, v2 = budget.versions(session, prod)
    assert v1.status == BudgetStatus.LOCKED and v2.status != BudgetStatus.LOCKED
    assert v2.name == REVISION_NAME and v2.reason.startswith("Fin alternative") and v2.parent_id == v1.id
    assert len(v1.lines) > 20 and all(line.rate > 0 for line in v1.lines if line.unit in ("language", "cue"))
    times = costs.time_entries(session, prod)
    assert len({e.day.isocalendar()[1] for e in times}) >= 5 and all(e.day < TODAY for e in times)
    assert all(e.day.weekday() < 5 for e in times)
    orders = {po.number: po for po in costs.orders(session, prod)}
    partly = [po for po in orders.values() if 0 < costs.invoiced(po) < po.amount]
    paid = [po for po in orders.values() if costs.invoiced(po) == po.amount and all(i.paid for i in po.invoices)]
    assert partly and paid and len(costs.vendors(session, prod)) >= 3
    snaps = costs.snapshots(session, prod)
    assert [s.as_of.weekday() for s in snaps] == [0] * 6 and snaps[-1].as_of == date(2026, 11, 23)
    trend = [Decimal(s.report["totals"]["efc"]) for s in snaps]
    assert len(set(trend)) > 1  # the trend moves
    report = costs.report_view(session, prod, TODAY)
    _consistent(report)  # type: ignore[arg-type]
    for s in snaps:
        _consistent(s.report)
    totals = report["totals"]
    assert Decimal(totals["actual"]) > 0 and Decimal(totals["committed"]) > 0 and Decimal(totals["etc"]) > 0
    assert totals["budget"] != totals["current_budget"]  # the revision moved the current budget
    # the figures the demo's orders and invoices put in the VFX account, by hand:
    # orders 12,000 (4,800 invoiced) and 6,500 -> actual 4,800, committed 7,200 + 6,500 = 13,700
    vfx = next(a for a in report["accounts"] if a["code"] == "8.20")
    assert (vfx["actual"], vfx["committed"]) == ("4800.00", "13700.00")


def test_the_demo_survives_export_and_import_into_a_new_database_to_the_cent(session: Session, tmp_path: Path) -> None:
    from postprod.services import planning as planning_ops

    prod, _ = create_demo(session, today=TODAY)
    before = costs.report_view(session, prod, TODAY)
    text = json.dumps(transfer.export_production(session, prod), default=str)
    engine = db.make_engine(f"sqlite:///{tmp_path / 'other.db'}")
    db.migrate(engine)
    with Session(bind=engine, expire_on_commit=False) as other:
        other.info["actor"] = "tester"
        copy = transfer.import_production(other, transfer.read_document(text, "demo.json"))
        assert other.scalars(select(Production)).one().title == prod.title
        # the plan is not exported: the copy is planned again, as the demo was, and its ETC is the same
        planning_ops.plan_production(other, copy, time_limit=0, today=TODAY, strict_due=False)
        after = costs.report_view(other, copy, TODAY)
        assert after == before
        assert [s.report for s in costs.snapshots(other, copy)] == [s.report for s in costs.snapshots(session, prod)]
        a, b = budget.versions(other, copy)
        assert (a.status, b.name, b.reason, b.parent_id) == (
            BudgetStatus.LOCKED,
            REVISION_NAME,
            budget.versions(session, prod)[1].reason,
            a.id,
        )
        assert len(costs.time_entries(other, copy)) == len(costs.time_entries(session, prod))
        assert [(po.number, costs.invoiced(po)) for po in costs.orders(other, copy)] == [
            (po.number, costs.invoiced(po)) for po in costs.orders(session, prod)
        ]
    engine.dispose()
