"""The budget's settings as the API and the pages show them: fringe groups, the chart of accounts, the
percentage lines of a version with what their base is, and the estimates to complete set by hand.

The writes are the budget and cost services' own (`budget.set_fringe`, `set_rate`, `add_percent_line`,
`remove_percent_line`, `add_account`, `update_account`; `costs.set_etc`, `clear_etc`); this module only
reads, each list in one query.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session
from typing_extensions import TypedDict

from postprod.budget.money import as_json
from postprod.model import BudgetAccount, BudgetVersion, EtcOverride, FringeGroup, Production
from postprod.model.audit import jsonable
from postprod.services import budget, costs
from postprod.services.common import described


@described(percent="Of the gross pay of the lines in the group: 65 for 65 %")
class FringeView(TypedDict):
    name: str
    percent: str


@described(resource="person or room: an account of days the plan schedules; null for any other")
class AccountView(TypedDict):
    code: str
    name: str
    chapter: str
    department: str | None
    resource: str | None


@described(
    on="Accounts or chapters of its base; null: every account",
    excluding="Accounts or chapters left out of its base",
    includes="Other percentage lines whose amounts are in its base",
)
class PercentLineView(TypedDict):
    id: int
    name: str
    account: str
    percent: str
    on: list[str] | None
    excluding: list[str]
    includes: list[str]


@described(amount="The estimate to complete of the account, in the production's currency; it replaces the computed one")
class EtcView(TypedDict):
    account: str
    amount: str
    note: str
    set_by: str
    set_at: str


def fringe_list(session: Session, prod: Production) -> list[FringeView]:
    return [{"name": k, "percent": _num(x)} for k, x in budget.fringes(session, prod).items()]


def fringe_dict(g: FringeGroup) -> FringeView:
    return {"name": g.name, "percent": _num(g.percent)}


def account_dict(a: BudgetAccount) -> AccountView:
    return {"code": a.code, "name": a.name, "chapter": a.chapter, "department": a.department, "resource": a.resource}


def account_list(session: Session, prod: Production) -> list[AccountView]:
    return [account_dict(a) for a in budget.accounts(session, prod)]


def percent_lines(v: BudgetVersion) -> list[PercentLineView]:
    return [
        {
            "id": p.id, "name": p.name, "account": p.account, "percent": _num(p.percent),
            "on": list(p.on) if p.on is not None else None, "excluding": list(p.excluding),
            "includes": list(p.includes),
        }
        for p in sorted(v.percent_lines, key=lambda x: (x.position, x.id))
    ]  # fmt: skip


def etc_dict(o: EtcOverride) -> EtcView:
    return {
        "account": o.account, "amount": as_json(o.amount), "note": o.note, "set_by": o.set_by,
        "set_at": str(jsonable(o.set_at)),
    }  # fmt: skip


def etc_list(session: Session, prod: Production) -> list[EtcView]:
    return [etc_dict(o) for o in costs.etc_overrides(session, prod)]


def _num(value: Decimal) -> str:
    """A percentage as typed: "65", "5.5" (no trailing zeros)."""
    return format(Decimal(value).normalize(), "f")
