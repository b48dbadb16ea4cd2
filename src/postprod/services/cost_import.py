"""Accounting exports and time sheets read from CSV or XLSX: invoices and time entries, line by line.

The columns are found by their header, in French or English ("Fournisseur" or "Vendor", "Montant
HT" or "Net"...). Numbers may be written the French way ("1 234,56"), dates as 2027-01-11 or
11/01/2027. Each bad line is one error naming the file, the line and the column; the whole file is
refused if one line is bad (nothing written), unless `skip_bad` keeps the good lines and reports
the others. Vendors named for the first time are added.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from postprod.errors import N_, InvalidInput, NotFound, PostprodError
from postprod.model import Production
from postprod.services import costs

MAX_ROWS = 200_000

INVOICE_COLUMNS = {
    "vendor": ("vendor", "supplier", "fournisseur", "prestataire", "tiers"),
    "number": ("number", "invoice", "invoice number", "numero", "numero de facture", "n facture", "facture", "piece"),
    "day": ("date", "invoice date", "date de facture", "date facture", "jour"),
    "net": ("net", "amount", "montant ht", "ht", "montant", "net amount"),
    "vat": ("vat", "tva", "montant tva"),
    "account": ("account", "compte", "poste"),
    "order": ("order", "po", "purchase order", "bon de commande", "commande", "bc"),
    "currency": ("currency", "devise", "monnaie"),
    "paid": ("paid", "paye", "reglee", "regle"),
}
TIME_COLUMNS = {
    "person": ("person", "name", "employee", "personne", "nom", "collaborateur", "technicien"),
    "day": ("date", "day", "jour"),
    "days": ("days", "jours", "nb jours", "journees"),
    "hours": ("hours", "heures", "nb heures"),
    "task": ("task", "tache", "task key"),
    "note": ("note", "notes", "comment", "commentaire"),
}


class BadRows(InvalidInput):
    """Lines of a file that could not be read: one message each, naming the file, line and column."""

    def __init__(self, name: str, errors: list[str]) -> None:
        if len(errors) > 1:
            template = N_("%(error)s (and %(more)s more bad lines); nothing imported (--skip-bad keeps the good lines)")
        else:
            template = N_("%(error)s; nothing imported (--skip-bad keeps the good lines)")
        super().__init__(template, field="file", params={"error": errors[0], "more": len(errors) - 1})
        self.errors = errors


@dataclass
class Imported:
    rows: int = 0
    vendors_added: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # the bad lines' errors, with skip_bad


def plain(text: str) -> str:
    """A header as compared: lower case, no accents, no punctuation ("N° facture" -> "n facture")."""
    norm = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join("".join(c if c.isalnum() else " " for c in norm.lower()).split())


def read_table(data: bytes, name: str, sheet: str | None = None) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, {header: value}) for each row of a CSV (comma, semicolon or tab) or XLSX file (its sheet
    of that name when it has one, else its first)."""
    if name.lower().endswith((".xlsx", ".xlsm")):
        yield from _read_xlsx(data, name, sheet)
        return
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252")  # spreadsheets saved as "CSV" on Windows
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel  # type: ignore[assignment]
    reader = csv.reader(io.StringIO(text), dialect)
    header = next(reader, None)
    if not header:
        raise InvalidInput(N_("%(name)s: empty file"), field="file", params={"name": name})
    for n, row in enumerate(reader, start=2):
        if n > MAX_ROWS:
            raise InvalidInput(
                N_("%(name)s: more than %(max_rows)s lines"), field="file", params={"name": name, "max_rows": MAX_ROWS}
            )
        if any(cell.strip() for cell in row):
            yield n, dict(zip(header, row, strict=False))


def _read_xlsx(data: bytes, name: str, sheet_name: str | None = None) -> Iterator[tuple[int, dict[str, Any]]]:
    from openpyxl import load_workbook  # only for XLSX files
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise InvalidInput(
            N_("%(name)s: not an XLSX workbook (%(exc)s)"), field="file", params={"name": name, "exc": exc}
        ) from None
    sheet = book[sheet_name] if sheet_name in book.sheetnames else book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if not header:
        raise InvalidInput(N_("%(name)s: empty sheet"), field="file", params={"name": name})
    for n, row in enumerate(rows, start=2):
        if n > MAX_ROWS:
            raise InvalidInput(
                N_("%(name)s: more than %(max_rows)s lines"), field="file", params={"name": name, "max_rows": MAX_ROWS}
            )
        if any(cell not in (None, "") for cell in row):
            yield n, {str(h or ""): v for h, v in zip(header, row, strict=False)}


