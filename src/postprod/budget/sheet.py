"""A budget version computed: lines, fringes, percentage lines, currencies, rolled up by account and chapter.

Pure arithmetic on `Decimal`, no database. The rules (issue: budget, actuals and the estimate at completion):

- A line's amount in its own currency is quantity x rate, rounded to the cent; its *subtotal* is
  that amount converted at the version's fixed rate for the currency, rounded to the cent. A
  version without a rate for a currency one of its lines uses is refused.
- A line's *fringe* (charges sociales) is its subtotal times its fringe group's percentage, rounded.
- VAT is kept apart: a line's VAT is its subtotal times its VAT rate, rounded; amounts are HT.
- A percentage line (contingency / imprévus, overhead / frais généraux, insurance, completion bond)
  is booked to an account and applies to the total (subtotals + fringes) of the accounts it names
  (by account code or chapter code), or of every account but those it excludes. It never applies to
  another percentage line unless it names it in `includes`; named ones are computed first, and a
  circle of them is refused.
- Every total is the sum of the rounded amounts shown below it: account = its lines' subtotals + their
  fringes + the percentage lines booked to it; chapter = its accounts; department = its accounts;
  the budget = its chapters.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from postprod.budget.money import ZERO, cents, percent_of
from postprod.errors import N_, InvalidInput

ONE = Decimal(1)


@dataclass(frozen=True)
class Chapter:
    code: str
    name: str


@dataclass(frozen=True)
class Account:
    code: str
    name: str
    chapter: str  # the chapter's code
    department: str | None = None  # postprod's department the account's work belongs to
    resource: str | None = None  # "person" or "room": it pays for days the plan schedules

    @property
    def labour(self) -> bool:
        """People's or rooms' days: the account's estimate to complete comes from the plan."""
        return self.resource is not None


@dataclass(frozen=True)
class Line:
    account: str
    description: str
    quantity: Decimal
    unit: str  # day, week, flat, shot, minute, language, cue...
    rate: Decimal  # per unit, in `currency`
    currency: str
    fringe: str | None = None  # the fringe group's name
    vat_rate: Decimal = ZERO  # percent: 20, 10, 5.5
    tax_credit: str | None = None  # a tag the tax-credit rules name (e.g. "cinema", "trip")
    in_france: bool = True


@dataclass(frozen=True)
class PercentLine:
    """A percentage of a total: contingency, overhead, insurance, completion bond."""

    name: str  # unique in the version, named by other percentage lines' `includes`
    account: str  # the account it is booked to
    percent: Decimal
    on: frozenset[str] | None = None  # account or chapter codes; None: every account...
    excluding: frozenset[str] = frozenset()  # ...but these (account or chapter codes)
    includes: frozenset[str] = frozenset()  # other percentage lines whose amounts are in its base


@dataclass(frozen=True)
class Version:
    """What a budget version holds, as the engine reads it."""

    currency: str
    chapters: Sequence[Chapter]
    accounts: Sequence[Account]
    lines: Sequence[Line] = ()
    percent_lines: Sequence[PercentLine] = ()
    fringes: Mapping[str, Decimal] = field(default_factory=dict)  # group -> percent
    rates: Mapping[str, Decimal] = field(default_factory=dict)  # currency -> value of 1 unit in `currency`


@dataclass(frozen=True)
class LineAmount:
    native: Decimal  # quantity x rate in the line's currency, rounded
    subtotal: Decimal  # converted to the version's currency, rounded
    fringe: Decimal
    vat: Decimal

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.fringe


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal = ZERO
    fringe: Decimal = ZERO
    percent: Decimal = ZERO  # percentage lines booked here
    vat: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.fringe + self.percent

    def __add__(self, other: Totals) -> Totals:
        return Totals(
            self.subtotal + other.subtotal,
            self.fringe + other.fringe,
            self.percent + other.percent,
            self.vat + other.vat,
        )


@dataclass(frozen=True)
class Computed:
    currency: str
    lines: list[LineAmount]  # in the order of the version's lines
    percent_lines: dict[str, Decimal]  # name -> amount
    percent_bases: dict[str, Decimal]  # name -> the base it was computed on
    accounts: dict[str, Totals]  # every account of the chart, zero when unused
    chapters: dict[str, Totals]
    departments: dict[str, Totals]  # accounts without a department under ""
    total: Totals


