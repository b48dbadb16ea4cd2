"""Valid or near-valid input that once crashed: holidays on one day, far dates, day-time timecodes, large IDs, short reels."""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from postprod.errors import InvalidInput
from postprod.limits import MAX_ID, as_id, storable_problem
from postprod.services.calendars import french_public_holidays
from postprod.services.common import get_production, get_task, parse_date
from postprod.services.productions import create_production
from postprod.timecode import start_tc_to_frames
from tests.core.test_core_cli import run


@pytest.mark.parametrize(
    ("year", "day", "names"),
    [(2008, date(2008, 5, 1), "Fête du Travail / Ascension"), (2059, date(2059, 5, 8), "Victoire 1945 / Ascension")],
)
def test_two_holidays_on_one_day_are_one_entry_with_both_names(year: int, day: date, names: str) -> None:
    holidays = french_public_holidays(year)
    days = [d for d, _ in holidays]
    assert len(days) == len(set(days)) == 10
    assert dict(holidays)[day] == names


def test_every_year_of_the_supported_range_has_distinct_holiday_days() -> None:
    for year in range(1900, 2201):
        days = [d for d, _ in french_public_holidays(year)]
        assert len(days) == len(set(days)), year


@pytest.mark.parametrize("start", ["2008-01-01", "2058-01-01"])
def test_production_over_a_year_with_a_double_holiday(session: Session, start: str) -> None:
    prod = create_production(session, title=f"Film {start}", start=start, deliveries="2058-06-01")
    session.flush()
    cal = prod.calendars[0]
    days = [h.day for h in cal.holidays]
    assert len(days) == len(set(days))
    assert {h.day for h in cal.holidays} >= {date(2008, 5, 1) if start < "2009" else date(2059, 5, 8)}


@pytest.mark.parametrize(
    ("kw", "field"), [({"start": "9999-06-01"}, "start"), ({"deliveries": "9999-12-31"}, "delivery")]
)
def test_dates_out_of_the_supported_range_name_the_field(session: Session, kw: dict[str, str], field: str) -> None:
    with pytest.raises(InvalidInput) as err:
        create_production(session, title="Far", **kw)
    assert err.value.field == field
    assert "1900-01-01 to 2199-12-31" in err.value.message


def test_parse_date_bounds() -> None:
    assert parse_date("2199-12-31") == date(2199, 12, 31)
    assert parse_date("1900-01-01") == date(1900, 1, 1)
    for text in ("9999-12-31", "0001-01-01", "2200-01-01"):
        with pytest.raises(InvalidInput, match="due"):
            parse_date(text, "due")
    with pytest.raises(InvalidInput):
        parse_date(date(9999, 1, 1), "due")


@pytest.mark.parametrize("tc", ["-01:00:00:00", "24:00:00:00", "99:59:59:00", "-00:00:00:01"])
def test_record_start_timecode_outside_a_day_is_refused(tc: str) -> None:
    with pytest.raises(InvalidInput) as err:
        start_tc_to_frames(tc, Fraction(24))
    assert err.value.field == "record_start_tc"


def test_record_start_timecode_within_a_day() -> None:
    assert start_tc_to_frames("00:00:00:00", Fraction(24)) == 0
    assert start_tc_to_frames("23:59:59:23", Fraction(24)) == 24 * 86400 - 1
    assert start_tc_to_frames("23:59:59;29", Fraction(30000, 1001)) > 0


@pytest.mark.parametrize("tc", ["-01:00:00:00", "24:00:00:00"])
def test_production_with_a_record_start_outside_a_day_is_refused(session: Session, tc: str) -> None:
    with pytest.raises(InvalidInput) as err:
        create_production(session, title="TC", record_start_tc=tc)
    assert err.value.field == "record_start_tc"


def test_as_id_takes_only_ascii_digits_within_the_databases_integers() -> None:
    assert as_id("42") == 42 and as_id(" 7 ") == 7 and as_id(str(MAX_ID)) == MAX_ID
    for text in ("0", str(MAX_ID + 1), str(2**63), "²", "١٢", "-3", "3.0", "", "PIC-1"):
        assert as_id(text) is None, text


def test_storable_problem_finds_nul_large_integers_and_far_dates_inside_containers() -> None:
    assert storable_problem({"a": ["x", 1, date(2027, 1, 1)]}) is None
    assert storable_problem({"a": ["x\x00"]}) == "text may not contain a NUL character"
    assert storable_problem({"k\x00": 1}) is not None
    assert storable_problem([2**31]) is not None and storable_problem(-(2**31)) is not None
    assert storable_problem(True) is None
    assert storable_problem(date(9999, 1, 1)) is not None


def test_large_or_odd_numeric_references_are_not_found(session: Session) -> None:
    prod = create_production(session, title="Refs")
    session.flush()
    for ref in (str(2**31), str(2**63), str(2**64), "²"):
        with pytest.raises(Exception) as err:
            get_task(session, prod, ref)
        assert type(err.value).__name__ == "NotFound", ref
        with pytest.raises(Exception) as err:
            get_production(session, ref)
        assert type(err.value).__name__ == "NotFound", ref


def test_cli_production_over_2008_and_far_dates(cli_db: str) -> None:
    code, out, err = run("production", "create", "Deux mille huit", "--start", "2008-01-01", "--json")
    assert code == 0, err
    code, out, err = run("production", "create", "Far", "--start", "2057-01-01", "--delivery", "2058-06-01")
    assert code == 0, err
    code, out, err = run("production", "create", "Too far", "--start", "9999-06-01")
    assert code == 2
    assert err.strip().count("\n") == 0 and "start" in err and "Traceback" not in err


@pytest.mark.parametrize("tc", ["-01:00:00:00", "24:00:00:00"])
def test_cli_record_start_outside_a_day_is_one_line_exit_2(cli_db: str, tc: str) -> None:
    code, _out, err = run("production", "create", "TC", "--tc", tc)
    assert code == 2
    assert err.strip().count("\n") == 0 and "record_start_tc" in err


@pytest.mark.parametrize("events", [40, 41, 47, 52, 59, 60, 119])
def test_sample_cut_writes_every_reel_length_it_offers(tmp_path: Path, events: int) -> None:
    code, out, err = run("sample", "cut", str(tmp_path / "a.edl"), str(tmp_path / "b.edl"), "--events", str(events))
    assert code == 0, err
    assert f"({events} events)" in " ".join(out.split())
    assert (tmp_path / "b.edl").read_text(encoding="ascii").count("\n") > events


@pytest.mark.parametrize(
    "args",
    [
        ["absence", "remove", str(2**63)],
        ["webhook", "resume", str(2**63)],
        ["webhook", "remove", str(2**31)],
        ["cut", "changes", "-r", "R1", "--from", str(2**63)],
        ["history", "--limit", str(2**63)],
    ],
)
def test_cli_large_numbers_are_exit_2_naming_the_option(cli_db: str, tmp_path: Path, args: list[str]) -> None:
    assert run("demo")[0] == 0
    if args[0] == "cut":  # a reel with one version, so that the number is what is looked up
        old, new = tmp_path / "a.edl", tmp_path / "b.edl"
        assert run("sample", "cut", str(old), str(new))[0] == 0
        assert run("cut", "import", str(old), "-r", "R1")[0] == 0
    code, _out, err = run(*args)
    assert code == 2, err
    assert "Traceback" not in err