def _columns(
    headers: list[str], wanted: dict[str, tuple[str, ...]], required: tuple[str, ...], name: str
) -> dict[str, str]:
    found: dict[str, str] = {}
    for h in headers:
        key = plain(h)
        for field_, aliases in wanted.items():
            if field_ not in found and key in aliases:
                found[field_] = h
    missing = [f for f in required if f not in found]
    if missing:
        raise InvalidInput(
            N_("%(name)s: no column for %(missing)s (headers: %(headers)s)"),
            field=missing[0],
            params={"name": name, "missing": ", ".join(missing), "headers": ", ".join(headers)},
        )
    return found


def cell_text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _day(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = cell_text(value)
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise InvalidInput(N_("%(text)r is not a date (2027-01-11 or 11/01/2027)"), field="day", params={"text": text})


def cell_number(value: Any) -> str | Decimal:
    if isinstance(value, bool):
        raise ValueError("expected a number")
    if isinstance(value, int | float):
        return Decimal(str(value))  # a spreadsheet's number: its shortest exact text
    return cell_text(value)


def import_rows(
    session: Session,
    rows: Iterator[tuple[int, dict[str, Any]]],
    name: str,
    wanted: dict[str, tuple[str, ...]],
    required: tuple[str, ...],
    one: Callable[[dict[str, Any]], None],
    skip_bad: bool,
) -> Imported:
    result = Imported()
    errors: list[str] = []
    columns: dict[str, str] | None = None
    whole = session.begin_nested()  # all or nothing, whatever the caller's transaction does next
    for line, raw in rows:
        if columns is None:
            columns = _columns(list(raw), wanted, required, name)
        values = {f: raw.get(h) for f, h in columns.items()}
        savepoint = session.begin_nested()  # a bad line leaves nothing behind
        try:
            one(values)
            savepoint.commit()
            result.rows += 1
        except (PostprodError, ValueError) as exc:
            savepoint.rollback()
            field_ = getattr(exc, "field", None)
            column = columns.get(field_ or "", field_ or "")
            message = str(exc).split(": ", 1)[-1] if isinstance(exc, PostprodError) else str(exc)
            errors.append(f"{name} line {line}" + (f", column {column!r}" if column else "") + f": {message}")
    if errors and not skip_bad:
        whole.rollback()
        raise BadRows(name, errors)
    whole.commit()
    result.skipped = errors
    return result


def import_invoices(session: Session, prod: Production, data: bytes, name: str, *, skip_bad: bool = False) -> Imported:
    """Invoices from an accounting export: vendor, number, date, net (and VAT, account or order, currency, paid)."""
    result_vendors: list[str] = []

    def one(v: dict[str, Any]) -> None:
        vendor = cell_text(v.get("vendor"))
        if not vendor:
            raise InvalidInput("no vendor", field="vendor")
        try:
            costs.get_vendor(session, prod, vendor)
        except NotFound:
            costs.add_vendor(session, prod, vendor)
            result_vendors.append(vendor)
        day = _day(v.get("day"))
        costs.add_invoice(
            session, prod, vendor=vendor, number=cell_text(v.get("number")), net=cell_number(v.get("net")),
            vat=cell_number(v.get("vat")) or "0", day=day, order=cell_text(v.get("order")) or None,
            account=cell_text(v.get("account")) or None, currency=cell_text(v.get("currency")) or None,
            paid=plain(cell_text(v.get("paid"))) in ("yes", "oui", "true", "1", "x", "paye", "payee"),
        )  # fmt: skip

    result = import_rows(
        session, read_table(data, name), name, INVOICE_COLUMNS, ("vendor", "number", "day", "net"), one, skip_bad
    )
    result.vendors_added = result_vendors
    return result


def import_time(session: Session, prod: Production, data: bytes, name: str, *, skip_bad: bool = False) -> Imported:
    """Time entries from a time sheet: person, date, days or hours (and task, note)."""

    def one(v: dict[str, Any]) -> None:
        day = _day(v.get("day"))
        days, hours = cell_number(v.get("days")), cell_number(v.get("hours"))
        costs.log_time(
            session, prod, person=cell_text(v.get("person")), day=day, days=days or None, hours=hours or None,
            task=cell_text(v.get("task")) or None, note=cell_text(v.get("note")),
        )  # fmt: skip

    return import_rows(session, read_table(data, name), name, TIME_COLUMNS, ("person", "day"), one, skip_bad)
