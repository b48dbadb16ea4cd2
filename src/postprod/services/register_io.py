"""Registers in and out of files: CSV and spotting-export import with an error per bad line, music cue sheets."""

from __future__ import annotations

import csv
import html
import io
import math
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from postprod.errors import N_, FileFormatError, InvalidInput, PostprodError
from postprod.model import Production
from postprod.model.editorial import CutVersionContent, MusicCue, MusicStatus, RegisterMixin
from postprod.services.money import refuse_blind_write
from postprod.services.registers import (
    KINDS,
    Kind,
    Placement,
    _defaults,
    all_fields,
    anchor,
    apply_values,
    attr_of,
    entry_dict,
    list_entries,
    parse_values,
)

MAX_IMPORT_BYTES = 50_000_000
MAX_ERRORS_IN_MESSAGE = 25


# A line naming an entry the register has: an import that updates the entries there takes it.
ALREADY_THERE = N_("%(key)s already exists")


class BadLines(InvalidInput):
    """A file with bad lines: each one named with file and line; nothing was written.

    It says what is wrong, not what to do: that is each client's (the command line's --skip-bad and --update,
    the page's form). `existing` counts the lines refused only because their entry is there already.
    """

    def __init__(self, path: str, errors: list[FileFormatError]) -> None:
        self.errors = errors
        self.existing = sum(1 for e in errors if e.detail == ALREADY_THERE)
        n = len(errors)
        template = (
            N_("%(path)s: 1 bad line, nothing imported: %(lines)s")
            if n == 1
            else N_("%(path)s: %(n)s bad lines, nothing imported: %(lines)s")
        )
        super().__init__(template, params={"path": path, "n": n, "lines": self._lines(_english)})

    def _lines(self, gettext: Callable[[str], str]) -> str:
        shown = "; ".join(e.said(gettext) for e in self.errors[:MAX_ERRORS_IN_MESSAGE])
        more = len(self.errors) - MAX_ERRORS_IN_MESSAGE
        return shown if more <= 0 else f"{shown}; … " + gettext(N_("and %(n)s more")) % {"n": more}

    def said(self, gettext: Callable[[str], str]) -> str:
        try:
            return gettext(self.template) % {**self.params, "lines": self._lines(gettext)}
        except (KeyError, ValueError, TypeError):  # a translation that lost a parameter: the English is still right
            return self.message

    def rename_file(self, path: str, name: str) -> None:
        for e in self.errors:
            e.rename_file(path, name)
        self.params = {**self.params, "path": str(self.params["path"]).replace(path, name)}
        self.params["lines"] = self._lines(_english)
        self.message = self.template % self.params
        self.args = (self.message,)


def _english(text: str) -> str:
    return text


@dataclass
class ImportResult:
    """What an import did."""

    path: str
    kind: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0  # rows that say what the register already holds
    skipped: list[FileFormatError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    delimiter: str = ","

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "kind": self.kind,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": [{"line": e.line, "message": str(e)} for e in self.skipped],
            "ignored_columns": self.ignored_columns,
        }


def _norm(header: str) -> str:
    text = header.strip().lower().replace("_", " ").replace("\ufeff", "")
    text = re.sub(r"[.:]+$", "", text)
    return re.sub(r"\s+", " ", text)


def _decode(path: str, data: bytes) -> str:
    if b"\x00" in data[:4096]:
        raise FileFormatError(path, N_("not a text file (binary data)"))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def read_table(path: str) -> tuple[list[str], list[tuple[int, list[str]]], str]:
    """Header, rows with their line numbers, and the delimiter (tab, ';' or ',') of a CSV/TSV file."""
    try:
        size = os.path.getsize(path)
        if size > MAX_IMPORT_BYTES:
            raise FileFormatError(
                path,
                N_("file too large (%(size)s bytes, at most %(max)s)"),
                params={"size": size, "max": MAX_IMPORT_BYTES},
            )
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise FileFormatError(path, N_("cannot read: %(reason)s"), params={"reason": exc.strerror or str(exc)}) from exc
    text = _decode(path, data)
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    if not first:
        raise FileFormatError(path, N_("empty file: expected a header line and rows"))
    delim = "\t" if "\t" in first else ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    rows: list[tuple[int, list[str]]] = []
    header: list[str] | None = None
    start = 1
    try:
        for row in reader:
            line = start
            start = reader.line_num + 1
            if not any(cell.strip() for cell in row):
                continue
            if header is None:
                header = row
                continue
            rows.append((line, row))
    except csv.Error as exc:
        raise FileFormatError(
            path, N_("malformed CSV: %(reason)s"), params={"reason": str(exc)}, line=reader.line_num
        ) from exc
    assert header is not None
    return [h.strip() for h in header], rows, delim


