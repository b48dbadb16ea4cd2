"""The crew and the rooms, with their load week by week from the stored plan."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from postprod.http_deps import Id, SessionDep
from postprod.web import pages_people_forms as people_forms
from postprod.web.auth import PagePrincipal, production_for

router = APIRouter()


@router.get("/p/{production_id}/people", response_class=HTMLResponse)
def people(production_id: Id, request: Request, principal: PagePrincipal, session: SessionDep) -> HTMLResponse:
    """Who is booked how much in the coming weeks, with the forms to add people, rooms and calendars;
    rates only for roles that see the budget."""
    prod = production_for(session, principal, production_id, "people.read")
    return people_forms.people_page(request, principal, session, prod)
