"""What a plan costs beside what it moves: the cost difference of two stored plans, for `plan compare`.

Each plan's estimate to complete of people's and rooms' accounts is the cost of the days it still
schedules after the date (services/costs.planned_cost: the cost report's ETC); actuals and
commitments are the same on both sides, so the difference of the estimates at completion is the
difference of these. The view is money: it travels under `cost_difference`, a key the money gate
(services/money.py) removes for roles without the budget right.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session
from typing_extensions import TypedDict

from postprod.budget.money import ZERO, as_json
from postprod.model import Plan, Production
from postprod.services import budget, costs

KEY = "cost_difference"  # in services/money.MONEY_KEYS


class PlanCostAccount(TypedDict):
    code: str
    name: str
    reference: str
    compared: str
    difference: str


class PlanCostView(TypedDict):
    currency: str
    as_of: str
    reference: str  # the reference plan's cost of the days after as_of (ETC of labour)
    compared: str
    difference: str  # compared - reference: what the compared plan adds to the estimate at completion
    accounts: list[PlanCostAccount]  # the accounts whose figure moves


def compare_cost(
    session: Session, prod: Production, reference_id: int, compared_id: int, as_of: date | None = None
) -> PlanCostView | None:
    """The cost of two stored plans' remaining days and their difference, per account; None without a budget."""
    if not budget.versions(session, prod):
        return None
    as_of = as_of or date.today()
    plans = {p.id: p for p in (session.get(Plan, reference_id), session.get(Plan, compared_id)) if p is not None}
    if set(plans) != {reference_id, compared_id} or any(p.production_id != prod.id for p in plans.values()):
        return None
    before = costs.planned_cost(session, prod, plans[reference_id], as_of)
    after = costs.planned_cost(session, prod, plans[compared_id], as_of)
    names = {a.code: a.name for a in budget.accounts(session, prod)}
    rows: list[PlanCostAccount] = []
    for code in names:  # in the chart's order
        a, b = before.get(code, ZERO), after.get(code, ZERO)
        if a != b:
            rows.append(
                {"code": code, "name": names[code], "reference": as_json(a), "compared": as_json(b),
                 "difference": as_json(b - a)}
            )  # fmt: skip
    total_a, total_b = sum(before.values(), ZERO), sum(after.values(), ZERO)
    return {
        "currency": prod.currency,
        "as_of": as_of.isoformat(),
        "reference": as_json(total_a),
        "compared": as_json(total_b),
        "difference": as_json(total_b - total_a),
        "accounts": rows,
    }


def with_cost(session: Session, prod: Production, data: dict[str, Any], as_of: date | None = None) -> dict[str, Any]:
    """A plan comparison (services.planning.compare_plans) with its cost difference beside the dates."""
    cost = compare_cost(session, prod, data["baseline"]["id"], data["scenario"]["id"], as_of)
    return data | {KEY: cost} if cost is not None else data
