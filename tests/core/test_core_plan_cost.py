"""Plan compare's cost beside the dates: the difference is the moved days at the rates and fringes (both databases)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from postprod.budget.money import ZERO, cents
from postprod.cli.main import app
from postprod.model import PlanTask, Production
from postprod.planning.calendar import working_days_between
from postprod.services import budget, money, planning
from postprod.services.budget_draft import draft_from_plan
from postprod.services.plan_cost import compare_cost, with_cost
from postprod.services.planning.store import production_calendar
from postprod.services.users import Grant
from tests.core.factories import make_production


def _left(session: Session, prod: Production, plan_id: int, as_of: object) -> dict[tuple[str, int], Decimal]:
    """Each person's and room's working days a plan still schedules after the date."""
    cal, _ = production_calendar(session, prod)
    out: dict[tuple[str, int], Decimal] = {}
    for t in session.scalars(select(PlanTask).where(PlanTask.plan_id == plan_id)):
        if t.finish <= as_of:  # type: ignore[operator]
            continue
        days = Decimal(t.work_days if t.start > as_of else min(t.work_days, working_days_between(cal, as_of, t.finish)))  # type: ignore[operator,arg-type]
        for key in [("person", p) for p in t.person_ids] + ([("room", t.room_id)] if t.room_id else []):
            out[key] = out.get(key, ZERO) + days
    return out


def test_the_cost_difference_is_the_moved_days_at_the_rates(session: Session) -> None:
    prod = make_production(session)
    planning.plan_production(session, prod, time_limit=0, strict_due=False)
    budget.lock(session, draft_from_plan(session, prod).version)
    planning.set_baseline(session, prod)
    as_of = prod.start_date + timedelta(days=10)
    # three more grading days in a scenario: the colourist (700.00 a day) in the grading suite (900.00 a day)
    extra = planning.parse_new_task("GRD-EXTRA:3:grading:skills=colourist:room=grading-suite:after=GRD-GRADE")
    planning.replan_production(session, prod, planning.Incidents(added=[extra]), time_limit=0, today=as_of)
    data = planning.compare_plans(session, prod)
    cost = compare_cost(session, prod, data["baseline"]["id"], data["scenario"]["id"], as_of)
    assert cost is not None
    # by hand: every person's and room's days after the date, on each side, at rate (+ 65 % fringes for people)
    fringe = budget.fringes(session, prod)["intermittents"]
    rates = {("person", p.id): p.day_rate or ZERO for p in prod.people} | {
        ("room", r.id): r.day_rate or ZERO for r in prod.rooms
    }

    def priced(days: dict[tuple[str, int], Decimal]) -> Decimal:
        total = ZERO
        for key, d in days.items():
            sub = cents(d * rates[key])
            total += sub + (cents(sub * fringe / 100) if key[0] == "person" else ZERO)
        return total

    before = priced(_left(session, prod, data["baseline"]["id"], as_of))
    after = priced(_left(session, prod, data["scenario"]["id"], as_of))
    assert (Decimal(cost["reference"]), Decimal(cost["compared"])) == (before, after)
    assert Decimal(cost["difference"]) == after - before
    # and by hand: 3 x 700.00 = 2,100.00 + 65 % = 3,465.00 in 2.30; 3 x 900.00 = 2,700.00 in 7.40 (the replan
    # from the date also moves work that straddles it: the editors' lines, counted above)
    moved = {a["code"]: a["difference"] for a in cost["accounts"]}
    assert (moved["2.30"], moved["7.40"]) == ("3465.00", "2700.00")
    assert sum(Decimal(a["difference"]) for a in cost["accounts"]) == after - before
    # money: gone for a role without the budget right, kept for the supervisor
    full = with_cost(session, prod, data, as_of)
    lead = [Grant("department-lead", prod.id, department="picture-editing")]
    assert "cost_difference" in full and "cost_difference" not in money.gate(lead, prod.id, full)
    sup = [Grant("supervisor", prod.id)]
    assert money.gate(sup, prod.id, full)["cost_difference"] == cost


def test_no_budget_no_cost_and_the_cli_prints_it(cli_db: str) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["demo"]).exit_code == 0
    r = runner.invoke(app, ["plan", "compare"])
    assert r.exit_code == 0 and "cost of the days left after" in r.stdout
    r = runner.invoke(app, ["plan", "compare", "--json"])
    import json

    cost = json.loads(r.stdout)["cost_difference"]
    assert Decimal(cost["difference"]) == Decimal(cost["compared"]) - Decimal(cost["reference"])
    r = runner.invoke(app, ["plan", "compare", "nowhere"])
    assert r.exit_code == 2 and len(r.stderr.strip().splitlines()) == 1
