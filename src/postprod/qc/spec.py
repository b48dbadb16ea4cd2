"""Delivery specs as TOML data: load a built-in or a file, validate every field with a one-line error."""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, TypedDict

from postprod.errors import N_, FileFormatError, InvalidInput, NotFound
from postprod.timecode import format_rate, parse_rate

SPEC_DIR = Path(__file__).resolve().parent / "specs"
SCANS = ("progressive", "interlaced", "interlaced-tff", "interlaced-bff")
AUDIO_FAULTS = ("phase", "dc_offset", "silent_channel", "identical_channels")
MEASUREMENTS = ("full-programme",)
_RES_RE = re.compile(r"^(\d{2,5})x(\d{2,5})$")
_TC_RE = re.compile(r"^\d{2}:\d{2}:\d{2}[:;]\d{2}$")


class _Bad(Exception):
    """A field's value is wrong; the message says what was expected."""


Checker = Callable[[object], object]  # a TOML value in, the field's value out (or _Bad)


def _number(v: object) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise _Bad("expected a number")
    return float(v)


def _nonneg(v: object) -> float:
    x = _number(v)
    if x < 0:
        raise _Bad(f"expected a number >= 0, got {v}")
    return x


def _fraction(v: object) -> float:
    x = _number(v)
    if not 0 <= x <= 1:
        raise _Bad(f"expected a fraction of full scale from 0 to 1, got {v}")
    return x


def _positive_int(v: object) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise _Bad("expected a whole number")
    if v <= 0:
        raise _Bad(f"expected a whole number > 0, got {v}")
    return v


def _bool(v: object) -> bool:
    if not isinstance(v, bool):
        raise _Bad("expected true or false")
    return v


def _text(v: object) -> str:
    if not isinstance(v, str) or not v.strip():
        raise _Bad("expected a non-empty string")
    return v.strip()


def _list(item: Checker) -> Checker:
    def check(v: object) -> list[object]:
        if not isinstance(v, list) or not v:
            raise _Bad("expected a non-empty list")
        out = []
        for i, x in enumerate(v):
            try:
                out.append(item(x))
            except _Bad as exc:
                raise _Bad(f"item {i + 1}: {exc}") from None
        return out

    return check


def _one_of(choices: tuple[str, ...]) -> Checker:
    def check(v: object) -> str:
        s = _text(v)
        if s not in choices:
            raise _Bad(f"{s!r} is not one of {', '.join(choices)}")
        return s

    return check


def _resolution(v: object) -> str:
    s = _text(v)
    if not _RES_RE.match(s):
        raise _Bad(f"{s!r} is not a resolution like 1920x1080")
    return s


def _rate(v: object) -> Fraction:
    if isinstance(v, float):
        v = repr(v)
    if isinstance(v, bool) or not isinstance(v, int | str):
        raise _Bad('expected a frame rate like "25" or "24000/1001"')
    try:
        return parse_rate(v)
    except InvalidInput as exc:
        raise _Bad(str(exc)) from None


def _timecode(v: object) -> str:
    s = _text(v)
    if not _TC_RE.match(s):
        raise _Bad(f"{s!r} is not a timecode like 10:00:00:00")
    return s


def _code_pair(v: object) -> tuple[int, int]:
    if not isinstance(v, list) or len(v) != 2 or not all(isinstance(x, int) and not isinstance(x, bool) for x in v):
        raise _Bad("expected [low, high] 8-bit code values")
    lo, hi = v
    if not 0 <= lo < hi <= 255:
        raise _Bad(f"expected 0 <= low < high <= 255, got [{lo}, {hi}]")
    return (lo, hi)


def _nonneg_int(v: object) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise _Bad("expected a whole number")
    if v < 0:
        raise _Bad(f"expected a whole number >= 0, got {v}")
    return v


def _positive(v: object) -> float:
    x = _number(v)
    if x <= 0:
        raise _Bad(f"expected a number > 0, got {v}")
    return x


