"""Exact frame rates and SMPTE timecode, drop-frame done right. No float rates anywhere."""

from __future__ import annotations

import re
from fractions import Fraction

from postprod.errors import N_, InvalidInput

# The rates the trade writes as decimals, read as the exact NTSC fractions they stand for.
_NTSC_ALIASES: dict[str, Fraction] = {
    "23.976": Fraction(24000, 1001),
    "23.98": Fraction(24000, 1001),
    "29.97": Fraction(30000, 1001),
    "47.952": Fraction(48000, 1001),
    "47.95": Fraction(48000, 1001),
    "59.94": Fraction(60000, 1001),
    "119.88": Fraction(120000, 1001),
}

STANDARD_RATES: tuple[Fraction, ...] = (
    Fraction(24000, 1001),
    Fraction(24),
    Fraction(25),
    Fraction(30000, 1001),
    Fraction(30),
    Fraction(48),
    Fraction(50),
    Fraction(60000, 1001),
    Fraction(60),
)

_RATE_RE = re.compile(r"^\s*(\d+)(?:\s*/\s*(\d+))?\s*$")
_DECIMAL_RE = re.compile(r"^\s*\d+\.\d+\s*$")
_TC_RE = re.compile(r"^\s*(-)?(\d{1,2})[:;.](\d{2})[:;.](\d{2})([:;.,])(\d{2,3})\s*$")


def parse_rate(value: str | int | Fraction, *, field: str = "fps") -> Fraction:
    """Read a frame rate as an exact rational: "24", "25", "24000/1001", "23.976", "29.97"."""
    if isinstance(value, Fraction):
        rate = value
    elif isinstance(value, int) and not isinstance(value, bool):
        rate = Fraction(value)
    elif isinstance(value, str):
        text = value.strip()
        if text in _NTSC_ALIASES:
            rate = _NTSC_ALIASES[text]
        else:
            m = _RATE_RE.match(text)
            if m:
                den = int(m.group(2)) if m.group(2) else 1
                if den == 0:
                    raise InvalidInput(
                        N_("invalid frame rate %(value)r: zero denominator"), field=field, params={"value": value}
                    )
                rate = Fraction(int(m.group(1)), den)
            elif _DECIMAL_RE.match(text) and Fraction(text).denominator == 1:
                rate = Fraction(text)
            elif _DECIMAL_RE.match(text) and text.endswith(".0"):
                rate = Fraction(text)
            else:
                raise InvalidInput(
                    N_("invalid frame rate %(value)r: use e.g. 24, 25, 24000/1001 or 23.976"),
                    field=field,
                    params={"value": value},
                )
    else:
        raise InvalidInput(N_("invalid frame rate %(value)r"), field=field, params={"value": value})
    if rate <= 0 or rate > 1000:
        raise InvalidInput(
            N_("invalid frame rate %(value)r: must be between 0 and 1000"), field=field, params={"value": value}
        )
    return rate


def rate_note(value: str) -> str | None:
    """The note to print once when a decimal rate was read as an exact NTSC fraction."""
    text = str(value).strip()
    if text in _NTSC_ALIASES:
        r = _NTSC_ALIASES[text]
        return f"note: frame rate {text} read as {r.numerator}/{r.denominator}"
    return None


def format_rate(rate: Fraction) -> str:
    """The exact text form stored and exported: "24000/1001" or "25"."""
    return str(rate.numerator) if rate.denominator == 1 else f"{rate.numerator}/{rate.denominator}"


def nominal_fps(rate: Fraction) -> int:
    """The frame count per timecode second: 24 for 23.976, 30 for 29.97."""
    return round(rate)


def supports_drop_frame(rate: Fraction) -> bool:
    """Drop-frame exists for the NTSC multiples of 30 (29.97, 59.94)."""
    return rate.denominator == 1001 and nominal_fps(rate) % 30 == 0