# `postprod vfx pulls --csv` writes the source (camera roll) as "reel" and the shot's place in the cut
# as record_in_tc/record_out_tc: read as a register, the record timecodes are the shot's in/out and
# its reel is the reel of the cut that names the shot.
_PULL_LIST = ("shot id", "pull in tc", "record in tc", "record out tc")
_PULL_RENAMES = {
    "reel": "source reel",  # the camera roll: the register's reel is the cut's
    "record reel": "reel",  # written by `vfx pulls --reel`
    "record in tc": "record in",
    "record out tc": "record out",
}


def is_pull_list(header: list[str]) -> bool:
    """Whether a header is the one of a pull list (`vfx pulls --csv`)."""
    return set(_PULL_LIST) <= {_norm(h) for h in header}


def _shot_reels(session: Session, place: Placement) -> dict[str, str]:
    """Shot ID (upper case) -> the reel whose latest cut version names it."""
    out: dict[str, str] = {}
    for reel, vid in sorted(place.latest.items()):
        content = session.get(CutVersionContent, vid)
        for ev in content.events if content is not None else []:
            for shot in ev.get("vfx") or ():
                out.setdefault(str(shot).upper(), reel)
    return out


def column_map(path: str, kind: Kind, header: list[str]) -> tuple[dict[int, str], list[str]]:
    """Column index -> field name, from the header's spellings; the columns nobody reads."""
    aliases: dict[str, str] = {}
    for f in all_fields(kind):
        for spelling in (f.name, *f.aliases):
            aliases.setdefault(_norm(spelling), f.name)
    mapping: dict[int, str] = {}
    ignored: list[str] = []
    seen: dict[str, str] = {}
    for i, h in enumerate(header):
        name = aliases.get(_norm(h))
        if name is None:
            if h:
                ignored.append(h)
            continue
        if name in seen:
            raise FileFormatError(
                path,
                N_("columns %(a)r and %(b)r both give the %(field)s"),
                params={"a": seen[name], "b": h, "field": name},
                line=1,
            )
        seen[name] = h
        mapping[i] = name
    key = kind.fields[0]
    if key.name not in seen:
        spellings = ", ".join(repr(a) for a in key.aliases)
        raise FileFormatError(
            path,
            N_("no %(field)s column: expected a header with one of %(spellings)s"),
            params={"field": key.name, "spellings": spellings},
            line=1,
        )
    return mapping, ignored