# Named character sets for a timed-text spec's allowed_characters (any other item is taken as literal characters).
CHARACTER_SETS = {
    "ascii": "".join(chr(c) for c in range(0x20, 0x7F)),
    "latin-1": "".join(chr(c) for c in (*range(0x20, 0x7F), *range(0xA0, 0x100))),
    "latin-9": "".join(
        chr(c)
        for c in (*range(0x20, 0x7F), *range(0xA0, 0x100))
        if c not in (0xA4, 0xA6, 0xA8, 0xB4, 0xB8, 0xBC, 0xBD, 0xBE)
    )
    + "€ŠšŽžŒœŸ",
}


def _charset(v: object) -> str:
    s = v if isinstance(v, str) else None
    if not s:
        raise _Bad(f"expected a character set ({', '.join(CHARACTER_SETS)}) or a string of characters, got {v!r}")
    return s


def allowed_characters(items: list[str]) -> frozenset[str]:
    """The characters a timed-text spec allows: its named sets and literal characters together."""
    out: set[str] = set()
    for item in items:
        out |= set(CHARACTER_SETS.get(item, item))
    return frozenset(out)


class Mode(TypedDict):
    """A resolution at a frame rate (a [video] modes item)."""

    resolution: str
    frame_rate: Fraction


def _mode(v: object) -> Mode:
    if not isinstance(v, dict) or set(v) != {"resolution", "frame_rate"}:
        raise _Bad('expected {resolution = "720x576", frame_rate = "25"}')
    return Mode(resolution=_resolution(v["resolution"]), frame_rate=_rate(v["frame_rate"]))


# section -> field -> checker. Every field is optional; a section present is a clause to check.
SCHEMA: dict[str, dict[str, Checker]] = {
    "spec": {"name": _text, "title": _text, "description": _text, "reference": _text},
    "container": {"formats": _list(_text)},
    "video": {
        "required": _bool,
        "codecs": _list(_text),
        "profiles": _list(_text),
        "resolutions": _list(_resolution),
        "frame_rates": _list(_rate),
        "modes": _list(_mode),
        "scan": _list(_one_of(SCANS)),
        "pixel_formats": _list(_text),
        "bit_depths": _list(_positive_int),
    },
    "colour": {
        "primaries": _list(_text),
        "transfer": _list(_text),
        "matrix": _list(_text),
        "range": _list(_one_of(("tv", "pc"))),
    },
    "audio": {
        "required": _bool,
        "codecs": _list(_text),
        "sample_rates": _list(_positive_int),
        "bit_depths": _list(_positive_int),
        "channels": _list(_positive_int),
        "layouts": _list(_text),
        "min_streams": _positive_int,
        "tracks": _list(_positive_int),
        "forbidden": _list(_one_of(AUDIO_FAULTS)),
    },
    "loudness": {
        "target": _number,
        "tolerance": _nonneg,
        "measurement": _one_of(MEASUREMENTS),
        "max_true_peak": _number,
        "max_sample_peak": _number,
        "max_lra": _nonneg,
        "max_momentary": _number,
        "max_short_term": _number,
    },
    "timecode": {"start": _timecode, "drop_frame": _bool},
    "duration": {"min_seconds": _nonneg, "max_seconds": _nonneg},
    "black": {
        "head_min_seconds": _nonneg,
        "head_max_seconds": _nonneg,
        "tail_min_seconds": _nonneg,
        "tail_max_seconds": _nonneg,
        "max_seconds": _nonneg,
    },
    # noise: how far a held picture may drift from its first frame through compression (mean luma
    # difference, fraction of full scale); 0 counts exact repeats only
    "freeze": {"max_seconds": _nonneg, "noise": _fraction},
    "silence": {"max_seconds": _nonneg, "threshold_db": _number},
    "clipping": {"allowed": _bool},
    "legal_range": {"luma": _code_pair, "chroma": _code_pair, "max_percent": _nonneg},
    "bars": {"allowed": _bool},
    # Timed text (subtitles and captions): a spec with this section checks subtitle files, not media.
    "subtitles": {
        "max_chars_per_line": _positive_int,
        "max_lines": _positive_int,
        "max_cps": _positive,
        "cps_count_spaces": _bool,
        "max_wpm": _positive,
        "min_duration_seconds": _nonneg,
        "max_duration_seconds": _positive,
        "min_gap_frames": _nonneg_int,
        "overlaps_allowed": _bool,
        "within_programme": _bool,
        "allowed_characters": _list(_charset),
        "balanced_italics": _bool,
        "shot_change_frames": _positive_int,
    },
    # the master against a locked cut version of the production ("R1" for the latest, or "R1 v3"), checked
    # when a deliverable is checked (the version is read from the database)
    "conform": {"cut": _text, "max_shift": _positive_int, "flash_frames": _positive_int},
}
TIMED_TEXT_SECTIONS = ("spec", "timecode", "subtitles")

