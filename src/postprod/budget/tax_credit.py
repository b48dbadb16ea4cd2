"""Which spend counts toward the tax credits, by rules kept as data (`rules/tax-credits-fr.yaml`).

A rule names its tag (the budget lines tagged so are its spend), whether only spend in France
counts, its rate, an optional higher rate once the eligible VFX spend reaches a threshold, and its
cap. The eligible base at completion is the current budget's tagged lines (subtotal and fringes);
to date, each account's actual in the share its tagged lines hold of its budget.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

import yaml

from postprod.budget.money import ZERO, cents, parse_decimal, percent_of
from postprod.budget.sheet import Account, Computed, Line
from postprod.errors import N_, InvalidInput

RULES = Path(__file__).resolve().parent / "rules" / "tax-credits-fr.yaml"


@dataclass(frozen=True)
class CreditRule:
    id: str
    name: str
    source: str
    read_on: date
    tag: str
    in_france: bool
    rate: Decimal
    cap: Decimal | None = None
    vfx_threshold: Decimal | None = None
    vfx_rate: Decimal | None = None


@dataclass(frozen=True)
class Credit:
    rule: CreditRule
    base_at_completion: Decimal
    base_to_date: Decimal
    vfx_spend: Decimal  # eligible spend of the vfx department's accounts, at completion
    rate: Decimal  # the rate that applies (the VFX bonus once its threshold is reached)
    at_completion: Decimal  # the credit on the base at completion, capped


def read_rules(text: str, where: str) -> list[CreditRule]:
    """Rules from their YAML; a mistake names the file and the rule."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InvalidInput(
            N_("%(where)s: not YAML (%(exc)s)"), field="rules", params={"where": where, "exc": exc}
        ) from None
    items = data.get("credits") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise InvalidInput(N_("%(where)s: expected credits: [...]"), field="rules", params={"where": where})
    rules = []
    for i, r in enumerate(items):
        at = f"{where}: credits.{i}"
        if not isinstance(r, dict) or not all(r.get(k) for k in ("id", "name", "source", "read_on", "tag", "rate")):
            raise InvalidInput(
                N_("%(at)s: each rule needs id, name, source, read_on, tag and rate"), field="rules", params={"at": at}
            )
        read_on = r["read_on"] if isinstance(r["read_on"], date) else date.fromisoformat(str(r["read_on"]))
        bonus = r.get("vfx_bonus") or {}
        rules.append(
            CreditRule(
                str(r["id"]), str(r["name"]), str(r["source"]), read_on, str(r["tag"]), bool(r.get("in_france", True)),
                parse_decimal(str(r["rate"]), field="rate", where=at),
                parse_decimal(str(r["cap"]), field="cap", where=at) if r.get("cap") is not None else None,
                parse_decimal(str(bonus["threshold"]), field="threshold", where=at) if bonus else None,
                parse_decimal(str(bonus["rate"]), field="rate", where=at) if bonus else None,
            )
        )  # fmt: skip
    return rules


@cache
def default_rules() -> tuple[CreditRule, ...]:
    return tuple(read_rules(RULES.read_text(encoding="utf-8"), RULES.name))


def credits(
    rules: Sequence[CreditRule],
    accounts: Sequence[Account],
    lines: Sequence[Line],
    computed: Computed,
    actual: Mapping[str, Decimal],
) -> list[Credit]:
    """Each rule's eligible base at completion and to date, and the credit at completion."""
    dept = {a.code: a.department for a in accounts}
    out = []
    for rule in rules:
        per_account: dict[str, Decimal] = defaultdict(Decimal)
        vfx = ZERO
        for line, amount in zip(lines, computed.lines, strict=True):
            if line.tax_credit != rule.tag or (rule.in_france and not line.in_france):
                continue
            per_account[line.account] += amount.total
            if dept.get(line.account) == "vfx":
                vfx += amount.total
        at_completion = sum(per_account.values(), ZERO)
        to_date = ZERO
        for code, eligible in per_account.items():
            budget = computed.accounts[code].subtotal + computed.accounts[code].fringe
            if budget > 0:
                to_date += cents(min(actual.get(code, ZERO), budget) * eligible / budget)
        rate = rule.rate
        if rule.vfx_threshold is not None and rule.vfx_rate is not None and vfx >= rule.vfx_threshold:
            rate = rule.vfx_rate
        credit = percent_of(at_completion, rate)
        if rule.cap is not None:
            credit = min(credit, rule.cap)
        out.append(Credit(rule, at_completion, to_date, vfx, rate, credit))
    return out
