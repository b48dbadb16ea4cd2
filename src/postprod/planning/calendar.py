"""Working calendars and the integer grid of working days that the solvers schedule on."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from postprod.errors import N_, InvalidInput

WEEKDAYS = frozenset({0, 1, 2, 3, 4})
ALL_DAYS = frozenset(range(7))


@dataclass(frozen=True)
class Calendar:
    """Working weekdays (Monday=0), holidays and absences (inclusive date ranges)."""

    weekdays: frozenset[int] = WEEKDAYS
    holidays: frozenset[date] = frozenset()
    absences: tuple[tuple[date, date], ...] = ()

    def __post_init__(self) -> None:
        if not self.weekdays or not set(self.weekdays) <= set(range(7)):
            raise InvalidInput(
                N_("calendar weekdays must be a non-empty subset of 0..6, got %(weekdays)s"),
                params={"weekdays": sorted(self.weekdays)},
            )
        for d1, d2 in self.absences:
            if d2 < d1:
                raise InvalidInput(
                    N_("absence ends (%(end)s) before it starts (%(start)s)"),
                    field="absences",
                    params={"end": d2, "start": d1},
                )

    def works(self, day: date) -> bool:
        """Whether this calendar is a working day on `day` (weekday, not a holiday, not away)."""
        if day.weekday() not in self.weekdays or day in self.holidays:
            return False
        return not any(d1 <= day <= d2 for d1, d2 in self.absences)

    def with_absence(self, d1: date, d2: date) -> Calendar:
        """A copy of this calendar with one more absence."""
        return Calendar(self.weekdays, self.holidays, (*self.absences, (d1, d2)))

    def to_dict(self) -> dict[str, object]:
        return {
            "weekdays": sorted(self.weekdays),
            "holidays": sorted(d.isoformat() for d in self.holidays),
            "absences": [[a.isoformat(), b.isoformat()] for a, b in self.absences],
        }


@dataclass
class WorkGrid:
    """Slot i is the i-th working day of the project calendar counted from the project start."""

    start: date
    calendar: Calendar = field(default_factory=Calendar)
    _days: list[date] = field(default_factory=list, repr=False)

    def _extend(self, n: int) -> None:
        day = self._days[-1] + timedelta(days=1) if self._days else self.start
        guard = 0
        while len(self._days) < n:
            if self.calendar.works(day):
                self._days.append(day)
                guard = 0
            else:
                guard += 1
                if guard > 3660:
                    raise InvalidInput("the project calendar has no working day for ten years")
            day += timedelta(days=1)

    def date_of(self, slot: int) -> date:
        """Date of working slot `slot` (slot 0 is the first working day on or after the start)."""
        if slot < 0:
            raise InvalidInput(N_("slot %(slot)s is before the project start"), params={"slot": slot})
        self._extend(slot + 1)
        return self._days[slot]

    def days(self, n: int) -> list[date]:
        """Dates of the first n slots."""
        self._extend(n)
        return self._days[:n]

    def slot_of(self, day: date) -> int:
        """Index of the first working slot on or after `day` (0 for days before the start)."""
        if day <= self.start:
            return 0
        while not self._days or self._days[-1] < day:
            self._extend(len(self._days) + 256)
        return bisect.bisect_left(self._days, day)

    def finish_date(self, start_slot: int, duration: int) -> date:
        """Last working day of a task occupying [start_slot, start_slot + duration)."""
        return self.date_of(start_slot + max(duration, 1) - 1)

    def availability(self, cal: Calendar, n: int) -> np.ndarray:
        """Boolean array over the first n slots: True where `cal` works on that slot's date."""
        days = self.days(n)
        out = np.fromiter((d.weekday() in cal.weekdays and d not in cal.holidays for d in days), dtype=bool, count=n)
        for d1, d2 in cal.absences:
            a = bisect.bisect_left(days, d1)
            b = bisect.bisect_right(days, d2)
            out[a:b] = False
        return out


def working_days_between(cal: Calendar, d1: date, d2: date) -> int:
    """Signed count of working days from d1 to d2 (d2 later: positive; same day: 0)."""
    if d2 == d1:
        return 0
    sign = 1 if d2 > d1 else -1
    a, b = (d1, d2) if sign > 0 else (d2, d1)
    count = 0
    day = a + timedelta(days=1)
    while day <= b:
        if cal.works(day):
            count += 1
        day += timedelta(days=1)
    return sign * count
