"""What the post costs, on both databases: orders and invoices, time, and the forecast that follows the plan."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from postprod.budget.money import ZERO, cents
from postprod.cli.main import app
from postprod.errors import Conflict, PostprodError
from postprod.model import Invoice, PlanTask, Production
from postprod.planning.calendar import working_days_between
from postprod.services import budget, costs, planning
from postprod.services.budget_draft import draft_from_plan
from postprod.services.planning.store import production_calendar
from tests.core.factories import make_production

D = Decimal


def _planned(session: Session) -> Production:
    prod = make_production(session)
    planning.plan_production(session, prod, time_limit=0, strict_due=False)
    budget.lock(session, draft_from_plan(session, prod).version)
    return prod


def _row(session: Session, prod: Production, code: str, as_of: date) -> object:
    return {r.code: r for r in costs.report(session, prod, as_of).rows}[code]


def test_orders_commit_until_invoiced_and_an_overrun_needs_a_note(session: Session) -> None:
    prod = _planned(session)
    costs.add_vendor(session, prod, "Studio Lumière", country="fr")
    day = prod.start_date + timedelta(days=10)
    costs.add_order(session, prod, number="PO-001", vendor="studio lumière", account="8.20", amount="30 000,00",
                    issued=day)  # fmt: skip
    costs.add_invoice(session, prod, vendor="Studio Lumière", number="F-1", net="12000", vat="2400", order="PO-001",
                      day=day + timedelta(days=5))  # fmt: skip
    row = _row(session, prod, "8.20", day + timedelta(days=6))
    # Actual 12,000.00; committed 30,000.00 - 12,000.00 = 18,000.00; no budget for 8.20: ETC 0; EFC 30,000.00
    assert (row.figures.actual, row.figures.committed, row.figures.etc, row.figures.efc) == (  # type: ignore[attr-defined]
        D("12000.00"), D("18000.00"), D("0.00"), D("30000.00"),
    )  # fmt: skip
    before = session.scalar(select(func.count()).select_from(Invoice))
    with pytest.raises(Conflict, match=r"takes purchase order PO-001 2000.00 EUR over its 30000.00") as err:
        costs.add_invoice(session, prod, vendor="Studio Lumière", number="F-2", net="20000", order="PO-001",
                          day=day + timedelta(days=7))  # fmt: skip
    assert err.value.field == "overrun_note" and session.scalar(select(func.count()).select_from(Invoice)) == before
    costs.add_invoice(session, prod, vendor="Studio Lumière", number="F-2", net="20000", order="PO-001",
                      day=day + timedelta(days=7), overrun_note="Two more shots agreed at the screening")  # fmt: skip
    row = _row(session, prod, "8.20", day + timedelta(days=8))
    assert (row.figures.actual, row.figures.committed) == (D("32000.00"), D("0.00"))  # type: ignore[attr-defined]
    # Before the second invoice's date, it is not an actual yet: the report as of a date is as it was then.
    row = _row(session, prod, "8.20", day + timedelta(days=6))
    assert (row.figures.actual, row.figures.committed) == (D("12000.00"), D("18000.00"))  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"number": "PO-9", "vendor": "Nobody", "account": "8.20", "amount": "1"}, "vendor", "no vendor 'Nobody'"),
        ({"number": "PO-9", "vendor": "Lab", "account": "9.99", "amount": "1"}, "account", "unknown account"),
        ({"number": "PO-9", "vendor": "Lab", "account": "8.20", "amount": "-5"}, "amount", "negative"),
        ({"number": "PO-9", "vendor": "Lab", "account": "8.20", "amount": "1", "currency": "CAD"}, "currency",
         "no exchange rate for CAD"),
        ({"number": "PO-9", "vendor": "Lab", "account": "8.20", "amount": "1", "issued": "2099-01-01"}, "issued",
         "outside the production"),
    ],
)  # fmt: skip
def test_bad_orders_are_refused_naming_the_field(
    session: Session, values: dict[str, str], field: str, message: str
) -> None:
    prod = _planned(session)
    costs.add_vendor(session, prod, "Lab")
    with pytest.raises(PostprodError, match=message) as err:
        costs.add_order(session, prod, **values)  # type: ignore[arg-type]
    assert getattr(err.value, "field", None) == field


def test_time_is_valued_at_the_rate_with_fringes_and_the_plan_gives_the_rest(session: Session) -> None:
    prod = _planned(session)
    plan = planning.current_plan(session, prod)
    assert plan is not None
    cal, _ = production_calendar(session, prod)
    as_of = prod.start_date + timedelta(days=30)
    fringe = budget.fringes(session, prod)["intermittents"]

    def etc_by_hand() -> Decimal:
        """Every person's and room's days the plan schedules after the date, at their rates (people with fringes)."""
        people = {p.id: p for p in prod.people}
        rooms = {r.id: r for r in prod.rooms}
        total = ZERO
        current = planning.current_plan(session, prod)
        for t in session.scalars(select(PlanTask).where(PlanTask.plan_id == current.id)):  # type: ignore[union-attr]
            if t.finish <= as_of:
                continue
            left = (
                D(t.work_days) if t.start > as_of else D(min(t.work_days, working_days_between(cal, as_of, t.finish)))
            )
            for pid in t.person_ids:
                sub = cents(left * (people[pid].day_rate or 0))
                total += sub + cents(sub * fringe / 100)
            if t.room_id is not None:
                total += cents(left * (rooms[t.room_id].day_rate or 0))
        return total

    report = costs.report(session, prod, as_of)
    labour = sum((r.figures.etc for r in report.rows if r.etc_source == "plan"), ZERO)
    assert labour == etc_by_hand() and labour > 0
    # A day of time logged: the person's rate plus 65 % of fringes, in the account of their budget line.
    editor = next(p for p in prod.people if p.day_rate)
    line = next(
        x for x in budget.get_version(session, prod).lines if x.link_type == "person" and x.link_id == editor.id
    )
    costs.log_time(session, prod, person=editor.name, day=as_of, days="1")
    row = _row(session, prod, line.account, as_of)
    sub = cents(editor.day_rate or 0)
    assert row.figures.actual == sub + cents(sub * fringe / 100)  # type: ignore[attr-defined]
    # A replan that slips a task moves the forecast by exactly the moved days at the rates.
    key = next(
        t.task_key for t in session.scalars(select(PlanTask).where(PlanTask.plan_id == plan.id).order_by(PlanTask.start))
        if t.start > as_of and t.person_ids
    )  # fmt: skip
    before = costs.report(session, prod, as_of).totals.etc
    planning.replan_production(session, prod, planning.Incidents(slips=[(key, 5)]), time_limit=0, today=as_of)
    after = costs.report(session, prod, as_of)
    assert sum((r.figures.etc for r in after.rows if r.etc_source == "plan"), ZERO) == etc_by_hand()
    assert after.totals.etc != before


def test_a_snapshot_never_changes_and_the_cli_prints_the_report_as_json(cli_db: str) -> None:
    runner = CliRunner()
    # the demo comes with its budget locked and revised (services/demo_budget.py)
    for args in (["demo"], ["cost", "snapshot", "--as-of", "2027-01-04"]):
        r = runner.invoke(app, args)
        assert r.exit_code == 0, (args, r.output)
    r = runner.invoke(app, ["cost", "snapshot", "--as-of", "2027-01-04"])
    assert r.exit_code == 2 and "already frozen" in r.stderr
    r = runner.invoke(app, ["cost", "report", "--as-of", "2027-01-04", "--json"])
    assert r.exit_code == 0
    import json

    data = json.loads(r.stdout)
    assert set(data) == {"currency", "as_of", "accounts", "totals"} and data["currency"] == "EUR"
    keys = {"code", "name", "budget", "current_budget", "actual", "committed", "etc", "efc", "variance"}
    assert all(set(a) == keys for a in data["accounts"])
    for a in [*data["accounts"], data["totals"]]:
        assert D(a["efc"]) == D(a["actual"]) + D(a.get("committed", "0")) + D(a["etc"])
        assert all(isinstance(a[k], str) and a[k].count(".") == 1 and len(a[k].split(".")[1]) == 2
                   for k in keys - {"code", "name"})  # fmt: skip
    r = runner.invoke(app, ["cost", "trend", "--json"])
    assert r.exit_code == 0 and json.loads(r.stdout)[-1]["as_of"] == "2027-01-04"
    r = runner.invoke(app, ["invoice", "add", "Nobody", "F-1", "--net", "1", "--account", "8.20"])
    assert r.exit_code == 2 and r.stderr.strip().splitlines() == ["error: no vendor 'Nobody' in 'Les Heures Claires'"]


def test_export_and_import_carry_the_budget_and_the_costs(session: Session) -> None:
    import json

    from postprod.services import transfer

    prod = _planned(session)
    costs.add_vendor(session, prod, "Studio Lumière")
    day = prod.start_date + timedelta(days=10)
    costs.add_order(session, prod, number="PO-1", vendor="Studio Lumière", account="8.20", amount="3000", issued=day)
    costs.add_invoice(session, prod, vendor="Studio Lumière", number="F-1", net="1200", order="PO-1", day=day)
    editor = next(p for p in prod.people if p.day_rate)
    costs.log_time(session, prod, person=editor.name, day=day, days="1")
    budget.revise(session, prod, budget.get_version(session, prod), "A second editor for four weeks")
    costs.snapshot(session, prod, day)
    doc = transfer.export_production(session, prod)
    text = json.dumps(doc, default=str)
    copy = transfer.import_production(session, transfer.read_document(text, "copy.json"), title="Copy")
    as_of = day + timedelta(days=1)
    # The plan is not in the export (a copy is planned again), so the plan's ETC aside, the reports agree.
    keys = ("code", "budget", "current_budget", "actual", "committed")

    def figures(p: Production) -> list[tuple[str, ...]]:
        return [tuple(a[k] for k in keys) for a in costs.report_view(session, p, as_of)["accounts"]]  # type: ignore[literal-required]

    assert figures(copy) == figures(prod)
    a, b = budget.get_version(session, prod), budget.get_version(session, copy)
    assert b.number == 2 and b.reason == a.reason and b.parent_id == budget.get_version(session, copy, 1).id
    assert budget.budget_view(session, copy, b)["total"] == budget.budget_view(session, prod, a)["total"]
    linked = [(x.link_type, x.link_id) for x in b.lines if x.link_type == "person"]
    assert linked and all(pid in {p.id for p in copy.people} for _t, pid in linked)
    assert [s.report for s in costs.snapshots(session, copy)] == [s.report for s in costs.snapshots(session, prod)]
    broken = json.loads(text)
    broken["budget"]["invoices"][0]["vendor"] = "Nobody"
    with pytest.raises(PostprodError, match=r"copy.json: budget.invoices.0.vendor: unknown vendor 'Nobody'"):
        transfer.import_production(
            session, transfer.read_document(json.dumps(broken), "copy.json"), title="Copy 2", path="copy.json"
        )


def test_the_sweep_freezes_the_cost_reports_each_monday_once(engine: Any) -> None:
    from postprod import db
    from postprod.jobs.runner import JobSweeper
    from postprod.model import CostSnapshot

    with db.session_scope(engine, actor="test") as s:  # committed: the sweeper reads with its own sessions
        prod = _planned(s)
        pid, start = prod.id, prod.start_date
    monday = start + timedelta(days=(7 - start.weekday()) % 7 or 7)
    sweeper = JobSweeper(engine, lambda _job: None)
    sweeper.weekly(monday - timedelta(days=1))  # a Sunday: nothing
    sweeper.weekly(monday)
    sweeper.weekly(monday)  # the same Monday again, and another server's round: still one
    with db.session_scope(engine, actor="test") as s:
        assert costs.weekly_snapshots(s, monday) == []
        snaps = s.scalars(select(CostSnapshot).where(CostSnapshot.production_id == pid)).all()
        assert [x.as_of for x in snaps] == [monday] and snaps[0].taken_by == "weekly cost report"
        s.delete(s.get(Production, pid))  # the engine's tables are shared by the module's tests