def import_entries(
    session: Session,
    prod: Production,
    kind: Kind,
    path: str | os.PathLike[str],
    *,
    skip_bad: bool = False,
    update_existing: bool = False,
    money: bool = True,
) -> ImportResult:
    """Import a register from CSV/TSV (or a spotting export); any bad line refuses the whole file unless skip_bad.

    money: whether the importer sees money; one who does not may not import a money column (a bid).
    """
    p = os.fspath(path)
    header, rows, delim = read_table(p)
    pulls = kind.name == "vfx" and is_pull_list(header)
    if pulls:
        header = [_PULL_RENAMES.get(_norm(h), h) for h in header]
    mapping, ignored = column_map(p, kind, header)
    refuse_blind_write(money, [(f.name, f.type) for f in all_fields(kind)], mapping.values())
    place = Placement(session, prod)
    shot_reels = _shot_reels(session, place) if pulls else {}
    model: Any = kind.model
    key_attr = kind.key
    existing = {
        str(getattr(e, key_attr)).lower(): e
        for e in session.scalars(select(model).where(model.production_id == prod.id))
    }
    result = ImportResult(path=p, kind=kind.name, ignored_columns=ignored, delimiter=delim)
    errors: list[FileFormatError] = []
    seen: dict[str, int] = {}
    new: list[RegisterMixin] = []
    updates: list[tuple[RegisterMixin, dict[str, Any]]] = []
    key_name = kind.fields[0].name
    for line, row in rows:
        extra = [c for c in row[len(header) :] if c.strip()]
        if extra:
            errors.append(
                FileFormatError(
                    p,
                    N_("%(n)s cells but the header has %(columns)s"),
                    params={"n": len(row), "columns": len(header)},
                    line=line,
                )
            )
            continue
        values = {name: row[i] for i, name in mapping.items() if i < len(row) and (row[i].strip() or name == key_name)}
        if key_name not in values:
            values[key_name] = ""
        try:
            if pulls:
                values["reel"] = _pull_reel(values[key_name], shot_reels, values.get("reel"))
            typed = parse_values(kind, values, place, None)
            key = str(typed[key_name]).lower()
            if key in seen:
                raise InvalidInput(
                    N_("%(field)s %(key)s already on line %(line)s"),
                    field=key_name,
                    params={"field": key_name, "key": typed[key_name], "line": seen[key]},
                )
            seen[key] = line
            entry = existing.get(key)
            if entry is not None and _same(kind, entry, typed):
                result.unchanged += 1  # the row says what the register holds: importing it again is harmless
                continue
            if entry is not None and not update_existing:
                raise InvalidInput(ALREADY_THERE, field=key_name, params={"key": typed[key_name]})
            if entry is None:
                entry = model(production_id=prod.id)
                _defaults(kind, entry, prod)
                apply_values(kind, entry, typed, check_status=False)
                new.append(entry)
            else:
                # check the place against the stored one now, so that nothing is written on a bad line
                rin, rout = typed.get("in", entry.record_in), typed.get("out", entry.record_out)
                if rout is not None and rin is None:
                    raise InvalidInput(N_("an out timecode needs an in timecode"), field="in")
                if rin is not None and rout is not None and rout < rin:
                    raise InvalidInput(N_("out is before in"), field="out")
                updates.append((entry, typed))
        except PostprodError as exc:
            column = exc.field if exc.field and exc.field not in str(exc) else None
            errors.append(FileFormatError(p, exc.template, params=exc.params, line=line, column=column))
    if errors and not skip_bad:
        raise BadLines(p, errors)
    for entry in new:
        anchor(place, entry, {"reel": entry.reel})
    session.add_all(new)
    for entry, typed in updates:
        apply_values(kind, entry, typed, check_status=False)
        anchor(place, entry, typed)
    session.flush()
    result.created, result.updated, result.skipped = len(new), len(updates), errors
    return result


def _pull_reel(shot_id: str, shot_reels: dict[str, str], written: str | None) -> str:
    """The reel a pulled shot is placed on: the one whose imported cut names it, else the one the pull list
    names (`vfx pulls --reel`)."""
    reel = shot_reels.get(shot_id.strip().upper()) or (written or "").strip()
    if not reel:
        raise InvalidInput(
            N_(
                "shot %(shot_id)s is named in no imported cut: import the cut first (postprod cut import), or write the pull list with the cut's reel (postprod vfx pulls --reel), so that its record timecodes have a reel"
            ),
            field="reel",
            params={"shot_id": shot_id.strip()},
        )
    return reel


def _same(kind: Kind, entry: RegisterMixin, typed: dict[str, Any]) -> bool:
    """Whether an entry already holds every value of an imported row."""
    held = {"in": entry.record_in, "out": entry.record_out, "assignee": getattr(entry, "assignee", None)}
    return all((held[n] if n in held else getattr(entry, attr_of(kind, n))) == v for n, v in typed.items())


# --- music cue sheet ----------------------------------------------------------------------------

SHEET_COLUMNS = [
    "number",
    "title",
    "composer",
    "publisher",
    "performer",
    "usage",
    "reel",
    "in",
    "out",
    "duration",
    "duration_seconds",
]


