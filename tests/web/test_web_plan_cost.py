"""The compare page shows the cost difference beside the date difference, to the budget right only (both databases)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from tests.web.webkit import login

from postprod import db
from postprod.services import budget
from postprod.services import planning as ops
from postprod.services.budget_draft import draft_from_plan
from postprod.services.common import get_production
from postprod.services.plan_cost import compare_cost


def test_the_cost_of_a_slip_sits_beside_its_days(site: tuple[TestClient, int], engine: Engine) -> None:
    c, pid = site
    with db.session_scope(engine, actor="planner") as s:
        prod = get_production(s, pid)
        ops.plan_production(s, prod, time_limit=0, strict_due=False)
        budget.lock(s, draft_from_plan(s, prod).version)
        ops.set_baseline(s, prod)
        # three more grading days, the colourist in the grading suite
        extra = ops.parse_new_task("GRD-EXTRA:3:grading:skills=colourist:room=grading-suite:after=GRD-GRADE")
        ops.replan_production(s, prod, ops.Incidents(added=[extra]), time_limit=0)
        data = ops.compare_plans(s, prod)
        cost = compare_cost(s, prod, data["baseline"]["id"], data["scenario"]["id"])
        # by hand: 3 days x 700.00 = 2,100.00 + 65 % fringes 1,365.00 = 3,465.00; the suite 3 x 900.00 = 2,700.00
        assert cost is not None and cost["difference"] == "6165.00", cost
    login(c, "supervisor")
    page = c.get(f"/p/{pid}/planning/compare")
    assert page.status_code == 200 and 'id="cost"' in page.text
    shown = re.search(r'id="cost-difference">([^<]+)<', page.text)
    assert shown is not None and "€" in shown.group(1)
    first = cost["accounts"][0]
    assert f'data-account="{first["code"]}"' in page.text
    api = c.get(f"/api/v1/productions/{pid}/plans/compare").json()
    assert api["cost_difference"]["difference"] == cost["difference"]
    csrf = login(c, "director")
    assert 'id="cost"' in c.get(f"/p/{pid}/planning/compare").text
    c.post("/language", data={"csrf_token": csrf, "language": "fr", "next": "/"})
    assert "Écart de coût" in c.get(f"/p/{pid}/planning/compare").text
    for role in ("picturelead", "editor"):  # a department lead, a technician: the dates, no money
        login(c, role)
        page = c.get(f"/p/{pid}/planning/compare")
        assert page.status_code == 200 and 'id="moved-count"' in page.text
        assert 'id="cost"' not in page.text and "€" not in page.text, role
        api = c.get(f"/api/v1/productions/{pid}/plans/compare")
        assert api.status_code == 200 and "cost_difference" not in api.json(), role