def _drop_per_minute(rate: Fraction) -> int:
    return 2 * (nominal_fps(rate) // 30)


def tc_to_frames(tc: str, rate: Fraction, drop_frame: bool | None = None, *, field: str = "timecode") -> int:
    """Frame number of a timecode; drop-frame when asked, or when written with ';'."""
    m = _TC_RE.match(tc)
    if not m:
        raise InvalidInput(N_("invalid timecode %(tc)r: expected HH:MM:SS:FF"), field=field, params={"tc": tc})
    neg, hh, mm, ss, sep, ff = m.groups()
    h, mi, s, f = int(hh), int(mm), int(ss), int(ff)
    fps = nominal_fps(rate)
    if mi > 59 or s > 59:
        raise InvalidInput(
            N_("invalid timecode %(tc)r: minutes and seconds must be below 60"), field=field, params={"tc": tc}
        )
    if f >= fps:
        raise InvalidInput(
            N_("invalid timecode %(tc)r: frame %(f)s not below %(fps)s at this rate"),
            field=field,
            params={"tc": tc, "f": f, "fps": fps},
        )
    df = drop_frame if drop_frame is not None else sep in ";,"
    if df and not supports_drop_frame(rate):
        if drop_frame is None:
            df = False  # a ';' at a non-NTSC rate is a typing habit, not drop-frame
        else:
            raise InvalidInput(
                N_("drop-frame timecode is only defined at 29.97 and 59.94, not %(rate)s"),
                field=field,
                params={"rate": format_rate(rate)},
            )
    total_minutes = 60 * h + mi
    frames = ((total_minutes * 60) + s) * fps + f
    if df:
        d = _drop_per_minute(rate)
        if mi % 10 != 0 and s == 0 and f < d:
            raise InvalidInput(
                N_("invalid drop-frame timecode %(tc)r: frames :00 to :%(d)s do not exist in minute %(mi)s"),
                field=field,
                params={"tc": tc, "d": format(d - 1, "02d"), "mi": mi},
            )
        frames -= d * (total_minutes - total_minutes // 10)
    return -frames if neg else frames


def start_tc_to_frames(tc: str, rate: Fraction, *, field: str = "record_start_tc") -> int:
    """Frame number of a start timecode, which is a time of day: 00:00:00:00 to 23:59:59 and its last frame."""
    frames = tc_to_frames(tc, rate, field=field)
    m = _TC_RE.match(tc)
    assert m is not None  # tc_to_frames refused anything else
    if m.group(1) or int(m.group(2)) > 23:
        raise InvalidInput(
            N_("invalid %(field)s %(tc)r: from 00:00:00:00 to 23:59:59:xx"),
            field=field,
            params={"field": field, "tc": tc.strip()},
        )
    return frames


def frames_to_tc(frames: int, rate: Fraction, drop_frame: bool = False) -> str:
    """Timecode of a frame number; ';' before the frames field when drop-frame."""
    fps = nominal_fps(rate)
    neg = frames < 0
    n = -frames if neg else frames
    sep = ":"
    if drop_frame:
        if not supports_drop_frame(rate):
            raise InvalidInput(
                N_("drop-frame timecode is only defined at 29.97 and 59.94, not %(rate)s"),
                params={"rate": format_rate(rate)},
            )
        d = _drop_per_minute(rate)
        per_10min = fps * 600 - d * 9
        per_min = fps * 60 - d
        tens, rem = divmod(n, per_10min)
        if rem > d:
            n += d * 9 * tens + d * ((rem - d) // per_min)
        else:
            n += d * 9 * tens
        sep = ";"
    f = n % fps
    s = (n // fps) % 60
    m = (n // (fps * 60)) % 60
    h = n // (fps * 3600)
    text = f"{h:02d}:{m:02d}:{s:02d}{sep}{f:02d}"
    return "-" + text if neg else text


def frames_to_seconds(frames: int, rate: Fraction) -> Fraction:
    """Exact wall-clock seconds of a frame count."""
    return Fraction(frames) / rate


def seconds_to_frames(seconds: float | Fraction, rate: Fraction) -> int:
    """Nearest frame to a time in seconds."""
    return round(Fraction(seconds) * rate)