_PAIRS = [
    ("duration", "min_seconds", "max_seconds"),
    ("black", "head_min_seconds", "head_max_seconds"),
    ("black", "tail_min_seconds", "tail_max_seconds"),
    ("subtitles", "min_duration_seconds", "max_duration_seconds"),
]


@dataclass
class Spec:
    """A validated delivery spec: sections of clauses, values already typed (rates are Fractions)."""

    name: str
    title: str
    path: str
    # section -> field -> value, of the type its SCHEMA checker returns (str, float, int, bool, Fraction,
    # (low, high), Mode, or a list of one of them): Any, as each field has its own
    sections: dict[str, dict[str, Any]] = field(default_factory=dict)

    def section(self, name: str) -> dict[str, Any] | None:
        return self.sections.get(name)

    def get(self, section: str, key: str, default: Any = None) -> Any:
        return self.sections.get(section, {}).get(key, default)

    @property
    def description(self) -> str:
        return str(self.get("spec", "description", ""))

    @property
    def is_timed_text(self) -> bool:
        """A spec for subtitle and caption files (it has a [subtitles] section), not for media."""
        return "subtitles" in self.sections

    @property
    def needs_video_analysis(self) -> bool:
        return any(s in self.sections for s in ("black", "freeze", "legal_range", "bars", "conform"))

    @property
    def needs_audio_analysis(self) -> bool:
        return any(s in self.sections for s in ("loudness", "silence", "clipping")) or bool(
            self.get("audio", "forbidden")
        )

    def to_dict(self) -> dict[str, Any]:
        def plain(v: object) -> object:
            if isinstance(v, Fraction):
                return format_rate(v)
            if isinstance(v, list | tuple):
                return [plain(x) for x in v]
            if isinstance(v, dict):
                return {k: plain(x) for k, x in v.items()}
            return v

        return {"name": self.name, "title": self.title, "path": self.path, "sections": plain(self.sections)}


def builtin_specs() -> dict[str, Path]:
    """Built-in spec names and their files."""
    return {p.stem: p for p in sorted(SPEC_DIR.glob("*.toml"))}


