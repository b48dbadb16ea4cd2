"""The one gate money leaves through: day rates, bids and their currencies, for holders of the budget right only.

Every exit calls it: API responses, pages, the history, the change feed and its stream,
webhooks, exports, and the fields a register may be sorted or filtered by. A role without
`budget.read` in a production never receives a money field of that production: the key is
removed, not emptied, so that "no rate" and "a rate you may not see" look the same.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from postprod.errors import N_
from postprod.services.users import Forbidden, Grant, Resource, can

T = TypeVar("T")

RIGHT = "budget.read"

# Amounts, under the names they carry in data, model columns and audit entries.
AMOUNT_KEYS = frozenset({"day_rate", "bid", "bid_amount"})
# Views that are money through and through, whatever they hold: a plan comparison's cost (services/plan_cost),
# a recut's (services/recut_cost).
MONEY_VIEWS = frozenset({"cost_difference", "recut_cost"})
# Currency keys that only ever name an amount's currency.
MONEY_KEYS = AMOUNT_KEYS | MONEY_VIEWS | {"bid_currency"}
# A plain "currency" beside an amount is that amount's currency (a person's or room's rate, a shot's
# bid) and goes with it; a production's currency, with no amount beside it, stays.
CURRENCY = "currency"
# Audit entries of these items carry a rate or a bid: their "currency" is money even when alone.
PRICED_ENTITIES = frozenset({"Person", "Room", "VfxShot"})
# Items that are money through and through (the budget): their audit entries keep no values at all.
MONEY_ENTITIES = frozenset(
    {
        "BudgetChapter",
        "BudgetAccount",
        "FringeGroup",
        "BudgetVersion",
        "BudgetLine",
        "BudgetPercentLine",
        "PurchaseOrder",
        "Invoice",
        "EtcOverride",
        "Vendor",
    }
)
# Register field types that are money (services/registers.py): never offered to sort or filter by.
MONEY_FIELD_TYPES = frozenset({"money", "currency"})

# Whether money of a production (None: an entry whose production is gone) may be shown.
ShowsMoney = Callable[[int | None], bool]


def show_all(_production_id: int | None) -> bool:
    return True


def hide_all(_production_id: int | None) -> bool:
    """For what leaves to another tool (webhooks): no role stands behind it."""
    return False


def visible(grants: Iterable[Grant], production_id: int | None) -> bool:
    """Whether these grants see the money of the production."""
    return can(grants, RIGHT, Resource(production_id)) if production_id is not None else _admin(grants)


def _admin(grants: Iterable[Grant]) -> bool:
    return any(g.role == "admin" for g in grants)


def shows_money(grants: Iterable[Grant]) -> ShowsMoney:
    """The production-by-production rule for these grants (for feeds spanning productions)."""
    frozen = list(grants)
    seen: dict[int | None, bool] = {}

    def shows(production_id: int | None) -> bool:
        if production_id not in seen:
            seen[production_id] = visible(frozen, production_id)
        return seen[production_id]

    return shows


def strip(value: Any) -> Any:
    """A JSON-like value with every money field removed, at any depth (audit entries included)."""
    if isinstance(value, dict):
        priced = not AMOUNT_KEYS.isdisjoint(value)
        out = {k: strip(v) for k, v in value.items() if k not in MONEY_KEYS and not (priced and k == CURRENCY)}
        if out.get("entity_type") in MONEY_ENTITIES:  # an audit entry of the budget: no value may leave
            for side in ("before", "after"):
                if side in out:
                    out[side] = None
        if out.get("entity_type") in PRICED_ENTITIES:  # an audit entry: its values' currency is the rate's
            for side in ("before", "after"):
                if isinstance(out.get(side), dict):
                    out[side].pop(CURRENCY, None)
        return out
    if isinstance(value, list | tuple):
        return [strip(v) for v in value]
    return value


def gate(grants: Iterable[Grant], production_id: int | None, value: T) -> T:
    """The value as it may leave for these grants: unchanged for the budget right, else without money.

    Its type stays: a view's money fields are `NotRequired` (services.common), so one without them is still one.
    """
    gated: T = value if visible(grants, production_id) else strip(value)
    return gated


def audit_values(entity_type: str, values: dict[str, Any] | None) -> dict[str, Any] | None:
    """An audit entry's before or after values without money."""
    stripped: dict[str, Any] | None = strip({"entity_type": entity_type, "after": values})["after"]
    return stripped


def is_money_field(field_type: str) -> bool:
    """Whether a register field of this type is money."""
    return field_type in MONEY_FIELD_TYPES


def refuse_money_field(name: str, what: str, field: str) -> None:
    """Refuse to sort or filter by a money field for a role that does not see the budget (the order would tell)."""
    raise Forbidden(N_("%(what)s by %(name)s needs the budget right"), field=field, params={"what": what, "name": name})


def refuse_blind_write(sees: bool, fields: Iterable[tuple[str, str]], values: Iterable[str]) -> None:
    """Refuse to set a money field for a role that may not see it: it would overwrite an amount it cannot read.

    `fields` are (name, type) of the item's fields, `values` the names being written.
    """
    if sees:
        return
    priced = {name for name, kind in fields if is_money_field(kind)}
    for name in values:
        if name in priced:
            raise Forbidden(N_("setting %(name)s needs the budget right"), field=name, params={"name": name})


# --- a department lead's budget ------------------------------------------------------------------

# Lines that price a person's or a room's days: a department lead sees the days, never the rate.
PERSONAL_LINKS = frozenset({"person", "room"})
# What a personal line would tell the rate by: the rate and every amount computed from it.
LINE_AMOUNTS = ("rate", "native", "subtotal", "fringe", "vat", "total")


def department_budget(view: Any, departments: Iterable[str], personal: Iterable[int]) -> dict[str, Any]:
    """A budget view (services.budget.budget_view) as a department lead may see it.

    Only the accounts of the departments and their lines; a line of a person or a room (IDs in
    `personal`) keeps its description, quantity and unit, without its rate or any amount; an
    account holding such a line keeps no totals (they would tell the rate back). No chapter, no
    percentage line, no grand total: they sum other departments' money.
    """
    depts = set(departments)
    hidden = set(personal)
    accounts = [a for a in view["accounts"] if a["department"] in depts]
    codes = {a["code"] for a in accounts}
    lines = [line for line in view["lines"] if line["account"] in codes]
    priced_people = {line["account"] for line in lines if line["id"] in hidden}
    return {
        "version": {k: v for k, v in view["version"].items() if k != "rates"},
        "departments": sorted(depts),
        "accounts": [{k: v for k, v in a.items() if k != "totals" or a["code"] not in priced_people} for a in accounts],
        "lines": [
            {k: v for k, v in line.items() if line["id"] not in hidden or k not in LINE_AMOUNTS} for line in lines
        ],
    }
