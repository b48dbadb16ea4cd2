"""The production's dashboard and its activity feed (the Gantt is with the planning pages)."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from postprod.http_deps import Id, SessionDep
from postprod.limits import MAX_ID
from postprod.services import activity as activity_svc
from postprod.services import dashboard as dash
from postprod.services import notes as notes_svc
from postprod.services.users import Resource
from postprod.web.auth import PagePrincipal, page_context, production_for
from postprod.web.render import render

router = APIRouter()


@router.get("/p/{production_id}", response_class=HTMLResponse)
def dashboard(production_id: Id, request: Request, principal: PagePrincipal, session: SessionDep) -> HTMLResponse:
    """Days to delivery, the critical path, late tasks, departments, deliverables and their QC."""
    prod = production_for(session, principal, production_id)
    data = dash.dashboard(session, prod)
    if not principal.can("task.read", Resource(prod.id)):
        data["late"] = []
    if not principal.can("register.read", Resource(prod.id)):
        data["deliverables"] = []
    reports = []
    if principal.can("report.read", Resource(prod.id)):  # the newest weekly reports issued
        from postprod.services import weekly_report

        reports = [weekly_report.issued_dict(r) for r in weekly_report.issued(session, prod)[:3]]
    ctx = page_context(request, principal, prod, active="dashboard", d=data, weekly_reports=reports)
    return render(request, "dashboard.html", ctx)


@router.get("/p/{production_id}/activity", response_class=HTMLResponse)
def activity(
    production_id: Id,
    request: Request,
    principal: PagePrincipal,
    session: SessionDep,
    before: int | None = Query(None, ge=1, le=MAX_ID),
    actor: str | None = Query(None, max_length=120),
) -> HTMLResponse:
    """The audit trail, newest first, a page at a time."""
    prod = production_for(session, principal, production_id, "history.read")
    entries = notes_svc.activity(session, prod, before_id=before, actor=actor or None, limit=50)
    told = activity_svc.describe(session, entries, money=principal.sees_money(prod.id))
    ctx = page_context(request, principal, prod, active="activity", entries=told, actor=actor or "")
    return render(request, "activity.html", ctx)
