"""Calendars, holidays and custom departments."""

from datetime import date

import pytest
from sqlalchemy.orm import Session

from postprod.errors import Conflict, InvalidInput
from postprod.services import people, productions, tasks
from postprod.services.calendars import add_working_days, easter_sunday, french_public_holidays
from postprod.services.common import get_calendar, get_room
from tests.core.factories import make_production


def test_french_holidays() -> None:
    assert easter_sunday(2027) == date(2027, 3, 28)
    days = dict(french_public_holidays(2027))
    assert days[date(2027, 3, 29)] == "Lundi de Pâques"
    assert days[date(2027, 5, 6)] == "Ascension"
    assert len(days) == 11


def test_working_days() -> None:
    hol = {date(2027, 7, 14)}
    # Tue 13 July + 3 working days, the 14th being a holiday -> Fri 16th
    assert add_working_days(date(2027, 7, 13), 3, [1, 2, 3, 4, 5], hol) == date(2027, 7, 16)


@pytest.mark.parametrize(
    ("text", "days"),
    [("mon-fri", [1, 2, 3, 4, 5]), ("mon-sat", [1, 2, 3, 4, 5, 6]), ("tue,thu", [2, 4]), ("1-3,7", [1, 2, 3, 7])],
)
def test_work_day_parsing(text: str, days: list[int]) -> None:
    assert people.parse_work_days(text) == days


@pytest.mark.parametrize("bad", ["fri-mon", "funday", "", "0-3"])
def test_bad_work_days(bad: str) -> None:
    with pytest.raises(InvalidInput):
        people.parse_work_days(bad)


def test_calendar_for_a_room(session: Session) -> None:
    prod = make_production(session)
    cal = people.add_calendar(
        session, prod, name="Six days", work_days="mon-sat", day_start="10:00", day_end="20:00", holidays_from="Studio"
    )
    studio = get_calendar(session, prod, "Studio")
    assert studio is not None and len(cal.holidays) == len(studio.holidays)
    people.add_holiday(session, cal, "2027-01-02", "Closed")
    with pytest.raises(Conflict):
        people.add_holiday(session, cal, "2027-01-02")
    stage = get_room(session, prod, "Mix stage")
    people.set_calendar(session, stage, cal)
    assert stage.calendar is cal and cal.hours_per_day == 10
    with pytest.raises(InvalidInput, match="ends"):
        people.add_calendar(session, prod, name="Night", day_start="22:00", day_end="06:00")
    with pytest.raises(Conflict):
        people.add_calendar(session, prod, name="six DAYS")


def test_custom_department(session: Session) -> None:
    prod = make_production(session)
    dept = productions.add_department(session, prod, "Titles and graphics")
    assert dept.code == "titles-and-graphics" and dept.custom
    t = tasks.create_task(session, prod, key="TTL-MAIN", name="Main titles", department="titles-and-graphics")
    assert t.department is dept
    with pytest.raises(Conflict):
        productions.add_department(session, prod, "titles and graphics")


def test_names_match_whatever_their_case_and_accents(session: Session) -> None:
    from postprod.services.common import get_person

    prod = make_production(session)
    elodie = next(p for p in prod.people if p.name.startswith("Élodie"))
    assert get_person(session, prod, "élodie petit") is elodie
    assert get_person(session, prod, "ÉLODIE PETIT") is elodie
    with pytest.raises(Conflict):
        people.add_person(session, prod, name="élodie petit")
