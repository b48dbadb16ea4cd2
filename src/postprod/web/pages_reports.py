"""The weekly report pack: this week's report as a page (and PDF), "issue this week's report", the issued ones.

Readers: the supervisor and the production director (`report.read`); issuing: `report.issue`. Money
sections pass the money gate (`services.weekly_report.for_reader`). An issued report is shown from its
frozen data, its PDF served as stored.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from postprod.errors import PostprodError
from postprod.http_deps import Id, SessionDep
from postprod.model import Production
from postprod.services import weekly_report as wr
from postprod.services.principal import Principal
from postprod.services.users import Resource
from postprod.web import weekly_report as pack
from postprod.web.auth import FormDep, FormPrincipal, PagePrincipal, page_context, production_for
from postprod.web.render import environment, language_of, render, said

router = APIRouter()


def _lang(request: Request, principal: Principal, asked: str | None) -> str:
    return asked if asked in ("en", "fr") else language_of(request, principal.user.language)


def _body(data: dict[str, Any], lang: str) -> Markup:
    """The report itself, by the one template the PDF uses."""
    env = environment(lang)
    html = env.get_template("_weekly_report.html").render(r=data, chart=pack.trend_svg(data, lang), lang=lang)
    return Markup(html)


def _page(
    request: Request,
    principal: Principal,
    session: SessionDep,
    prod: Production,
    *,
    week: str,
    lang: str,
    data: dict[str, Any],
    shown: Any = None,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    ctx = page_context(
        request,
        principal,
        prod,
        active="reports",
        week=week,
        report_lang=lang,
        report=_body(wr.for_reader(principal.grants, data), lang),
        shown=shown,
        issued=[wr.issued_dict(r) for r in wr.issued(session, prod)],
        can_issue=principal.can("report.issue", Resource(prod.id)),
        errors=errors or {},
        values=values or {},
    )
    ctx["lang"] = lang
    return render(request, "weekly_report.html", ctx, lang=lang, status_code=status)


@router.get("/p/{production_id}/reports/weekly", response_class=HTMLResponse)
def weekly(
    production_id: Id,
    request: Request,
    principal: PagePrincipal,
    session: SessionDep,
    week: str | None = Query(None, max_length=10),
    lang: str | None = Query(None, max_length=2),
) -> HTMLResponse:
    """This week's report as it stands (not yet issued), the form to issue it, and the reports issued."""
    prod = production_for(session, principal, production_id, "report.read")
    the_week = wr.parse_week(week)
    data = wr.assemble(session, prod, the_week)
    return _page(request, principal, session, prod, week=the_week, lang=_lang(request, principal, lang), data=data)


@router.get("/p/{production_id}/reports/weekly.pdf", response_class=Response)
def weekly_pdf(
    production_id: Id,
    request: Request,
    principal: PagePrincipal,
    session: SessionDep,
    week: str | None = Query(None, max_length=10),
    lang: str | None = Query(None, max_length=2),
) -> Response:
    """This week's report as it stands, as PDF (not stored)."""
    prod = production_for(session, principal, production_id, "report.read")
    the_week = wr.parse_week(week)
    data = wr.for_reader(principal.grants, wr.assemble(session, prod, the_week))
    body = pack.pdf(data, _lang(request, principal, lang))
    name = f"weekly-{the_week}.pdf"
    return Response(
        body, media_type="application/pdf", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.get("/p/{production_id}/reports/weekly/{report_id}", response_class=HTMLResponse)
def issued_report(
    production_id: Id, report_id: Id, request: Request, principal: PagePrincipal, session: SessionDep
) -> HTMLResponse:
    """An issued report, as it was frozen."""
    prod = production_for(session, principal, production_id, "report.read")
    row = wr.get_issued(session, prod, report_id)
    return _page(request, principal, session, prod, week=row.week, lang=row.language, data=row.content.data, shown=row)


@router.get("/p/{production_id}/reports/weekly/{report_id}/pdf", response_class=Response)
def issued_pdf(production_id: Id, report_id: Id, principal: PagePrincipal, session: SessionDep) -> Response:
    """An issued report's PDF, as stored (redrawn without money for a reader the money gate refuses)."""
    prod = production_for(session, principal, production_id, "report.read")
    row = wr.get_issued(session, prod, report_id)
    if row.content.pdf is None or not principal.sees_money(prod.id):
        body = pack.pdf(wr.for_reader(principal.grants, row.content.data), row.language)
    else:
        body = row.content.pdf
    name = f"weekly-{row.week}-rev{row.revision}.pdf"
    return Response(
        body, media_type="application/pdf", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.post("/p/{production_id}/reports/weekly", response_model=None)
def issue(
    production_id: Id, request: Request, principal: FormPrincipal, session: SessionDep, form: FormDep
) -> Response:
    """Issue the week's report: frozen with its PDF and the supervisor's paragraph; again makes a revision."""
    prod = production_for(session, principal, production_id, "report.issue")
    values = {k: str(form.get(k) or "") for k in ("week", "paragraph", "lang")}
    lang = values["lang"] if values["lang"] in ("en", "fr") else _lang(request, principal, None)
    try:
        the_week = wr.parse_week(values["week"] or None)
        paragraph = wr.check_paragraph(values["paragraph"])
    except PostprodError as exc:
        week = wr.parse_week(None)
        data = wr.assemble(session, prod, week)
        errors = {exc.field or "week": said(request, exc)}
        return _page(
            request, principal, session, prod, week=week, lang=lang, data=data, errors=errors, values=values, status=422
        )
    data = wr.assemble(session, prod, the_week)
    data["paragraph"] = paragraph
    data["revision"] = wr.next_revision(session, prod, the_week)
    row = wr.issue(session, prod, data, pdf=pack.pdf(data, lang), lang=lang, paragraph=paragraph)
    return RedirectResponse(f"/p/{prod.id}/reports/weekly/{row.id}", status_code=303)
