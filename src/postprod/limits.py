"""The bounds of what the databases store, checked where input comes in: IDs, text and dates.

A value outside them is a user mistake (a one-line error naming the field), never a database error:
SQLite stores integers up to 2^63 - 1, PostgreSQL's integer columns up to 2^31 - 1, PostgreSQL
refuses text with a NUL character, and the calendar arithmetic stops at year 9999.
"""

from __future__ import annotations

from datetime import date, datetime

from postprod.errors import N_, InvalidInput

# The largest ID (or version, or cursor) either database can hold: PostgreSQL's integer.
MAX_ID = 2**31 - 1
# The dates a plan may hold: wide enough for any production, narrow enough that a plan's
# working-day arithmetic (years of slack, holidays of the year after) stays inside Python's dates.
MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2199, 12, 31)


def as_id(text: object) -> int | None:
    """The ID a typed reference stands for: ASCII digits within 1..MAX_ID, else None (a name, or nothing)."""
    value = str(text).strip()
    if not value.isascii() or not value.isdigit() or len(value) > 10:
        return None
    n = int(value)
    return n if 1 <= n <= MAX_ID else None


def storable_problem(value: object) -> str | None:
    """Why a value (or one inside a list or dict) cannot be stored, or None: NUL in text, an integer or date too large."""
    if isinstance(value, str):
        return "text may not contain a NUL character" if "\x00" in value else None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return None if -MAX_ID <= value <= MAX_ID else f"a whole number from {-MAX_ID} to {MAX_ID}"
    if isinstance(value, date):
        day = value.date() if isinstance(value, datetime) else value
        return None if MIN_DATE <= day <= MAX_DATE else f"dates from {MIN_DATE.isoformat()} to {MAX_DATE.isoformat()}"
    if isinstance(value, dict):
        items: list[object] = [*value.keys(), *value.values()]
    elif isinstance(value, (list, tuple, set, frozenset)):
        items = list(value)
    else:
        return None
    return next((p for p in map(storable_problem, items) if p is not None), None)


def storable(value: object) -> object:
    """A Pydantic validator of request and document fields: the value unchanged, or a ValueError saying why not."""
    problem = storable_problem(value)
    if problem is not None:
        raise ValueError(problem)
    return value


def has_nul(value: object) -> bool:
    """Whether a string (or any string inside a list or dict) holds a NUL character."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        return any(has_nul(v) for v in value)
    return False


def check_text(value: str, field: str) -> str:
    """The text unchanged, or an error naming the field when it holds a NUL character."""
    if has_nul(value):
        raise InvalidInput(
            N_("invalid %(field)s: text may not contain a NUL character"), field=field, params={"field": field}
        )
    return value


def check_date(day: date, field: str) -> date:
    """The date unchanged, or an error naming the field when it lies outside MIN_DATE..MAX_DATE."""
    if not MIN_DATE <= day <= MAX_DATE:
        raise InvalidInput(
            N_("invalid %(field)s %(day)s: dates from %(min_date)s to %(max_date)s"),
            field=field,
            params={
                "field": field,
                "day": day.isoformat(),
                "min_date": MIN_DATE.isoformat(),
                "max_date": MAX_DATE.isoformat(),
            },
        )
    return day
