"""The budget and the cost report as workbooks: their formulas, recomputed by LibreOffice, give the figures
postprod shows to the cent; a budget workbook imported back is the same budget."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from postprod.services import budget, budget_io, costs
from postprod.services.demo import create_demo
from postprod.services.workbooks import budget_workbook, cost_report_workbook

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
# CI installs LibreOffice and sets POSTPROD_REQUIRE_LIBREOFFICE=1: there a missing one fails instead of skipping.
if SOFFICE is None and os.environ.get("POSTPROD_REQUIRE_LIBREOFFICE") == "1":
    raise AssertionError("LibreOffice is not installed (apt-get install libreoffice-calc-nogui)")
needs_libreoffice = pytest.mark.skipif(
    SOFFICE is None, reason="LibreOffice (soffice) is not installed: apt-get install libreoffice-calc-nogui"
)


def _recomputed(tmp_path: Path, name: str, data: bytes) -> Path:
    """The workbook as LibreOffice saves it after recomputing every formula."""
    src = tmp_path / name
    src.write_bytes(data)
    out = tmp_path / "recomputed"
    profile = tmp_path / f"lo-{uuid.uuid4().hex}"  # a profile of its own: two test workers may run it at once
    assert SOFFICE is not None
    subprocess.run(
        [SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--calc", "--convert-to", "xlsx",
         "--outdir", str(out), str(src)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    return out / name


def _cents(value: object) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


@needs_libreoffice
def test_the_cost_report_workbook_recomputes_to_the_report(session: Session, tmp_path: Path) -> None:
    prod, _ = create_demo(session)  # a budget, time, orders and invoices
    view = costs.report_view(session, prod)
    data = cost_report_workbook(session, prod)
    formulas = load_workbook(io.BytesIO(data)).active
    assert formulas is not None and formulas.freeze_panes == "A3"
    rows = {r[0].value: r for r in formulas.iter_rows(min_row=3) if r[0].value}
    first = next(a for a in view["accounts"] if a["code"] in rows)
    cells = rows[first["code"]]
    assert str(cells[7].value).startswith("=") and str(cells[8].value).startswith("=")  # EFC and variance: formulas
    assert '"EUR"' in cells[2].number_format
    book = load_workbook(_recomputed(tmp_path, "costs.xlsx", data), data_only=True)
    values = [r for r in book.active.iter_rows(values_only=True) if r[1] == "Total"][-1]  # type: ignore[union-attr]
    keys = ("budget", "current_budget", "actual", "committed", "etc", "efc", "variance")
    assert [_cents(v) for v in values[2:9]] == [Decimal(view["totals"][k]) for k in keys]  # type: ignore[literal-required]
    by_code = {r[0]: r for r in book.active.iter_rows(min_row=3, values_only=True) if r[0]}  # type: ignore[union-attr]
    for a in view["accounts"]:
        if a["code"] in by_code:
            assert _cents(by_code[a["code"]][7]) == Decimal(a["efc"]), a["code"]
            assert _cents(by_code[a["code"]][8]) == Decimal(a["variance"]), a["code"]


@needs_libreoffice
def test_the_budget_workbook_recomputes_to_the_budget_and_imports_back(session: Session, tmp_path: Path) -> None:
    prod, _ = create_demo(session)
    v = budget.get_version(session, prod)
    budget.set_rate(session, v, "GBP", "1.1725")
    budget.add_line(session, prod, v, account="8.20", description="VFX (Londres)", quantity="14", unit="shot",
                    rate="1850.35", currency="GBP", fringe="")  # fmt: skip
    data = budget_workbook(session, prod, v)
    computed = budget.compute(session, v)
    book = load_workbook(_recomputed(tmp_path, "devis.xlsx", data), data_only=True)
    ws = book["Budget"]
    total = [r for r in ws.iter_rows(values_only=True) if r[1] == "Total (excl. VAT)"][-1]
    assert _cents(total[10]) == computed.total.total
    lines = [r for r in ws.iter_rows(min_row=3, values_only=True) if r[0] and r[2] not in (None, "")]
    # each line, its fringe included (laid out under its account, in the chart's order)
    assert sorted(_cents(r[10]) for r in lines) == sorted(a.total for a in computed.lines)
    # imported back into a revision emptied of its lines: the same lines, the same total
    target = budget.revise(session, prod, v, "from the workbook")
    for line in list(target.lines):
        budget.delete_line(session, target, line.id)
    result = budget_io.import_lines(session, prod, data, "devis.xlsx")
    assert result.rows == len(v.lines)
    assert budget.compute(session, target).total.total == computed.total.total
