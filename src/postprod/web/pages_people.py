"""The crew and the rooms, with their load week by week from the stored plan."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from postprod.http_deps import Id, SessionDep
from postprod.services import dashboard as dash
from postprod.web.auth import PagePrincipal, page_context, production_for
from postprod.web.render import render

router = APIRouter()


@router.get("/p/{production_id}/people", response_class=HTMLResponse)
def people(production_id: Id, request: Request, principal: PagePrincipal, session: SessionDep) -> HTMLResponse:
    """Who is booked how much in the coming weeks; rates only for roles that see the budget."""
    prod = production_for(session, principal, production_id, "people.read")
    load = dash.people_load(session, prod)
    ctx = page_context(
        request,
        principal,
        prod,
        active="people",
        load=load,
        show_rates=principal.sees_money(prod.id),
    )
    return render(request, "people.html", ctx)
