"""Accounting exports and time sheets, CSV and XLSX, French and English: line by line, all or nothing."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from postprod.model import Invoice, Production, TimeEntry
from postprod.services import budget, cost_import, costs
from tests.core.factories import make_production


def _prod(session: Session) -> Production:
    prod = make_production(session)
    budget.create_version(session, prod, rates={"GBP": "1.1725"})
    return prod


def _d(prod: Production, days: int) -> str:
    return (prod.start_date + timedelta(days=days)).strftime("%d/%m/%Y")


def test_a_french_accounting_export_with_a_bad_line_imports_nothing(session: Session) -> None:
    prod = _prod(session)
    text = (
        "Fournisseur;N° facture;Date;Montant HT;TVA;Compte;Devise\n"
        f"Studio Lumière;F-001;{_d(prod, 3)};1 234,56;246,91;8.40;EUR\n"
        f"Pixel Forge;PF-77;{_d(prod, 4)};2 000,00;0;8.20;GBP\n"
        f"Studio Lumière;F-002;{_d(prod, 5)};douze;0;8.40;EUR\n"
        f"Studio Lumière;F-003;{_d(prod, 6)};10,00;0;9.99;EUR\n"
    )
    data = text.encode("utf-8")
    with pytest.raises(cost_import.BadRows) as err:
        cost_import.import_invoices(session, prod, data, "compta.csv")
    assert err.value.errors == [
        "compta.csv line 4, column 'Montant HT': 'douze' is not a number",
        "compta.csv line 5, column 'Compte': unknown account '9.99' in 'Test Film'",
    ]
    assert session.scalar(select(func.count()).select_from(Invoice)) == 0
    assert costs.vendors(session, prod) == []  # the vendors the good lines added went too
    result = cost_import.import_invoices(session, prod, data, "compta.csv", skip_bad=True)
    assert result.rows == 2 and len(result.skipped) == 2 and result.vendors_added == ["Studio Lumière", "Pixel Forge"]
    nets = {i.number: (i.net, i.vat, i.currency) for i in costs.invoices(session, prod)}
    assert nets == {
        "F-001": (Decimal("1234.56"), Decimal("246.91"), "EUR"),
        "PF-77": (Decimal("2000.00"), Decimal("0.00"), "GBP"),
    }


def test_an_xlsx_time_sheet_in_hours_and_days(session: Session) -> None:
    from openpyxl import Workbook

    prod = _prod(session)
    person = prod.people[0].name
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Personne", "Jour", "Jours", "Heures", "Tâche", "Commentaire"])
    sheet.append([person, prod.start_date + timedelta(days=2), 1, None, "PIC-ASSEMBLY", "assemblage"])
    sheet.append([person, prod.start_date + timedelta(days=3), None, 4, None, "demi-journée"])
    sheet.append([person, "pas une date", 1, None, None, None])
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(cost_import.BadRows, match=r"feuille.xlsx line 4, column 'Jour': 'pas une date' is not a date"):
        cost_import.import_time(session, prod, out.getvalue(), "feuille.xlsx")
    assert session.scalar(select(func.count()).select_from(TimeEntry)) == 0
    result = cost_import.import_time(session, prod, out.getvalue(), "feuille.xlsx", skip_bad=True)
    assert result.rows == 2
    from postprod.services.planning.store import production_calendar

    _cal, hours = production_calendar(session, prod)  # the production's working day (9:00-18:00: 9 hours)
    days = sorted(e.days for e in costs.time_entries(session, prod))
    assert days == [(Decimal(4) / Decimal(str(hours))).quantize(Decimal("0.001")), Decimal("1")]


def test_a_file_without_the_needed_columns_says_which(session: Session) -> None:
    prod = _prod(session)
    with pytest.raises(
        cost_import.InvalidInput, match=r"export.csv: no column for net \(headers: Vendor, Number, Date\)"
    ):
        cost_import.import_invoices(session, prod, b"Vendor,Number,Date\nA,1,2027-01-01\n", "export.csv")
