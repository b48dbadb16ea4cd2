"""Exact rates and drop-frame timecode."""

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from postprod.errors import InvalidInput
from postprod.timecode import frames_to_tc, parse_rate, rate_note, tc_to_frames

NTSC30 = Fraction(30000, 1001)
NTSC60 = Fraction(60000, 1001)


@pytest.mark.parametrize(
    ("text", "rate"),
    [
        ("24", Fraction(24)),
        ("25", Fraction(25)),
        ("23.976", Fraction(24000, 1001)),
        ("23.98", Fraction(24000, 1001)),
        ("29.97", NTSC30),
        ("59.94", NTSC60),
        ("24000/1001", Fraction(24000, 1001)),
        ("30000 / 1001", NTSC30),
        ("50.0", Fraction(50)),
    ],
)
def test_rates_are_read_exactly(text: str, rate: Fraction) -> None:
    assert parse_rate(text) == rate


@pytest.mark.parametrize("bad", ["abc", "", "0", "-24", "24/0", "23.5", "1e3", "24fps", "2000"])
def test_bad_rates_are_refused(bad: str) -> None:
    with pytest.raises(InvalidInput, match="frame rate"):
        parse_rate(bad)


def test_decimal_ntsc_rates_say_so_once() -> None:
    assert rate_note("23.98") == "note: frame rate 23.98 read as 24000/1001"
    assert rate_note("24") is None


def test_drop_frame_reference_points() -> None:
    assert tc_to_frames("01:00:00;00", NTSC30) == 107892
    assert frames_to_tc(107892, NTSC30, drop_frame=True) == "01:00:00;00"
    assert frames_to_tc(1800, NTSC30, drop_frame=True) == "00:01:00;02"
    assert frames_to_tc(17982, NTSC30, drop_frame=True) == "00:10:00;00"
    assert tc_to_frames("00:01:00;04", NTSC60) == 3600


def test_non_drop_timecode() -> None:
    assert tc_to_frames("01:00:00:00", Fraction(24)) == 86400
    assert frames_to_tc(86400 + 23, Fraction(24)) == "01:00:00:23"
    assert tc_to_frames("10:00:00:00", Fraction(25)) == 900000


@pytest.mark.parametrize("bad", ["01:00:00:24", "01:60:00:00", "1:00", "aa:bb:cc:dd", "00:01:00;00"])
def test_bad_timecodes_are_refused(bad: str) -> None:
    rate = NTSC30 if ";" in bad else Fraction(24)
    with pytest.raises(InvalidInput, match="timecode"):
        tc_to_frames(bad, rate)


@given(st.integers(min_value=0, max_value=24 * 3600 * 60))
def test_drop_frame_round_trips(frames: int) -> None:
    for rate in (NTSC30, NTSC60):
        n = frames if rate == NTSC60 else frames // 2
        assert tc_to_frames(frames_to_tc(n, rate, drop_frame=True), rate) == n


@given(st.integers(min_value=0, max_value=24 * 3600 * 25))
def test_non_drop_round_trips(frames: int) -> None:
    for rate in (Fraction(24), Fraction(25), Fraction(24000, 1001)):
        assert tc_to_frames(frames_to_tc(frames, rate), rate) == frames
