"""A budget version's lines out to CSV or XLSX and back into a draft: the same lines, the same totals; French
headers and numbers read; a bad line named by file, line and column, and nothing imported."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from postprod.cli.main import app
from postprod.errors import Conflict
from postprod.services import budget, budget_io
from postprod.services.cost_import import BadRows
from postprod.services.demo import create_demo
from postprod.services.workbooks import budget_workbook


def _keep(line: dict[str, str]) -> tuple[str, ...]:
    return tuple(line[h] for h in budget_io.HEADERS)


@pytest.mark.parametrize("name", ["budget.csv", "budget.xlsx"])
def test_a_version_exported_and_imported_makes_the_same_lines(session: Session, name: str) -> None:
    prod, _ = create_demo(session)  # a budget drafted from the plan, locked, and a draft revision
    source = budget.get_version(session, prod)
    exported = (
        budget_io.export_csv(session, source) if name.endswith(".csv") else budget_workbook(session, prod, source)
    )
    before = budget_io.rows(session, source)
    target = budget.revise(session, prod, source, "imported again")
    for line in list(target.lines):
        budget.delete_line(session, target, line.id)
    result = budget_io.import_lines(session, prod, exported, name)
    assert result.rows == len(before) and not result.skipped
    after = budget_io.rows(session, target)
    assert [_keep(x) for x in after] == [_keep(x) for x in before]
    computed = budget.compute(session, target)
    assert computed.total.total == budget.compute(session, source).total.total
    # each line rounded; the total is their sum and the percentage lines' (carried by the revision)
    assert computed.total.total == sum(Decimal(x["total"]) for x in after) + sum(computed.percent_lines.values())


def test_french_headers_and_numbers_and_a_bad_line(session: Session) -> None:
    prod, _ = create_demo(session)
    v = budget.get_version(session, prod)
    count = len(v.lines)
    good = "Compte;Libellé;Quantité;Unité;Taux;Charges;TVA;En France\n2.10;Chef monteur;40;day;1 234,50;intermittents;20;oui\n"
    bad = good + "9.99;Inconnu;1;flat;10;;;\n2.10;Assistant;-3;day;100;;;\n"
    with pytest.raises(BadRows) as e:
        budget_io.import_lines(session, prod, bad.encode(), "devis.csv")
    assert e.value.errors[0].startswith("devis.csv line 3, column 'Compte':") and "9.99" in e.value.errors[0]
    assert e.value.errors[1].startswith("devis.csv line 4, column 'Quantité':")
    assert len(budget.get_version(session, prod).lines) == count  # nothing imported
    result = budget_io.import_lines(session, prod, good.encode(), "devis.csv")
    line = budget.get_version(session, prod).lines[-1]
    assert result.rows == 1 and (line.quantity, line.rate, line.fringe, line.vat_rate) == (
        Decimal(40),
        Decimal("1234.50"),
        "intermittents",
        Decimal(20),
    )
    budget.lock(session, budget.get_version(session, prod))
    with pytest.raises(Conflict):  # a locked version takes no line: revise it first
        budget_io.import_lines(session, prod, good.encode(), "devis.csv")


def test_the_cli_exports_and_imports(cli_db: str, tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["demo"]).exit_code == 0
    out = tmp_path / "v1.csv"
    r = runner.invoke(app, ["budget", "export", str(out), "--version", "1"])
    assert r.exit_code == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    listed = json.loads(runner.invoke(app, ["budget", "lines", "--version", "1", "--json"]).stdout)
    assert len(rows) == len(listed) > 0
    r = runner.invoke(app, ["budget", "import", str(out)])
    assert r.exit_code == 0 and f"{len(rows)} budget lines imported from v1.csv" in r.stdout
    (tmp_path / "bad.csv").write_text("account,rate\n9.99,10\n", encoding="utf-8")
    r = runner.invoke(app, ["budget", "import", str(tmp_path / "bad.csv")])
    assert r.exit_code == 2 and "bad.csv line 2, column 'account'" in r.stderr
    r = runner.invoke(app, ["budget", "export", str(tmp_path / "v1.docx")])
    assert r.exit_code == 2 and "v1.docx" in r.stderr