def compute(v: Version) -> Computed:
    """The version's amounts; refused (naming the field) on an unknown account, fringe or currency."""
    accounts = {a.code: a for a in v.accounts}
    chapters = {c.code: c for c in v.chapters}
    for a in v.accounts:
        if a.chapter not in chapters:
            raise InvalidInput(
                N_("account %(code)s: unknown chapter %(chapter)r"),
                field="chapter",
                params={"code": a.code, "chapter": a.chapter},
            )
    lines = [_line(v, accounts, i, line) for i, line in enumerate(v.lines)]
    per_account: dict[str, Totals] = {code: Totals() for code in accounts}
    for line, amount in zip(v.lines, lines, strict=True):
        per_account[line.account] = per_account[line.account] + Totals(amount.subtotal, amount.fringe, ZERO, amount.vat)
    amounts, bases = _percentages(v, accounts, per_account)
    for p in v.percent_lines:
        per_account[p.account] = per_account[p.account] + Totals(percent=amounts[p.name])
    per_chapter: dict[str, Totals] = {code: Totals() for code in chapters}
    per_dept: dict[str, Totals] = defaultdict(Totals)
    for code, totals in per_account.items():
        a = accounts[code]
        per_chapter[a.chapter] = per_chapter[a.chapter] + totals
        per_dept[a.department or ""] = per_dept[a.department or ""] + totals
    total = sum(per_chapter.values(), Totals())
    return Computed(v.currency, lines, amounts, bases, per_account, per_chapter, dict(per_dept), total)


def _line(v: Version, accounts: Mapping[str, Account], index: int, line: Line) -> LineAmount:
    where = f"line {index + 1}"
    if line.account not in accounts:
        raise InvalidInput(
            N_("%(where)s: unknown account %(account)r"),
            field="account",
            params={"where": where, "account": line.account},
        )
    if line.quantity < 0:
        raise InvalidInput(
            N_("%(where)s: negative quantity %(quantity)s"),
            field="quantity",
            params={"where": where, "quantity": line.quantity},
        )
    if line.rate < 0:
        raise InvalidInput(
            N_("%(where)s: negative rate %(rate)s"), field="rate", params={"where": where, "rate": line.rate}
        )
    native = cents(line.quantity * line.rate)
    subtotal = cents(native * convert_rate(v, line.currency, where))
    fringe = ZERO
    if line.fringe is not None:
        if line.fringe not in v.fringes:
            raise InvalidInput(
                N_("%(where)s: unknown fringe group %(fringe)r"),
                field="fringe",
                params={"where": where, "fringe": line.fringe},
            )
        fringe = percent_of(subtotal, v.fringes[line.fringe])
    return LineAmount(native, subtotal, fringe, percent_of(subtotal, line.vat_rate) if line.vat_rate else ZERO)


def convert_rate(v: Version, currency: str, where: str = "") -> Decimal:
    """The value of one unit of `currency` in the version's currency (1 for its own)."""
    if currency == v.currency:
        return ONE
    rate = v.rates.get(currency)
    if rate is None or rate <= 0:
        at = f"{where}: " if where else ""
        raise InvalidInput(
            N_("%(at)sno exchange rate for %(currency)s in this version"),
            field="currency",
            params={"at": at, "currency": currency},
        )
    return rate


def _matches(account: Account, codes: Iterable[str]) -> bool:
    return any(code in (account.code, account.chapter) for code in codes)


def _percentages(
    v: Version, accounts: Mapping[str, Account], per_account: Mapping[str, Totals]
) -> tuple[dict[str, Decimal], dict[str, Decimal]]:
    by_name: dict[str, PercentLine] = {}
    for p in v.percent_lines:
        if p.name in by_name:
            raise InvalidInput(N_("percentage line %(name)r twice"), field="name", params={"name": p.name})
        if p.account not in accounts:
            raise InvalidInput(
                N_("percentage line %(name)r: unknown account %(account)r"),
                field="account",
                params={"name": p.name, "account": p.account},
            )
        if p.percent < 0:
            raise InvalidInput(
                N_("percentage line %(name)r: negative percentage"), field="percent", params={"name": p.name}
            )
        by_name[p.name] = p
    for p in v.percent_lines:
        for other in p.includes:
            if other not in by_name:
                raise InvalidInput(
                    N_("percentage line %(name)r: unknown line %(other)r in includes"),
                    field="includes",
                    params={"name": p.name, "other": other},
                )
    amounts: dict[str, Decimal] = {}
    bases: dict[str, Decimal] = {}
    visiting: set[str] = set()

    def amount(name: str) -> Decimal:
        if name in amounts:
            return amounts[name]
        if name in visiting:
            raise InvalidInput(
                N_("percentage lines include each other round a circle at %(name)r"),
                field="includes",
                params={"name": name},
            )
        visiting.add(name)
        p = by_name[name]
        base = sum(
            (
                per_account[a.code].subtotal + per_account[a.code].fringe
                for a in accounts.values()
                if (p.on is None or _matches(a, p.on)) and not _matches(a, p.excluding)
            ),
            ZERO,
        ) + sum((amount(other) for other in sorted(p.includes)), ZERO)
        visiting.discard(name)
        bases[name] = base
        amounts[name] = percent_of(base, p.percent)
        return amounts[name]

    for p in v.percent_lines:
        amount(p.name)
    return amounts, bases
