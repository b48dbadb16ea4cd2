"""The actuals behind a cost report figure, on both databases: the rows the report summed, adding up to its figures."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from postprod.errors import InvalidInput, NotFound
from postprod.services import budget, cost_detail, costs, planning
from postprod.services.budget_draft import draft_from_plan
from tests.core.factories import make_production

D = Decimal


def test_the_detail_adds_up_to_the_report_account_by_account(session: Session) -> None:
    prod = make_production(session)
    planning.plan_production(session, prod, time_limit=0, strict_due=False)
    budget.lock(session, draft_from_plan(session, prod).version)
    day = prod.start_date + timedelta(days=3)
    costs.add_vendor(session, prod, "Mikros")
    costs.add_order(session, prod, number="PO-1", vendor="Mikros", account="8.20", amount="10000", issued=day)
    costs.add_order(session, prod, number="PO-2", vendor="Mikros", account="8.20", amount="500", issued=day)
    costs.close_order(session, prod, "PO-2")  # closed: commits nothing
    costs.add_invoice(session, prod, vendor="Mikros", number="F-1", net="2500.50", order="PO-1", day=day)
    costs.add_invoice(session, prod, vendor="Mikros", number="F-2", net="99", account="8.20",
                      day=day + timedelta(days=30))  # after the report's date  # fmt: skip
    people = sorted(prod.people, key=lambda p: p.name)[:3]
    for i, p in enumerate(people):
        for k in range(4):
            costs.log_time(session, prod, person=p.name, day=prod.start_date + timedelta(days=k), days="0.5",
                           task=prod.tasks[i].key if i % 2 else None)  # fmt: skip
    as_of = day + timedelta(days=1)
    report = {r.code: r.figures for r in costs.report(session, prod, as_of).rows}
    busy = 0
    for code, figures in report.items():
        d = cost_detail.actuals_behind(session, prod, code, as_of)
        assert D(d["labour"]) + D(d["invoiced"]) == figures.actual, code
        assert D(d["committed"]) == figures.committed, code
        busy += bool(d["people"] or d["invoices"])
    assert busy >= 2  # the invoices' account and at least one person's account
    d = cost_detail.actuals_behind(session, prod, "8.20", as_of)
    # 8.20: F-1 only (F-2 is later); PO-1 still commits 10,000.00 - 2,500.50 = 7,499.50; PO-2 is closed.
    assert [i["number"] for i in d["invoices"]] == ["F-1"] and d["invoiced"] == "2500.50"
    assert [(o["number"], o["open"]) for o in d["orders"]] == [("PO-1", "7499.50")]
    logged = [p for code in report for p in cost_detail.actuals_behind(session, prod, code, as_of)["people"]]
    assert sorted(p["person"] for p in logged) == sorted(p.name for p in people)
    assert sum(D(p["days"]) for p in logged) == D(6)  # 3 people x 4 half days
    with pytest.raises(InvalidInput) as err:
        cost_detail.actuals_behind(session, prod, "99.99", as_of)
    assert err.value.field == "account"


def test_an_invoice_is_marked_paid_in_its_production_only(session: Session) -> None:
    prod = make_production(session)
    other = make_production(session, title="Another film")
    budget.create_version(session, prod)
    costs.add_vendor(session, prod, "Lab")
    inv = costs.add_invoice(session, prod, vendor="Lab", number="F-9", net="100", account="8.20", day=prod.start_date)
    assert not inv.paid
    assert costs.mark_paid(session, prod, inv.id).paid
    assert not costs.mark_paid(session, prod, inv.id, paid=False).paid
    with pytest.raises(NotFound):
        costs.mark_paid(session, other, inv.id)
