"""`postprod report weekly`: the PDF's text against `cost report --json`, HTML, bad input, no Pango: one line, exit 2."""

from __future__ import annotations

import builtins
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pypdf
import pytest
from babel.numbers import format_currency
from typer.testing import CliRunner

from postprod.cli.main import app

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def ok(*args: str) -> str:
    code, out, err = run(*args)
    assert code == 0, f"{args} failed: {err}"
    return out


def test_weekly_pdf_and_html(cli_db: str, tmp_path: Path) -> None:
    ok("demo")  # it comes with a budget drafted from its plan
    ok("cost", "snapshot")
    efc = json.loads(ok("cost", "report", "--json"))["totals"]["efc"]
    pdf = tmp_path / "w.pdf"
    ok("report", "weekly", "--week", "2026-W49", "--out", str(pdf))
    reader = pypdf.PdfReader(str(pdf))
    first = reader.pages[0].extract_text()
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert "Les Heures Claires" in first and "2026-W49" in first
    assert format_currency(Decimal(efc), "EUR", locale="en") in text
    html = tmp_path / "w.html"
    ok("report", "weekly", "--week", "2026-W49", "--lang", "fr", "--out", str(html), "--issue", "--paragraph", "Calme.")
    page = html.read_text(encoding="utf-8")
    assert f'data-efc="{efc}"' in page and "Calme." in page and "Rapport hebdomadaire" not in page
    assert "rapport hebdomadaire" in page and "révision 1" in page
    out = ok("report", "weekly", "--week", "2026-W49", "--out", str(html), "--issue")
    assert "revision 2" in out


@pytest.mark.parametrize(
    ("args", "field"),
    [(["--week", "2027-W77"], "2027-W77"), (["--lang", "de"], "'de'"), (["--out", "w.docx"], "w.docx")],
)
def test_bad_input_is_one_line_and_exit_2(cli_db: str, tmp_path: Path, args: list[str], field: str) -> None:
    ok("demo")
    out = ["--out", str(tmp_path / "w.html")] if "--out" not in args else []
    code, _out, err = run("report", "weekly", *out, *args)
    assert code == 2 and field in err and len(err.strip().splitlines()) == 1


def test_without_pango_the_pdf_says_what_to_install(
    cli_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ok("demo")
    real_import = builtins.__import__

    def no_pango(name: str, *a: Any, **kw: Any) -> Any:
        if name == "weasyprint":
            raise OSError("cannot load library 'libpango-1.0-0': libpango-1.0-0: cannot open shared object file")
        return real_import(name, *a, **kw)

    monkeypatch.setattr(builtins, "__import__", no_pango)
    code, _out, err = run("report", "weekly", "--out", str(tmp_path / "w.pdf"))
    assert code == 2 and "Pango" in err and "apt-get install" in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "w.pdf").exists()
    ok("report", "weekly", "--out", str(tmp_path / "w.html"))  # the HTML still works
    assert "weekly report" in (tmp_path / "w.html").read_text(encoding="utf-8")
