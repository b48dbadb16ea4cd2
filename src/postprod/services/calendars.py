"""Working calendars: public holidays and the working-day arithmetic services need."""

from __future__ import annotations

from datetime import date, timedelta


def easter_sunday(year: int) -> date:
    """Gregorian Easter (anonymous Gregorian algorithm)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month = (h + el - 7 * m + 114) // 31
    day = ((h + el - 7 * m + 114) % 31) + 1
    return date(year, month, day)


def french_public_holidays(year: int) -> list[tuple[date, str]]:
    """The eleven French public holidays of a year (jours fériés), one entry per day.

    Two can fall on one day (Ascension on 1 May in 2008, on 8 May in 2059): that day is listed once,
    with both names.
    """
    easter = easter_sunday(year)
    days = [
        (date(year, 1, 1), "Jour de l'an"),
        (easter + timedelta(days=1), "Lundi de Pâques"),
        (date(year, 5, 1), "Fête du Travail"),
        (date(year, 5, 8), "Victoire 1945"),
        (easter + timedelta(days=39), "Ascension"),
        (easter + timedelta(days=50), "Lundi de Pentecôte"),
        (date(year, 7, 14), "Fête nationale"),
        (date(year, 8, 15), "Assomption"),
        (date(year, 11, 1), "Toussaint"),
        (date(year, 11, 11), "Armistice 1918"),
        (date(year, 12, 25), "Noël"),
    ]
    names: dict[date, list[str]] = {}
    for day, name in days:
        names.setdefault(day, []).append(name)
    return [(day, " / ".join(names[day])) for day in sorted(names)]


def is_working_day(day: date, work_days: list[int], holidays: set[date]) -> bool:
    """True when the day is a listed ISO weekday and not a holiday."""
    return day.isoweekday() in work_days and day not in holidays


def add_working_days(start: date, days: int, work_days: list[int], holidays: set[date]) -> date:
    """The date `days` working days after start (start itself counted when it is a working day)."""
    if not work_days:
        raise ValueError("a calendar needs at least one working day")
    d = start
    while not is_working_day(d, work_days, holidays):
        d += timedelta(days=1)
    remaining = days
    while remaining > 1:
        d += timedelta(days=1)
        if is_working_day(d, work_days, holidays):
            remaining -= 1
    return d


def working_days_between(start: date, end: date, work_days: list[int], holidays: set[date]) -> int:
    """Working days from start to end inclusive."""
    n = 0
    d = start
    while d <= end:
        if is_working_day(d, work_days, holidays):
            n += 1
        d += timedelta(days=1)
    return n