def _mmss(seconds: Fraction) -> str:
    """Minutes and seconds, a started second counting as a whole one (as cue sheets are filed)."""
    whole = math.ceil(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def cue_sheet(session: Session, prod: Production) -> dict[str, Any]:
    """The music cue sheet: each cue in cut order with title, composer, publisher, usage, in, out and duration."""
    kind = KINDS["music"]
    place = Placement(session, prod)
    rows: list[dict[str, Any]] = []
    total = Fraction(0)
    by_usage: dict[str, list[Any]] = {}
    unplaced = []
    for cue in list_entries(session, prod, kind, limit=None).rows:
        assert isinstance(cue, MusicCue)
        if cue.status == MusicStatus.OMITTED:
            continue
        d = entry_dict(kind, cue, place)
        if cue.duration is None:
            unplaced.append(cue.number)
            seconds = Fraction(0)
        else:
            rate, _df = place.rate(cue.reel, cue.cut_version_id)
            seconds = Fraction(cue.duration) / rate
        total += seconds
        agg = by_usage.setdefault(cue.usage.value, [0, Fraction(0)])
        agg[0] += 1
        agg[1] += seconds
        rows.append(
            {
                "number": cue.number,
                "title": cue.title,
                "composer": cue.composer,
                "publisher": cue.publisher,
                "performer": cue.performer,
                "usage": cue.usage.value,
                "reel": cue.reel or "",
                "in": d["record_in_tc"] or "",
                "out": d["record_out_tc"] or "",
                "duration": _mmss(seconds) if cue.duration is not None else "",
                "duration_seconds": round(float(seconds), 2) if cue.duration is not None else None,
                "status": cue.status.value,
            }
        )
    return {
        "production": prod.title,
        "cues": rows,
        "totals": {
            "cues": len(rows),
            "duration": _mmss(total),
            "duration_seconds": round(float(total), 2),
            "by_usage": {u: {"cues": n, "duration": _mmss(s)} for u, (n, s) in sorted(by_usage.items())},
        },
        "unplaced": unplaced,
    }


def cue_sheet_csv(sheet: dict[str, Any]) -> str:
    """The cue sheet as CSV, with a totals line."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=SHEET_COLUMNS, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for row in sheet["cues"]:
        w.writerow(row)
    t = sheet["totals"]
    w.writerow(
        {
            "number": "TOTAL",
            "title": f"{t['cues']} cues",
            "duration": t["duration"],
            "duration_seconds": t["duration_seconds"],
        }
    )
    return buf.getvalue()


def cue_sheet_html(sheet: dict[str, Any]) -> str:
    """A standalone printable HTML cue sheet with totals by usage."""
    e = html.escape
    head = "".join(f"<th>{e(c.replace('_', ' '))}</th>" for c in SHEET_COLUMNS[:-1])
    body = "".join(
        "<tr>" + "".join(f"<td>{e(str(r[c]))}</td>" for c in SHEET_COLUMNS[:-1]) + "</tr>" for r in sheet["cues"]
    )
    t = sheet["totals"]
    usage = "".join(
        f"<tr><td>{e(u)}</td><td>{v['cues']}</td><td>{e(v['duration'])}</td></tr>" for u, v in t["by_usage"].items()
    )
    unplaced = (
        f"<p class=warn>Cues without timecodes: {e(', '.join(sheet['unplaced']))}</p>" if sheet["unplaced"] else ""
    )
    return (
        "<!doctype html><html><head><meta charset=utf-8>"
        f"<title>Music cue sheet - {e(sheet['production'])}</title><style>"
        "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:1.5em}"
        "td,th{border:1px solid #999;padding:.25em .5em;text-align:left}th{background:#eee}.warn{color:#a00}"
        "</style></head><body>"
        f"<h1>Music cue sheet</h1><p>{e(sheet['production'])}</p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody>"
        f"<tfoot><tr><th colspan=9>Total: {t['cues']} cues</th><th>{e(t['duration'])}</th></tr></tfoot></table>"
        f"<h2>By usage</h2><table><tr><th>usage</th><th>cues</th><th>duration</th></tr>{usage}</table>"
        f"{unplaced}</body></html>"
    )


def cue_sheet_xlsx(sheet: dict[str, Any]) -> bytes:
    """The cue sheet as a workbook: one row per cue (durations in seconds as numbers, so that the sum is
    the spreadsheet's), the total as a formula, the header frozen."""
    from openpyxl import Workbook  # only for XLSX files
    from openpyxl.styles import Font

    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "Cue sheet"
    ws.append([f"Music cue sheet - {sheet['production']}"])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([c.replace("_", " ") for c in SHEET_COLUMNS])
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for row in sheet["cues"]:
        ws.append([row[c] for c in SHEET_COLUMNS])
    last = ws.max_row
    t = sheet["totals"]
    ws.append(["TOTAL", f"{t['cues']} cues", "", "", "", "", "", "", "", t["duration"], f"=SUM(K3:K{last})"])
    ws.freeze_panes = "A3"
    for col, width in zip("ABCDEFGHIJK", (8, 36, 24, 24, 20, 24, 8, 13, 13, 10, 10), strict=True):
        ws.column_dimensions[col].width = width
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
