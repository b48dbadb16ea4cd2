"""The cost report: per account, what was budgeted, spent, committed, and what the post will cost in the end.

For every account, as of a date: the locked budget, the current budget, the actual (this period and
to date), the committed (open purchase orders less what is invoiced against them), the estimate to
complete (ETC), the estimate at completion (EFC = actual + committed + ETC) and the variance
(current budget - EFC; negative is an overrun). Rolled up by chapter, by department and in total,
each roll-up the sum of the rows below it.

ETC, account by account:
- given by the caller with a note (an override) wins;
- for labour and room accounts, the cost of the days the current plan still schedules (`labour_cost`
  of the remaining days), so every plan, replan and scenario moves the forecast;
- otherwise the budget not yet spent or committed: current budget - actual - committed, never below zero.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Literal

from postprod.budget.money import ZERO, as_json, cents, percent_of
from postprod.budget.sheet import Account, Chapter

EtcSource = Literal["override", "plan", "budget"]


@dataclass(frozen=True)
class AccountFigures:
    """What the services know of one account, as of the report's date."""

    budget: Decimal = ZERO  # the locked (original) version
    current_budget: Decimal = ZERO  # the current version
    actual: Decimal = ZERO  # invoices and time to date
    actual_period: Decimal = ZERO  # of which in the report's period
    committed: Decimal = ZERO  # open purchase orders less what is invoiced against them
    planned: Decimal | None = None  # labour and rooms: the cost of the days the plan still schedules
    override: Decimal | None = None  # an ETC set by hand, with a note


@dataclass(frozen=True)
class Figures:
    budget: Decimal = ZERO
    current_budget: Decimal = ZERO
    actual: Decimal = ZERO
    actual_period: Decimal = ZERO
    committed: Decimal = ZERO
    etc: Decimal = ZERO
    efc: Decimal = ZERO
    variance: Decimal = ZERO

    def __add__(self, other: Figures) -> Figures:
        return Figures(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    def as_json(self) -> dict[str, str]:
        return {f.name: as_json(getattr(self, f.name)) for f in fields(self)}


@dataclass(frozen=True)
class Row:
    code: str
    name: str
    chapter: str
    department: str | None
    figures: Figures
    etc_source: EtcSource


@dataclass(frozen=True)
class Report:
    currency: str
    rows: list[Row]  # in the chart's order
    chapters: dict[str, Figures]
    departments: dict[str, Figures]  # accounts without a department under ""
    totals: Figures

    def as_json(self, as_of: str) -> dict[str, object]:
        """The shape `postprod cost report --json` prints: money as strings with two decimals."""
        keys = ("budget", "current_budget", "actual", "committed", "etc", "efc", "variance")
        return {
            "currency": self.currency,
            "as_of": as_of,
            "accounts": [
                {"code": r.code, "name": r.name} | {k: as_json(getattr(r.figures, k)) for k in keys} for r in self.rows
            ],
            "totals": {k: as_json(getattr(self.totals, k)) for k in keys},
        }


def open_commitment(ordered: Decimal, invoiced: Decimal, *, closed: bool = False) -> Decimal:
    """What a purchase order still commits: its amount less what is invoiced against it (none once closed)."""
    return ZERO if closed else max(ZERO, ordered - invoiced)


def labour_cost(days: Decimal, day_rate: Decimal, fringe_percent: Decimal = ZERO) -> Decimal:
    """Days of a person or room at a day rate, with the fringes of the person's group, rounded as a line is."""
    subtotal = cents(days * day_rate)
    return subtotal + percent_of(subtotal, fringe_percent)


def etc(f: AccountFigures, *, labour: bool) -> tuple[Decimal, EtcSource]:
    """The estimate to complete of one account, and where it came from."""
    if f.override is not None:
        return f.override, "override"
    if labour and f.planned is not None:
        return f.planned, "plan"
    return max(ZERO, f.current_budget - f.actual - f.committed), "budget"


def cost_report(
    currency: str, chapters: Sequence[Chapter], accounts: Sequence[Account], figures: Mapping[str, AccountFigures]
) -> Report:
    """Every account of the chart with its figures (zero where `figures` has none), rolled up."""
    rows: list[Row] = []
    for a in accounts:
        f = figures.get(a.code, AccountFigures())
        estimate, source = etc(f, labour=a.labour)
        efc = f.actual + f.committed + estimate
        rows.append(
            Row(
                a.code,
                a.name,
                a.chapter,
                a.department,
                Figures(
                    f.budget,
                    f.current_budget,
                    f.actual,
                    f.actual_period,
                    f.committed,
                    estimate,
                    efc,
                    f.current_budget - efc,
                ),  # fmt: skip
                source,
            )
        )
    per_chapter: dict[str, Figures] = {c.code: Figures() for c in chapters}
    per_dept: dict[str, Figures] = {}
    for r in rows:
        per_chapter[r.chapter] = per_chapter.get(r.chapter, Figures()) + r.figures
        dept = r.department or ""
        per_dept[dept] = per_dept.get(dept, Figures()) + r.figures
    totals = sum((r.figures for r in rows), Figures())
    return Report(currency, rows, per_chapter, per_dept, totals)
