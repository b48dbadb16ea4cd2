"""Amounts of money: Decimal end to end, rounded to the cent half up, read in French or English notation.

Never a float: an amount read from a file, a form or the database is a `Decimal`, every amount
shown is rounded with `cents` once, and every total is the sum of the rounded amounts below it (so
that a cost report adds up on paper). JSON carries amounts as strings with two decimals (`as_json`).
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from postprod.errors import N_, InvalidInput

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)

# Amounts beyond this are typing mistakes (a thousand billion), and the database's Numeric(16, 2) holds them.
LIMIT = Decimal("99999999999999.99")

# Thousands separators people type or spreadsheets export: space, no-break space, narrow no-break
# space, apostrophe (Swiss), and the thin space.
_GROUPING = "\u0020\u00a0\u202f'\u2009"
_PLAIN = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")
_INVALID = "!"  # what a badly grouped number becomes, so that it is refused as not a number


def cents(value: Decimal) -> Decimal:
    """The amount rounded to the cent, half up (0.005 -> 0.01, -0.005 -> -0.01)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def percent_of(base: Decimal, percent: Decimal) -> Decimal:
    """`percent` % of `base`, rounded to the cent."""
    return cents(base * percent / HUNDRED)


def as_json(value: Decimal) -> str:
    """An amount as JSON carries it: a string with two decimals ("1234.50")."""
    rounded = cents(value)
    return format(rounded if rounded else ZERO, "f")  # never "-0.00"


def parse_decimal(
    text: str | int | Decimal, *, field: str, where: str = "", decimal_mark: str | None = None
) -> Decimal:
    """A number as people write it: "1234.56", "1 234,56", "1.234,56", "1,234.56", "12", "-3,5", "(12)".

    Spaces (plain, no-break, narrow) and apostrophes group thousands. With both a comma and a dot,
    the last one is the decimal mark. A lone comma or dot is the decimal mark ("12,5" as French
    spreadsheets export), unless `decimal_mark` says which one the file uses: then the other one
    groups thousands ("1,234" in an English export). `where` ("costs.csv line 4") and `field`
    name the mistake.
    """
    if isinstance(text, Decimal):
        value = text
    elif isinstance(text, int):
        value = Decimal(text)
    else:
        value = _read(text.strip(), field=field, where=where, decimal_mark=decimal_mark)
    if not value.is_finite():
        raise InvalidInput(
            N_("%(where)s%(field)s: %(text)r is not a number"),
            field=field,
            params={"where": _at(where), "field": field, "text": text},
        )
    if abs(value) > LIMIT:
        raise InvalidInput(
            N_("%(where)s%(field)s: %(text)r is too large"),
            field=field,
            params={"where": _at(where), "field": field, "text": text},
        )
    return value


def parse_amount(
    text: str | int | Decimal,
    *,
    field: str,
    where: str = "",
    negative: bool = False,
    decimal_mark: str | None = None,
) -> Decimal:
    """An amount of money, rounded to the cent: refused below zero unless `negative`."""
    value = parse_decimal(text, field=field, where=where, decimal_mark=decimal_mark)
    if value < 0 and not negative:
        raise InvalidInput(
            N_("%(where)s%(field)s: %(text)r is negative"),
            field=field,
            params={"where": _at(where), "field": field, "text": text},
        )
    return cents(value)


def _at(where: str) -> str:
    return f"{where}: " if where else ""


def _ungroup(text: str, thousands: str, decimal_mark: str | None) -> str:
    """The number without its thousands separators, its decimal mark a dot; badly grouped, `_INVALID`."""
    whole, mark, fraction = text.partition(decimal_mark) if decimal_mark else (text, "", "")
    sign = whole[:1] if whole[:1] in "+-" else ""
    digits = whole[len(sign) :]
    if thousands in digits and not re.fullmatch(rf"\d{{1,3}}(?:{re.escape(thousands)}\d{{3}})+", digits):
        return _INVALID
    if mark and (not fraction.isdigit() or thousands in fraction):
        return _INVALID
    return sign + digits.replace(thousands, "") + (f".{fraction}" if mark else "")


def _read(text: str, *, field: str, where: str, decimal_mark: str | None) -> Decimal:
    cleaned = text
    for mark in ("€", "$", "£", "EUR", "USD", "GBP", "CHF", "CAD"):
        cleaned = cleaned.replace(mark, "")
    cleaned = cleaned.strip()
    for sep in _GROUPING:
        cleaned = cleaned.replace(sep, "")
    if cleaned.startswith("(") and cleaned.endswith(")"):  # accounting's negative
        cleaned = "-" + cleaned[1:-1]
    if decimal_mark in (",", "."):
        cleaned = _ungroup(cleaned, "." if decimal_mark == "," else ",", decimal_mark)
    elif "," in cleaned and "." in cleaned:
        # Both marks: the last one is the decimal mark ("1.234,56" or "1,234.56").
        mark = "," if cleaned.rfind(",") > cleaned.rfind(".") else "."
        cleaned = _ungroup(cleaned, "." if mark == "," else ",", mark)
    elif cleaned.count(",") > 1 or cleaned.count(".") > 1:
        cleaned = _ungroup(cleaned, "," if cleaned.count(",") > 1 else ".", None)  # "1,234,567": grouping only
    else:
        cleaned = cleaned.replace(",", ".")
    if not cleaned or not _PLAIN.match(cleaned):
        raise InvalidInput(
            N_("%(where)s%(field)s: %(text)r is not a number"),
            field=field,
            params={"where": _at(where), "field": field, "text": text},
        )
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        raise InvalidInput(
            N_("%(where)s%(field)s: %(text)r is not a number"),
            field=field,
            params={"where": _at(where), "field": field, "text": text},
        ) from None
