"""A budget version's lines out to a spreadsheet and back: CSV or XLSX, the columns a budget is read in.

Export writes every line of a version with its amounts (net, fringes, total, in the budget's
currency) for reading, and the columns import needs (account, description, quantity, unit, rate,
currency, fringe group, VAT rate, tax credit, in France) so that a file exported, edited and imported
again makes the same lines. CSV here; the XLSX workbook (devis layout, with these lines flat on its
"Lines" sheet) is services/workbooks.py's. Import adds the lines of a CSV or XLSX file to the current draft, read
as the accounting imports are (services/cost_import.py: French or English headers, "1 234,56",
one error per bad line naming the file, line and column, all or nothing unless skip_bad).
"""

from __future__ import annotations

import csv
import io
from typing import Any

from sqlalchemy.orm import Session

from postprod.budget import sheet
from postprod.budget.money import as_json
from postprod.errors import N_, InvalidInput
from postprod.model import BudgetVersion, Production
from postprod.services import budget
from postprod.services.cost_import import Imported, cell_number, cell_text, import_rows, plain, read_table

LINES_SHEET = "Lines"  # the sheet of a budget workbook that holds the lines flat (services/workbooks.py)
# The export's headers, in the order written; the import reads them (and their French names) back.
HEADERS = (
    "account", "description", "quantity", "unit", "rate", "currency", "fringe", "vat_rate", "tax_credit",
    "in_france", "net", "fringes", "total",
)  # fmt: skip
LINE_COLUMNS = {
    "account": ("account", "compte", "poste", "code"),
    "description": ("description", "libelle", "designation", "intitule"),
    "quantity": ("quantity", "qty", "quantite", "qte", "nombre", "nb"),
    "unit": ("unit", "unite"),
    "rate": ("rate", "unit rate", "taux", "tarif", "prix unitaire", "pu"),
    "currency": ("currency", "devise", "monnaie"),
    "fringe": ("fringe", "fringe group", "charges", "groupe de charges", "charges sociales"),
    "vat_rate": ("vat rate", "vat", "tva", "taux de tva", "taux tva"),
    "tax_credit": ("tax credit", "credit d impot", "credit"),
    "in_france": ("in france", "en france", "france"),
}
_YES = ("yes", "oui", "true", "1", "x", "vrai")
_NO = ("no", "non", "false", "0", "faux")


def rows(session: Session, v: BudgetVersion) -> list[dict[str, Any]]:
    """The version's lines as the export writes them (money as two-decimal strings)."""
    computed = sheet.compute(budget.engine_version(session, v))
    out = []
    for line, amount in zip(v.lines, computed.lines, strict=True):
        out.append(
            {
                "account": line.account, "description": line.description,
                "quantity": format(line.quantity.normalize(), "f"), "unit": line.unit,
                "rate": format(line.rate.normalize(), "f"), "currency": line.currency, "fringe": line.fringe or "",
                "vat_rate": format(line.vat_rate.normalize(), "f"), "tax_credit": line.tax_credit or "",
                "in_france": "yes" if line.in_france else "no", "net": as_json(amount.subtotal),
                "fringes": as_json(amount.fringe), "total": as_json(amount.total),
            }
        )  # fmt: skip
    return out


def export_csv(session: Session, v: BudgetVersion) -> bytes:
    """The version's lines as CSV (the XLSX workbook, in the devis layout, is services/workbooks.py's)."""
    text = io.StringIO()
    w = csv.DictWriter(text, fieldnames=HEADERS, lineterminator="\n")
    w.writeheader()
    w.writerows(rows(session, v))
    return text.getvalue().encode("utf-8")


def import_lines(session: Session, prod: Production, data: bytes, name: str, *, skip_bad: bool = False) -> Imported:
    """Lines of a CSV or XLSX file added to the current draft of the budget."""
    v = budget.editable(budget.get_version(session, prod))

    def one(values: dict[str, Any]) -> None:
        line: dict[str, Any] = {
            "account": cell_text(values.get("account")),
            "description": cell_text(values.get("description")),
            "quantity": cell_number(values.get("quantity")) or "1",
            "unit": cell_text(values.get("unit")) or "flat",
            "rate": cell_number(values.get("rate")) or "0",
        }
        for key in ("currency", "fringe", "tax_credit"):
            if cell_text(values.get(key)):
                line[key] = cell_text(values.get(key))
        if cell_text(values.get("vat_rate")):
            line["vat_rate"] = cell_number(values.get("vat_rate"))
        france = plain(cell_text(values.get("in_france")))
        if france:
            if france not in _YES + _NO:
                raise InvalidInput(N_("%(france)r: yes or no"), field="in_france", params={"france": france})
            line["in_france"] = france in _YES
        budget.add_line(session, prod, v, **line)

    # a workbook `budget export` wrote keeps its lines flat on a sheet of their own
    table = read_table(data, name, sheet=LINES_SHEET)
    return import_rows(session, table, name, LINE_COLUMNS, ("account", "rate"), one, skip_bad)