def validate_spec(data: dict[str, Any], source: str, default_name: str) -> Spec:
    """Check every section and field of parsed spec data; errors read `source: section.field: what`."""
    sections: dict[str, dict[str, Any]] = {}
    for sec, body in data.items():
        if sec not in SCHEMA:
            raise FileFormatError(
                source, N_("%(sec)s: unknown section%(suggest)s"), params={"sec": sec, "suggest": _suggest(sec, SCHEMA)}
            )
        if not isinstance(body, dict):
            raise FileFormatError(source, N_("%(sec)s: expected a table [%(sec)s]"), params={"sec": sec})
        fields = SCHEMA[sec]
        out: dict[str, Any] = {}
        for key, value in body.items():
            if key not in fields:
                raise FileFormatError(
                    source,
                    N_("%(sec)s.%(key)s: unknown field%(suggest)s"),
                    params={"sec": sec, "key": key, "suggest": _suggest(key, fields)},
                )
            try:
                out[key] = fields[key](value)
            except _Bad as exc:
                raise FileFormatError(
                    source, N_("%(sec)s.%(key)s: %(exc)s"), params={"sec": sec, "key": key, "exc": exc}
                ) from None
        sections[sec] = out
    for sec, lo, hi in _PAIRS:
        s = sections.get(sec, {})
        if lo in s and hi in s and s[lo] > s[hi]:
            raise FileFormatError(
                source,
                N_("%(sec)s.%(lo)s: %(low)s is above %(sec)s.%(hi)s (%(high)s)"),
                params={"sec": sec, "lo": lo, "low": s[lo], "hi": hi, "high": s[hi]},
            )
    loud = sections.get("loudness", {})
    if "tolerance" in loud and "target" not in loud:
        raise FileFormatError(source, "loudness.tolerance: given without loudness.target")
    if "target" in loud and "measurement" not in loud:
        raise FileFormatError(source, 'loudness.measurement: required with a target (e.g. "full-programme")')
    if "subtitles" in sections:
        extra = [sec for sec in sections if sec not in TIMED_TEXT_SECTIONS]
        if extra:
            raise FileFormatError(
                source,
                N_("%(extra)s: a timed-text spec ([subtitles]) has only [spec], [timecode] and [subtitles]"),
                params={"extra": extra[0]},
            )
    meta = sections.get("spec", {})
    name = meta.get("name", default_name)
    return Spec(name=name, title=meta.get("title", name), path=source, sections=sections)


def _suggest(word: str, choices: Collection[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else f" (expected one of: {', '.join(choices)})"


def parse_spec_text(text: str, source: str, default_name: str = "custom") -> Spec:
    """Parse and validate spec TOML text."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise FileFormatError(source, N_("invalid TOML: %(exc)s"), params={"exc": exc}) from None
    return validate_spec(data, source, default_name)


def builtin_spec(name: str) -> Spec:
    """A built-in spec by name (e.g. "ebu-r128"); NotFound, with a suggestion, for any other name."""
    builtins = builtin_specs()
    if name in builtins:
        path = builtins[name]
        return parse_spec_text(path.read_text(encoding="utf-8"), f"specs/{path.name}", path.stem)
    close = difflib.get_close_matches(name, list(builtins), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise NotFound(
        N_("unknown spec %(name)r%(hint)s (built-in specs: %(builtins)s; or give a .toml path)"),
        params={"name": name, "hint": hint, "builtins": ", ".join(builtins)},
    )


def looks_like_spec_file(name_or_path: str | os.PathLike[str]) -> bool:
    """True when a --spec value names a file rather than a built-in spec."""
    text_name = str(name_or_path)
    if text_name in builtin_specs():
        return False
    p = Path(name_or_path)
    return p.suffix.lower() == ".toml" or p.exists() or os.sep in text_name or "/" in text_name


def read_spec_file(path: str | os.PathLike[str]) -> tuple[str, Spec]:
    """A spec file's text and the spec it holds (for the command line, on the user's own machine)."""
    text_name = str(path)
    p = Path(path)
    if not p.is_file():
        raise NotFound(N_("%(text_name)s: no such spec file"), params={"text_name": text_name})
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FileFormatError(
            text_name, N_("cannot read spec (%(kind)s)"), params={"kind": exc.__class__.__name__}
        ) from None
    return text, parse_spec_text(text, text_name, p.stem)


def load_spec(name_or_path: str | os.PathLike[str]) -> Spec:
    """A built-in spec by name (e.g. "ebu-r128") or a spec file by path (the command line's `qc check`)."""
    if looks_like_spec_file(name_or_path):
        return read_spec_file(name_or_path)[1]
    return builtin_spec(str(name_or_path))
