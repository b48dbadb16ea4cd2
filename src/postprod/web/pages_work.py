"""A user's own pages: their work today and this week, and search across the production."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from postprod.http_deps import Id, SessionDep
from postprod.services import my_work as my_work_svc
from postprod.services import search as search_svc
from postprod.services.principal import task_resource
from postprod.services.users import visible_production_ids
from postprod.web.auth import PagePrincipal, page_context, production_for
from postprod.web.pages_tasks import next_statuses
from postprod.web.render import render
from postprod.web.vocabulary import SEARCH_KINDS

router = APIRouter()


@router.get("/my-work", response_model=None)
def my_work_anywhere(principal: PagePrincipal, session: SessionDep) -> RedirectResponse:
    """My work in the first production the user belongs to (the home page lists them all)."""
    ids = visible_production_ids(session, principal.user)
    if ids:
        return RedirectResponse(f"/p/{ids[0]}/me", status_code=303)
    return RedirectResponse("/", status_code=303)


@router.get("/p/{production_id}/me", response_class=HTMLResponse)
def my_work(production_id: Id, request: Request, principal: PagePrincipal, session: SessionDep) -> HTMLResponse:
    """The user's tasks for today and this week, each movable in place."""
    prod = production_for(session, principal, production_id, "task.read")
    work = my_work_svc.my_work(session, prod, principal.user, date.today())
    tasks = [*work["today"], *work["week"], *work["later"]]
    editable = {t.id for t in tasks if principal.can("task.progress", task_resource(session, t, principal))}
    ctx = page_context(request, principal, prod, active="me", work=work, editable=editable, next_statuses=next_statuses)
    return render(request, "my_work.html", ctx)


@router.get("/p/{production_id}/search", response_class=HTMLResponse)
def search_page(
    production_id: Id,
    request: Request,
    principal: PagePrincipal,
    session: SessionDep,
    q: str = Query("", max_length=search_svc.MAX_QUERY),
) -> HTMLResponse:
    """What the words find in the production, grouped by kind, each a link; only what the reader may read."""
    prod = production_for(session, principal, production_id)
    results = search_svc.search(session, prod, principal.grants, q) if q.strip() else {}
    ctx = page_context(request, principal, prod, active="search", q=q, results=results, kinds=SEARCH_KINDS)
    return render(request, "search.html", ctx)
