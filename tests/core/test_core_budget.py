"""The production's budget in the database, on both: versions, lines, lock and revise, compare, refusals."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from postprod.cli.main import app
from postprod.errors import Conflict, InvalidInput
from postprod.model import AuditEntry, BudgetLine, BudgetStatus, Person
from postprod.services import budget, money
from postprod.services.budget_compare import compare
from postprod.services.notes import audit_dict
from tests.core.factories import make_production

D = Decimal


def _budget(session: Session) -> tuple[object, object]:
    prod = make_production(session)
    v = budget.create_version(session, prod, rates={"GBP": "1.1725"})
    # The worked example of tests/budget: 2.10 = 16,500.00 + 10,725.00 of fringes; 8.20 = 25,900.00 GBP
    # = 30,367.75 EUR (VAT 6,073.55 apart); overhead 7 % of all but chapter 10 = 3,230.96 (base 46,156.75... see below)
    budget.add_line(session, prod, v, account="2.10", description="Chef monteur image", quantity="40", unit="day",
                    rate="412,50", fringe="intermittents")  # fmt: skip
    budget.add_line(session, prod, v, account="8.20", description="VFX (London)", quantity=14, unit="shot",
                    rate="1 850", currency="gbp", vat_rate="20", in_france=False)  # fmt: skip
    budget.add_percent_line(session, prod, v, "Frais généraux", "10.1", "7", excluding=["10"])
    return prod, v


def test_lines_computed_from_the_database_add_up_to_the_cent(session: Session) -> None:
    prod, v = _budget(session)
    view = budget.budget_view(session, prod, v)  # type: ignore[arg-type]
    # Overhead: 7 % of (27,225.00 + 30,367.75) = 57,592.75 x 0.07 = 4,031.4925 -> 4,031.49
    # Total HT: 27,225.00 + 30,367.75 + 4,031.49 = 61,624.24; VAT apart 6,073.55
    assert view["total"] == {
        "subtotal": "46867.75", "fringe": "10725.00", "percent": "4031.49", "vat": "6073.55", "total": "61624.24",
    }  # fmt: skip
    assert [(x["account"], x["rate"], x["native"], x["subtotal"]) for x in view["lines"]] == [
        ("2.10", "412.5", "16500.00", "16500.00"),
        ("8.20", "1850", "25900.00", "30367.75"),
    ]
    chapters = {c["code"]: c["totals"]["total"] for c in view["chapters"]}
    assert chapters["2"] == "27225.00" and chapters["8"] == "30367.75" and chapters["10"] == "4031.49"
    assert [{k: x for k, x in p.items() if k != "id"} for p in view["percent_lines"]] == [
        {"name": "Frais généraux", "account": "10.1", "percent": "7", "base": "57592.75", "amount": "4031.49"}
    ]


def test_a_locked_version_refuses_every_edit_and_a_revision_carries_it(session: Session) -> None:
    prod, v = _budget(session)
    budget.lock(session, v)  # type: ignore[arg-type]
    line = v.lines[0]  # type: ignore[attr-defined]
    for edit in (
        lambda: budget.add_line(session, prod, v, account="8.40", rate="1"),  # type: ignore[arg-type]
        lambda: budget.update_line(session, prod, v, line.id, rate="1"),  # type: ignore[arg-type]
        lambda: budget.delete_line(session, v, line.id),  # type: ignore[arg-type]
        lambda: budget.set_rate(session, v, "CAD", "0.68"),  # type: ignore[arg-type]
        lambda: budget.add_percent_line(session, prod, v, "Imprévus", "10.2", "10"),  # type: ignore[arg-type]
        lambda: budget.lock(session, v),  # type: ignore[arg-type]
    ):
        with pytest.raises(Conflict, match="budget version 1 is locked"):
            edit()
    assert line.rate == D("412.5") and len(v.lines) == 2  # type: ignore[attr-defined]
    rev = budget.revise(session, prod, v, "Mix stage added after the director's cut screening")  # type: ignore[arg-type]
    budget.add_line(session, prod, rev, account="8.40", description="Mix day", quantity=1, unit="day", rate="1333.34")  # type: ignore[arg-type]
    assert rev.status == BudgetStatus.DRAFT and rev.number == 2 and len(rev.lines) == 3
    assert budget.get_version(session, prod, "original").id == v.id  # type: ignore[arg-type,attr-defined]
    assert budget.get_version(session, prod).id == rev.id  # type: ignore[arg-type]
    cmp = compare(session, prod, v, rev)  # type: ignore[arg-type]
    # 1,333.34 more, and 7 % overhead on it: 93.3338 -> overhead 4,124.83 (was 4,031.49): +93.34
    assert cmp["difference"] == "1426.68"
    assert {a["code"]: a["difference"] for a in cmp["accounts"]} == {"8.40": "1333.34", "10.1": "93.34"}
    assert cmp["lines"] == [
        {"account": "8.40", "description": "Mix day", "change": "added", "before": None, "after": "1333.34",
         "difference": "1333.34"}
    ]  # fmt: skip


def test_renumbering_an_account_follows_it_into_every_version(session: Session) -> None:
    prod, v = _budget(session)
    budget.lock(session, v)  # type: ignore[arg-type]
    budget.update_account(session, prod, "2.10", new_code="2.101", name="Chef monteur·se image")  # type: ignore[arg-type]
    assert v.lines[0].account == "2.101"  # type: ignore[attr-defined]
    session.expire_all()
    view = budget.budget_view(session, prod, budget.get_version(session, prod, 1))  # type: ignore[arg-type]
    assert view["total"]["total"] == "61624.24"
    with pytest.raises(Conflict, match="account 8.20 already exists"):
        budget.update_account(session, prod, "2.101", new_code="8.20")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"account": "9.99", "rate": "1"}, "account", "unknown account '9.99'"),
        ({"account": "8.40", "rate": "1", "quantity": "-2"}, "quantity", "must be between 0"),
        ({"account": "8.40", "rate": "-1"}, "rate", "negative"),
        ({"account": "8.40", "rate": "douze"}, "rate", "not a number"),
        ({"account": "8.40", "rate": "1", "currency": "CAD"}, "currency", "no exchange rate for CAD"),
        ({"account": "8.40", "rate": "1", "currency": "dollars"}, "currency", "invalid currency"),
        ({"account": "8.40", "rate": "1", "fringe": "cadres"}, "fringe", "unknown fringe group 'cadres'"),
        ({"account": "8.40", "rate": "1", "unit": "parsec"}, "unit", "invalid unit"),
        ({"account": "8.40", "rate": "1", "vat_rate": "120"}, "vat_rate", "outside 0-100"),
    ],
)
def test_bad_lines_are_refused_naming_the_field_and_nothing_is_written(
    session: Session, values: dict[str, str], field: str, message: str
) -> None:
    prod, v = _budget(session)
    before = session.scalar(select(func.count()).select_from(BudgetLine))
    with pytest.raises(InvalidInput, match=message) as err:
        budget.add_line(session, prod, v, **values)  # type: ignore[arg-type]
    assert err.value.field == field
    assert session.scalar(select(func.count()).select_from(BudgetLine)) == before


def test_percentage_lines_that_include_each_other_round_a_circle_are_refused(session: Session) -> None:
    prod, v = _budget(session)
    with pytest.raises(InvalidInput, match="unknown line 'Assurance'"):
        budget.add_percent_line(session, prod, v, "Imprévus", "10.2", "10", includes=["Assurance"])  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="on: unknown account or chapter '77'"):
        budget.add_percent_line(session, prod, v, "Imprévus", "10.2", "10", on=["77"])  # type: ignore[arg-type]


def test_budget_history_carries_no_money_to_those_without_the_budget_right(session: Session) -> None:
    _budget(session)
    session.flush()
    entries = session.scalars(select(AuditEntry).where(AuditEntry.entity_type == "BudgetLine")).all()
    assert entries and all(e.after for e in entries)
    for e in entries:
        hidden = audit_dict(e, money=False)
        assert hidden["before"] is None and hidden["after"] is None
        assert "412" not in str(money.strip(audit_dict(e)))


def test_command_line_edits_of_a_locked_budget_exit_2_with_one_line(cli_db: str) -> None:
    runner = CliRunner()
    # a production of its own: the demo comes with its budget (services/demo_budget.py)
    assert runner.invoke(app, ["production", "create", "Budget CLI", "--start", "2027-01-04"]).exit_code == 0
    steps = [
        ["budget", "create", "--rate", "GBP=1.1725"],
        ["budget", "line", "add", "2.10", "-d", "Chef monteur", "-q", "40", "--unit", "day", "--rate", "412,50",
         "--fringe", "intermittents"],
        ["budget", "lock"],
    ]  # fmt: skip
    for step in steps:
        r = runner.invoke(app, step)
        assert r.exit_code == 0, (step, r.output)
    r = runner.invoke(app, ["budget", "line", "add", "8.40", "--rate", "3"])
    assert r.exit_code == 2 and r.stderr.strip().splitlines() == [
        "error: budget version 1 is locked: make a revision to change it"
    ]
    r = runner.invoke(app, ["budget", "show", "--json"])
    assert r.exit_code == 0 and '"total": "27225.00"' in r.stdout


def test_a_draft_from_the_plan_prices_every_planned_day(session: Session) -> None:
    from postprod.model import PlanTask
    from postprod.services import planning
    from postprod.services.budget_draft import draft_from_plan

    prod = make_production(session)
    planning.plan_production(session, prod, time_limit=0, strict_due=False)
    plan = planning.current_plan(session, prod)
    assert plan is not None
    rows = session.scalars(select(PlanTask).where(PlanTask.plan_id == plan.id)).all()
    days: dict[int, Decimal] = {}
    for t in rows:
        for pid in t.person_ids:
            days[pid] = days.get(pid, D(0)) + t.work_days
    draft = draft_from_plan(session, prod)
    assert draft.skipped == [] and draft.version.number == 1
    by_person: dict[int, Decimal] = {}
    for line in draft.version.lines:
        if line.link_type == "person":
            by_person[line.link_id] = by_person.get(line.link_id, D(0)) + line.quantity  # type: ignore[index]
            person = session.get(Person, line.link_id)
            assert line.rate == (person.day_rate or 0) and line.fringe == "intermittents"
    assert by_person == days
    view = budget.budget_view(session, prod, draft.version)
    labour = sum(
        (D(x["subtotal"]) for x in view["lines"] if x["fringe_group"] == "intermittents"), D(0)
    )  # the people's days at their rates, to the cent
    people = {p.id: p for p in prod.people}
    assert labour == sum((d * (people[pid].day_rate or 0) for pid, d in days.items()), D(0))
    with pytest.raises(Conflict, match="the budget exists"):
        draft_from_plan(session, prod)
