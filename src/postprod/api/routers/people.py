"""The crew, the rooms and their absences; rates only for roles that see the budget."""

from __future__ import annotations

from typing import TypeVar

from fastapi import APIRouter, Response

from postprod.api.deps import load_production
from postprod.api.schemas import AbsenceIn, AbsencePatch, PersonIn, PersonPatch, RoomIn
from postprod.errors import InvalidInput
from postprod.http_deps import Id, PrincipalDep, SessionDep
from postprod.model import Production
from postprod.services import people as svc
from postprod.services.common import (
    PersonDetailView,
    PersonView,
    RoomView,
    get_person,
    get_room,
    person_detail,
    person_dict,
    room_dict,
)
from postprod.services.people import AbsenceView, absence_dict
from postprod.services.principal import Principal

router = APIRouter(tags=["people"])

V = TypeVar("V")


def _money(principal: Principal, prod: Production, data: V) -> V:
    return principal.gate(prod.id, data)


@router.get("/productions/{production_id}/people", response_model=list[PersonView], response_model_exclude_unset=True)
def list_people(production_id: Id, principal: PrincipalDep, session: SessionDep) -> list[PersonView]:
    """The crew, by name."""
    prod = load_production(session, production_id)
    principal.require_production("people.read", prod)
    return [_money(principal, prod, person_dict(p)) for p in sorted(prod.people, key=lambda p: p.name)]


@router.post(
    "/productions/{production_id}/people", response_model=PersonView, response_model_exclude_unset=True, status_code=201
)
def add_person(production_id: Id, body: PersonIn, principal: PrincipalDep, session: SessionDep) -> PersonView:
    """Add a crew member."""
    prod = load_production(session, production_id)
    principal.require_production("people.edit", prod)
    return _money(principal, prod, person_dict(svc.add_person(session, prod, **body.model_dump())))


@router.get(
    "/productions/{production_id}/people/{person_ref}",
    response_model=PersonDetailView,
    response_model_exclude_unset=True,
)
def get_person_route(
    production_id: Id, person_ref: str, principal: PrincipalDep, session: SessionDep
) -> PersonDetailView:
    """One crew member with the tasks they are assigned to."""
    prod = load_production(session, production_id)
    principal.require_production("people.read", prod)
    return _money(principal, prod, person_detail(prod, get_person(session, prod, person_ref)))


@router.patch(
    "/productions/{production_id}/people/{person_ref}", response_model=PersonView, response_model_exclude_unset=True
)
def update_person(
    production_id: Id, person_ref: str, body: PersonPatch, principal: PrincipalDep, session: SessionDep
) -> PersonView:
    """Change a person's role, skills, rate or contact."""
    prod = load_production(session, production_id)
    principal.require_production("people.edit", prod)
    person = svc.update_person(session, get_person(session, prod, person_ref), **body.model_dump(exclude_unset=True))
    return _money(principal, prod, person_dict(person))


@router.get("/productions/{production_id}/rooms", response_model=list[RoomView], response_model_exclude_unset=True)
def list_rooms(production_id: Id, principal: PrincipalDep, session: SessionDep) -> list[RoomView]:
    """The rooms, by name."""
    prod = load_production(session, production_id)
    principal.require_production("people.read", prod)
    return [_money(principal, prod, room_dict(r)) for r in sorted(prod.rooms, key=lambda r: r.name)]


@router.post(
    "/productions/{production_id}/rooms", response_model=RoomView, response_model_exclude_unset=True, status_code=201
)
def add_room(production_id: Id, body: RoomIn, principal: PrincipalDep, session: SessionDep) -> RoomView:
    """Add a room (edit suite, grading suite, mix stage...)."""
    prod = load_production(session, production_id)
    principal.require_production("people.edit", prod)
    return _money(principal, prod, room_dict(svc.add_room(session, prod, **body.model_dump())))


@router.get("/productions/{production_id}/absences", response_model=list[AbsenceView])
def list_absences(production_id: Id, principal: PrincipalDep, session: SessionDep) -> list[AbsenceView]:
    """Absences of people and rooms, by start date."""
    prod = load_production(session, production_id)
    principal.require_production("people.read", prod)
    return [absence_dict(a) for a in svc.list_absences(session, prod)]


@router.post("/productions/{production_id}/absences", response_model=AbsenceView, status_code=201)
def addabsence_dict(production_id: Id, body: AbsenceIn, principal: PrincipalDep, session: SessionDep) -> AbsenceView:
    """A person (or a room) unavailable from start to end, inclusive."""
    prod = load_production(session, production_id)
    principal.require_production("people.edit", prod)
    if (body.person is None) == (body.room is None):
        raise InvalidInput("name one person or one room", field="person")
    person = get_person(session, prod, body.person) if body.person is not None else None
    room = get_room(session, prod, body.room) if body.room is not None else None
    a = svc.add_absence(session, prod, person=person, room=room, start=body.start, end=body.end, reason=body.reason)
    return absence_dict(a)


@router.patch("/productions/{production_id}/absences/{absence_id}", response_model=AbsenceView)
def update_absence(
    production_id: Id, absence_id: Id, body: AbsencePatch, principal: PrincipalDep, session: SessionDep
) -> AbsenceView:
    """Move an absence's days or change its reason (what is not sent stays); replan afterwards to see its effect."""
    prod = load_production(session, production_id)
    principal.require_production("people.edit", prod)
    return absence_dict(svc.update_absence(session, prod, absence_id, **body.model_dump(exclude_unset=True)))


@router.delete("/productions/{production_id}/absences/{absence_id}", status_code=204)
def removeabsence_dict(production_id: Id, absence_id: Id, principal: PrincipalDep, session: SessionDep) -> Response:
    """Remove an absence."""
    prod = load_production(session, production_id)
    principal.require_production("people.edit", prod)
    svc.remove_absence(session, prod, absence_id)
    return Response(status_code=204)
