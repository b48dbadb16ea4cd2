"""The weekly report pack: the page, its PDF, issuing (frozen, revisions), roles, on both backends."""

from __future__ import annotations

import io
import json
import re
from decimal import Decimal

import pypdf
from babel.numbers import format_currency
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from tests.web.webkit import login

from postprod import db
from postprod.model import AuditEntry, WeeklyReport
from postprod.services import budget, costs
from postprod.services import weekly_report as wr
from postprod.services.budget_draft import draft_from_plan
from postprod.services.common import get_production
from postprod.web import weekly_report as pack


def _with_budget(engine: Engine, pid: int) -> str:
    """A budget drafted from the demo's plan, locked, and a snapshot: the cost report's EFC as JSON prints it."""
    from postprod.services import planning

    with db.session_scope(engine, actor="seed") as s:
        prod = get_production(s, pid)
        planning.plan_production(s, prod, time_limit=0.3)
        planning.set_baseline(s, prod)
    with db.session_scope(engine, actor="seed") as s:
        prod = get_production(s, pid)
        draft_from_plan(s, prod)
        budget.lock(s, budget.versions(s, prod)[-1])
        costs.snapshot(s, prod)
        return str(costs.report_view(s, prod)["totals"]["efc"])


def _sections(html: str) -> list[str]:
    return re.findall(r'<section id="(\w+)"', html)


def test_html_has_every_section_even_when_empty(engine: Engine, site: tuple[TestClient, int]) -> None:
    c, pid = site
    with db.session_scope(engine) as s:  # no plan, no budget: every section says it has nothing
        data = wr.assemble(s, get_production(s, pid), "2027-W05")
    html = pack.html(data, "en")
    assert _sections(html) == list(wr.SECTIONS)
    for said in ("No budget yet.", "No critical-path slip.", "No approval waiting.", "No word from the supervisor"):
        assert said in html
    fr = pack.html(data, "fr")
    assert _sections(fr) == list(wr.SECTIONS) and "Pas encore de budget." in fr


def test_pdf_holds_title_week_and_the_cost_reports_efc(engine: Engine, site: tuple[TestClient, int]) -> None:
    c, pid = site
    efc = _with_budget(engine, pid)
    with db.session_scope(engine) as s:
        prod = get_production(s, pid)
        data = wr.assemble(s, prod, "2027-W05")
        title = prod.title
    assert data["cost"]["totals"]["efc"] == efc
    pdf = pack.pdf(data, "en")
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert title in reader.pages[0].extract_text()
    assert "2027-W05" in text and "Confidential" in text
    assert format_currency(Decimal(efc), "EUR", locale="en") in text
    assert re.search(r"1 / \d+", reader.pages[0].extract_text())  # page numbers


def test_issue_freezes_the_report_and_reissue_makes_a_revision(engine: Engine, site: tuple[TestClient, int]) -> None:
    c, pid = site
    _with_budget(engine, pid)
    csrf = login(c, "supervisor")
    r = c.post(
        f"/p/{pid}/reports/weekly",
        data={"csrf_token": csrf, "week": "2027-W05", "paragraph": "Grade on time.", "lang": "en"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    first = r.headers["location"]
    page = c.get(first)
    assert page.status_code == 200 and "Grade on time." in page.text
    pdf = c.get(first + "/pdf")
    assert pdf.content.startswith(b"%PDF") and pdf.headers["content-type"] == "application/pdf"
    before = re.search(r'data-efc="([^"]+)"', page.text)
    assert before is not None
    # The data changes afterwards: an invoice moves the EFC; the issued report reads the same.
    with db.session_scope(engine, actor="seed") as s:
        prod = get_production(s, pid)
        costs.add_vendor(s, prod, "Labo")
        costs.add_invoice(s, prod, vendor="Labo", number="F-9", net="912345.67", account="8.20", day=prod.start_date)
        live = wr.assemble(s, prod, "2027-W05")["cost"]["totals"]["efc"]
    assert live != before.group(1)
    again = c.get(first)
    assert f'data-efc="{before.group(1)}"' in again.text
    assert c.get(first + "/pdf").content == pdf.content
    # Issued again: revision 2, and the production director finds both, and the event in the history.
    r2 = c.post(f"/p/{pid}/reports/weekly", data={"csrf_token": csrf, "week": "2027-W05"}, follow_redirects=False)
    assert r2.status_code == 303
    with db.session_scope(engine) as s:
        revs = sorted(r.revision for r in s.scalars(select(WeeklyReport).where(WeeklyReport.week == "2027-W05")))
        created = s.scalars(select(AuditEntry).where(AuditEntry.entity_type == "WeeklyReport")).all()
    assert revs == [1, 2]
    assert {e.label for e in created} == {"2027-W05 rev 1", "2027-W05 rev 2"}
    assert all("data" not in json.dumps(e.after or {}) for e in created)  # the content never enters the trail
    login(c, "director")
    listing = c.get(f"/p/{pid}/reports/weekly")
    assert listing.status_code == 200 and listing.text.count(f"/p/{pid}/reports/weekly/") >= 2
    assert c.get(f"/p/{pid}").text.count("2027-W05") >= 1  # the dashboard shows the new reports


def test_bad_week_is_one_line_beside_the_field(site: tuple[TestClient, int]) -> None:
    c, pid = site
    csrf = login(c, "supervisor")
    r = c.post(f"/p/{pid}/reports/weekly", data={"csrf_token": csrf, "week": "2027-W99"})
    assert r.status_code == 422
    assert 'id="err-week"' in r.text and "2027-W99" in r.text
    assert c.get(f"/api/v1/productions/{pid}/reports/weekly").json() == []


def test_roles(site: tuple[TestClient, int]) -> None:
    c, pid = site
    for role, expected in {
        "supervisor": 200,
        "director": 200,
        "picturelead": 403,
        "editor": 403,
        "client": 403,
    }.items():
        login(c, role)
        assert c.get(f"/p/{pid}/reports/weekly").status_code == expected, role
    login(c, "director")
    csrf = c.cookies["postprod_csrf"]
    assert c.post(f"/p/{pid}/reports/weekly", data={"csrf_token": csrf}).status_code == 403


def test_the_efc_trend_chart_writes_days_and_amounts_the_languages_way() -> None:
    import base64

    import matplotlib

    points = (("2026-11-02", "120000.00", "130000.00"), ("2026-11-09", "125000.50", "130000.00"))

    def texts(lang: str) -> str:
        with matplotlib.rc_context({"svg.fonttype": "none"}):  # the words as text, not outlines, to be read here
            img = str(pack._trend.__wrapped__(points, lang))
        return base64.b64decode(re.search(r"base64,([^\"]+)", img).group(1)).decode()  # type: ignore[union-attr]

    fr, en = texts("fr"), texts("en")
    assert "02/11" in fr and "09/11" in fr and "2026-11-02" not in fr
    assert "11/2" in en and "11/9" in en and "2026-11-02" not in en
    assert re.search(r">12\d\u202f000<", fr) and re.search(r">12\d,000<", en)
