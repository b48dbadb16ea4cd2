"""Two versions of a budget side by side: the lines added, removed or changed, and the accounts they move.

Lines are matched by account and description, in their order (a second line of the same account and
description matches the second one); amounts are the engine's, after fringes and percentage lines.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from sqlalchemy.orm import Session
from typing_extensions import TypedDict

from postprod.budget import sheet
from postprod.budget.money import ZERO, as_json
from postprod.model import BudgetVersion, Production
from postprod.services.budget import VersionView, accounts, compute, version_dict


class LineChange(TypedDict):
    account: str
    description: str
    change: str  # added, removed, changed
    before: str | None
    after: str | None
    difference: str


class AccountChange(TypedDict):
    code: str
    name: str
    before: str
    after: str
    difference: str


class CompareView(TypedDict):
    before: VersionView
    after: VersionView
    accounts: list[AccountChange]
    lines: list[LineChange]
    total_before: str
    total_after: str
    difference: str


def compare(session: Session, prod: Production, a: BudgetVersion, b: BudgetVersion) -> CompareView:
    """Two versions line by line (lines matched by account and description, in order) and account by account."""
    ca, cb = compute(session, a), compute(session, b)

    def keyed(v: BudgetVersion, c: sheet.Computed) -> dict[tuple[str, str, int], Decimal]:
        seen: Counter[tuple[str, str]] = Counter()
        out: dict[tuple[str, str, int], Decimal] = {}
        for line, amount in zip(v.lines, c.lines, strict=True):
            k = (line.account, line.description)
            out[(*k, seen[k])] = amount.total
            seen[k] += 1
        return out

    la, lb = keyed(a, ca), keyed(b, cb)
    lines: list[LineChange] = []
    for key in [*la, *(k for k in lb if k not in la)]:
        before, after = la.get(key), lb.get(key)
        if before == after:
            continue
        change = "added" if before is None else "removed" if after is None else "changed"
        lines.append(
            {
                "account": key[0], "description": key[1], "change": change,
                "before": as_json(before) if before is not None else None,
                "after": as_json(after) if after is not None else None,
                "difference": as_json((after or ZERO) - (before or ZERO)),
            }
        )  # fmt: skip
    names = {x.code: x.name for x in accounts(session, prod)}
    changed_accounts: list[AccountChange] = [
        {
            "code": code, "name": names.get(code, code), "before": as_json(ca.accounts[code].total),
            "after": as_json(cb.accounts[code].total),
            "difference": as_json(cb.accounts[code].total - ca.accounts[code].total),
        }
        for code in ca.accounts
        if ca.accounts[code].total != cb.accounts.get(code, sheet.Totals()).total
    ]  # fmt: skip
    return {
        "before": version_dict(a), "after": version_dict(b), "accounts": changed_accounts, "lines": lines,
        "total_before": as_json(ca.total.total), "total_after": as_json(cb.total.total),
        "difference": as_json(cb.total.total - ca.total.total),
    }  # fmt: skip
