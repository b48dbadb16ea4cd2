"""The budget and the cost report as XLSX workbooks in the devis layout, for those who read them in a spreadsheet.

Chapters, accounts and lines in the chart's order; every subtotal and total is a formula over the
cells above it, so that Excel or LibreOffice recompute the figures postprod shows (each line's
amounts rounded to the cent, half up, as the engine does: ROUND rounds halves away from zero, the
same for the positive amounts of a budget). Money cells carry the production's currency in their
number format; the header rows are frozen. The budget workbook's second sheet holds the lines flat,
in the columns `budget import` reads (services/budget_io.py), so that a budget exported and imported
back is the same budget.
"""

from __future__ import annotations

import io
from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from postprod.budget import sheet
from postprod.model import BudgetVersion, Production
from postprod.services import budget, budget_io, costs

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet


def _money_format(currency: str) -> str:
    return f'#,##0.00 "{currency}";-#,##0.00 "{currency}"'


def _header(ws: Worksheet, title: str, columns: list[str], widths: list[int]) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    ws.append([title])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append(columns)
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
        ws.cell(row=2, column=i).font = Font(bold=True)
    ws.freeze_panes = "A3"


def _number(value: Decimal) -> float | int:
    """A cell's number: integers stay integers; others are written as floats (openpyxl has no decimal
    cell), and every amount is rounded to the cent by a ROUND formula anyway."""
    return int(value) if value == value.to_integral_value() else float(value)


def budget_workbook(session: Session, prod: Production, v: BudgetVersion) -> bytes:
    """The version in the devis layout (sheet 1) and its lines flat (sheet 2)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    ev = budget.engine_version(session, v)
    computed = sheet.compute(ev)
    money = _money_format(v.currency)
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "Budget"
    _header(
        ws,
        f"{prod.title}: budget v{v.number} ({v.currency}, excl. VAT)",
        [
            "Account",
            "Description",
            "Quantity",
            "Unit",
            "Rate",
            "Currency",
            "Exchange rate",
            "Net",
            "Fringe %",
            "Fringes",
            "Total",
        ],  # fmt: skip
        [10, 44, 10, 8, 12, 9, 12, 15, 9, 14, 16],
    )
    lines_of: dict[str, list[int]] = defaultdict(list)
    for i, line in enumerate(ev.lines):
        lines_of[line.account].append(i)
    bold = Font(bold=True)
    chapter_cells: list[str] = []
    for ch in ev.chapters:
        accounts = [a for a in ev.accounts if a.chapter == ch.code and lines_of.get(a.code)]
        if not accounts:
            continue
        ws.append([ch.code, ch.name])
        ws.cell(row=ws.max_row, column=2).font = bold
        account_cells: list[str] = []
        for a in accounts:
            ws.append([a.code, a.name])
            first = ws.max_row + 1
            for i in lines_of[a.code]:
                line = ev.lines[i]
                r = ws.max_row + 1
                fringe = ev.fringes.get(line.fringe, Decimal(0)) if line.fringe else Decimal(0)
                ws.append(
                    [
                        line.account, line.description, _number(line.quantity), line.unit, _number(line.rate),
                        line.currency, _number(sheet.convert_rate(ev, line.currency)), f"=ROUND(ROUND(C{r}*E{r},2)*G{r},2)",
                        _number(fringe), f"=ROUND(H{r}*I{r}/100,2)", f"=H{r}+J{r}",
                    ]
                )  # fmt: skip
            last = ws.max_row
            ws.append(["", f"Total {a.code}", *[""] * 8, f"=SUM(K{first}:K{last})"])
            ws.cell(row=ws.max_row, column=2).font = bold
            account_cells.append(f"K{ws.max_row}")
        ws.append(["", f"Total {ch.code} {ch.name}", *[""] * 8, "=" + "+".join(account_cells)])
        ws.cell(row=ws.max_row, column=2).font = bold
        chapter_cells.append(f"K{ws.max_row}")
    percent_cells: list[str] = []
    for pl in ev.percent_lines:
        base = computed.percent_bases.get(pl.name, Decimal(0))
        ws.append(["", f"{pl.name} ({pl.account})", "", "%", _number(pl.percent), "", "", _number(base), "", "",
                   f"=ROUND(H{ws.max_row + 1}*E{ws.max_row + 1}/100,2)"])  # fmt: skip
        percent_cells.append(f"K{ws.max_row}")
    ws.append(["", "Total (excl. VAT)", *[""] * 8, "=" + "+".join(chapter_cells + percent_cells or ["0"])])
    ws.cell(row=ws.max_row, column=2).font = bold
    for row in ws.iter_rows(min_row=3, min_col=5, max_col=11):
        for cell in row:
            if cell.column in (5, 8, 10, 11):
                cell.number_format = money
    lines = book.create_sheet(budget_io.LINES_SHEET)
    lines.append(list(budget_io.HEADERS))
    for r in budget_io.rows(session, v):
        lines.append([r[h] for h in budget_io.HEADERS])
    lines.freeze_panes = "A2"
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


FIGURES = ("budget", "current_budget", "actual", "committed", "etc", "efc", "variance")


def cost_report_workbook(session: Session, prod: Production, as_of: date | None = None) -> bytes:
    """The cost report per account under its chapters: EFC and variance as formulas, subtotals and totals SUMs."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    as_of = as_of or date.today()
    rep = costs.report(session, prod, as_of)
    money = _money_format(rep.currency)
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = "Cost report"
    _header(
        ws,
        f"{prod.title}: cost report as of {as_of.isoformat()} ({rep.currency}, excl. VAT)",
        ["Account", "Name", "Locked budget", "Current budget", "Actual", "Committed", "ETC", "EFC", "Variance"],
        [10, 44, 16, 16, 16, 16, 16, 16, 16],
    )
    names = {c.code: c.name for c in budget.chapters(session, prod)}
    bold = Font(bold=True)
    by_chapter: dict[str, list[Any]] = defaultdict(list)
    for row in rep.rows:
        by_chapter[row.chapter].append(row)
    totals: list[int] = []
    for chapter, rows in by_chapter.items():
        ws.append([chapter, names.get(chapter, chapter)])
        ws.cell(row=ws.max_row, column=2).font = bold
        first = ws.max_row + 1
        for row in rows:
            r = ws.max_row + 1
            f = row.figures
            ws.append(
                [row.code, row.name, _number(f.budget), _number(f.current_budget), _number(f.actual),
                 _number(f.committed), _number(f.etc), f"=E{r}+F{r}+G{r}", f"=D{r}-H{r}"]
            )  # fmt: skip
        last = ws.max_row
        ws.append(["", f"Total {chapter}", *[f"=SUM({c}{first}:{c}{last})" for c in "CDEFGHI"]])
        ws.cell(row=ws.max_row, column=2).font = bold
        totals.append(ws.max_row)
    ws.append(["", "Total", *["=" + "+".join(f"{c}{t}" for t in totals) if totals else 0 for c in "CDEFGHI"]])
    ws.cell(row=ws.max_row, column=2).font = bold
    for cells in ws.iter_rows(min_row=3, min_col=3, max_col=9):
        for cell in cells:
            cell.number_format = money
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
