"""The weekly report pack: this week's data as it stands, the reports issued, their frozen data and PDF.

Readers: `report.read` (the supervisor and the production director); the money sections pass the
money gate (`services.weekly_report.for_reader`). Issuing (which draws the PDF) is the page's and
the command line's: `postprod report weekly --issue`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Response

from postprod.api.deps import load_production
from postprod.errors import N_, NotFound
from postprod.http_deps import Id, PrincipalDep, SessionDep
from postprod.services import weekly_report as wr
from postprod.services.users import Forbidden

router = APIRouter(tags=["reports"])


@router.get("/productions/{production_id}/reports/weekly")
def list_weekly(production_id: Id, principal: PrincipalDep, session: SessionDep) -> list[dict[str, Any]]:
    """The weekly reports issued, newest first (week, revision, status, who and when)."""
    prod = load_production(session, production_id)
    principal.require_production("report.read", prod)
    return [wr.issued_dict(r) for r in wr.issued(session, prod)]


@router.get("/productions/{production_id}/reports/weekly/current")
def current_weekly(
    production_id: Id,
    principal: PrincipalDep,
    session: SessionDep,
    week: str | None = Query(None, max_length=10, description="ISO week, 2027-W05 (default this week)"),
) -> dict[str, Any]:
    """A week's report as it stands now (not frozen): every section, money only for the budget right."""
    prod = load_production(session, production_id)
    principal.require_production("report.read", prod)
    return wr.for_reader(principal.grants, wr.assemble(session, prod, wr.parse_week(week)))


@router.get("/productions/{production_id}/reports/weekly/{report_id}")
def get_weekly(production_id: Id, report_id: Id, principal: PrincipalDep, session: SessionDep) -> dict[str, Any]:
    """An issued report: its header and its frozen data (as it read when issued)."""
    prod = load_production(session, production_id)
    principal.require_production("report.read", prod)
    row = wr.get_issued(session, prod, report_id)
    return wr.issued_dict(row) | {"data": wr.for_reader(principal.grants, row.content.data)}


@router.get("/productions/{production_id}/reports/weekly/{report_id}/pdf", response_class=Response)
def get_weekly_pdf(production_id: Id, report_id: Id, principal: PrincipalDep, session: SessionDep) -> Response:
    """An issued report's PDF as stored (for the budget right: it holds the cost sections)."""
    prod = load_production(session, production_id)
    principal.require_production("report.read", prod)
    row = wr.get_issued(session, prod, report_id)
    if row.content.pdf is None:
        raise NotFound(N_("weekly report %(label)s has no PDF stored"), params={"label": row.label})
    if not principal.sees_money(prod.id):  # the money gate: the stored PDF holds the cost sections
        raise Forbidden("the weekly report's PDF holds money: it needs the budget right", field="report_id")
    name = f"weekly-{row.week}-rev{row.revision}.pdf"
    return Response(
        row.content.pdf, media_type="application/pdf", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
