"""A department lead's budget: their departments' lines, days without personal rates (both databases)."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy.orm import Session
from typer.testing import CliRunner

from postprod.cli.main import app
from postprod.errors import InvalidInput
from postprod.services import budget, money
from postprod.services.budget_department import department_view
from postprod.services.demo import create_demo

TODAY = date(2026, 11, 27)


def test_a_lead_sees_the_days_of_people_and_rooms_not_their_rates(session: Session) -> None:
    prod, _ = create_demo(session, today=TODAY)
    v = budget.get_version(session, prod)
    full = budget.budget_view(session, prod, v)
    view = department_view(session, prod, ["vfx"])
    accounts = {a["code"]: a for a in full["accounts"] if a["department"] == "vfx"}
    assert {a["code"] for a in view["accounts"]} == set(accounts)
    assert set(view) == {"version", "departments", "accounts", "lines"} and "rates" not in view["version"]
    personal = {x.id for x in v.lines if x.link_type in ("person", "room")}
    lines = {x["id"]: x for x in view["lines"]}
    assert lines and all(x["account"] in accounts for x in lines.values())
    people = [x for i, x in lines.items() if i in personal]
    others = [x for i, x in lines.items() if i not in personal]
    assert people and others  # the VFX supervisor's days; the vendors' shots (8.20)
    for x in people:
        assert not set(x) & set(money.LINE_AMOUNTS) and x["quantity"] and x["unit"] == "day", x
    assert all(x["rate"] and x["total"] for x in others)
    # an account with a personal line keeps no totals: they would give the rate back
    for a in view["accounts"]:
        has_people = any(x["account"] == a["code"] for x in people)
        assert ("totals" in a) != has_people, a["code"]
    # no amount of a personal line reaches the lead anywhere in the view
    text = json.dumps(view)
    full_lines = {x["id"]: x for x in full["lines"]}
    for i in personal & lines.keys():
        for key in ("subtotal", "total"):
            assert f'"{full_lines[i][key]}"' not in text


def test_an_unknown_department_is_refused_by_name(session: Session) -> None:
    prod, _ = create_demo(session, today=TODAY)
    try:
        department_view(session, prod, ["catering"])
    except InvalidInput as e:
        assert e.field == "department"
    else:
        raise AssertionError("an unknown department was accepted")


def test_the_cli_shows_the_lead_view_and_refuses_a_bad_department_in_one_line(cli_db: str) -> None:
    # No open test session here: on PostgreSQL its uncommitted demo would hold the production's code
    # and the CLI's own demo would wait on it.
    runner = CliRunner()
    assert runner.invoke(app, ["demo"]).exit_code == 0
    r = runner.invoke(app, ["budget", "show", "--department", "picture-editing", "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["departments"] == ["picture-editing"] and data["lines"]
    assert any("rate" not in x for x in data["lines"])
    r = runner.invoke(app, ["budget", "show", "--department", "catering"])
    assert r.exit_code == 2 and len(r.stderr.strip().splitlines()) == 1 and "department" in r.stderr
