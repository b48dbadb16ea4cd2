"""Productions: list, create from a template, overview, settings, members, sharing, export and import."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Body, Query, Response

from postprod.api.deps import JobsDep, load_production
from postprod.api.schemas import MemberIn, ProductionIn, ProductionPatch, ShareIn
from postprod.http_deps import Id, PrincipalDep, SessionDep
from postprod.jobs import job_dict
from postprod.jobs.runner import JobView
from postprod.services import productions as svc
from postprod.services import review, transfer
from postprod.services import users as users_svc
from postprod.services.common import ProductionView, production_dict
from postprod.services.productions import OverviewView, TemplateView
from postprod.services.review import ShareView
from postprod.services.users import MembershipView, Resource

router = APIRouter(tags=["productions"])


@router.get("/templates", response_model=list[TemplateView])
def templates(principal: PrincipalDep) -> list[TemplateView]:
    """The production templates."""
    return svc.templates()


@router.get("/productions", response_model=list[ProductionView])
def list_productions(principal: PrincipalDep, session: SessionDep) -> list[ProductionView]:
    """The productions the user has a role in (every one for an administrator)."""
    return [
        production_dict(p) for p in svc.list_productions(session) if principal.can("production.read", Resource(p.id))
    ]


@router.post("/productions", response_model=OverviewView, status_code=201)
def create_production(body: ProductionIn, principal: PrincipalDep, session: SessionDep) -> OverviewView:
    """Create a production from a template; its creator becomes its supervisor."""
    principal.require("production.create", Resource(None))
    prod = svc.create_production(session, **body.model_dump())
    users_svc.grant(session, principal.user, prod, "supervisor")
    return svc.overview(session, prod)


@router.get("/productions/{production_id}", response_model=OverviewView)
def overview(production_id: Id, principal: PrincipalDep, session: SessionDep) -> OverviewView:
    """What a supervisor reads first: dates, counts by status and department, late tasks."""
    prod = load_production(session, production_id)
    principal.require_production("production.read", prod)
    return svc.overview(session, prod)


@router.patch("/productions/{production_id}", response_model=ProductionView)
def update_production(
    production_id: Id, body: ProductionPatch, principal: PrincipalDep, session: SessionDep
) -> ProductionView:
    """Change status, title, description, or add a delivery date."""
    prod = load_production(session, production_id)
    principal.require_production("production.update", prod)
    return production_dict(svc.update_production(session, prod, **body.model_dump()))


@router.delete("/productions/{production_id}", status_code=204)
def delete_production(production_id: Id, principal: PrincipalDep, session: SessionDep) -> Response:
    """Delete a production and everything in it."""
    prod = load_production(session, production_id)
    principal.require_production("production.delete", prod)
    svc.delete_production(session, prod)
    return Response(status_code=204)


@router.get("/productions/{production_id}/members", response_model=list[MembershipView])
def list_members(production_id: Id, principal: PrincipalDep, session: SessionDep) -> list[MembershipView]:
    """Who has which role in the production."""
    prod = load_production(session, production_id)
    principal.require_production("people.read", prod)
    return [users_svc.membership_dict(m) for m in users_svc.list_members(session, prod)]


@router.post("/productions/{production_id}/members", response_model=MembershipView, status_code=201)
def add_member(production_id: Id, body: MemberIn, principal: PrincipalDep, session: SessionDep) -> MembershipView:
    """Give a user a role here (a department lead names a department, a technician a crew member)."""
    prod = load_production(session, production_id)
    principal.require_production("member.manage", prod)
    user = users_svc.get_user(session, body.user)
    m = users_svc.grant(session, user, prod, body.role, department=body.department, person=body.person)
    return users_svc.membership_dict(m)


@router.delete("/productions/{production_id}/members/{membership_id}", status_code=204)
def remove_member(production_id: Id, membership_id: Id, principal: PrincipalDep, session: SessionDep) -> Response:
    """Take a role away."""
    prod = load_production(session, production_id)
    principal.require_production("member.manage", prod)
    users_svc.revoke(session, prod, membership_id)
    return Response(status_code=204)


@router.get("/productions/{production_id}/shares", response_model=list[ShareView])
def list_shares(production_id: Id, principal: PrincipalDep, session: SessionDep) -> list[ShareView]:
    """Items shown to the production's clients."""
    prod = load_production(session, production_id)
    principal.require_production("production.read", prod)
    return [review.share_dict(s) for s in review.list_shares(session, prod)]


@router.post("/productions/{production_id}/shares", response_model=ShareView, status_code=201)
def share(production_id: Id, body: ShareIn, principal: PrincipalDep, session: SessionDep) -> ShareView:
    """Show an item (a task, a deliverable, a register entry) to the clients."""
    prod = load_production(session, production_id)
    principal.require_production("share.manage", prod)
    return review.share_dict(review.share(session, prod, body.target_type, body.target))


@router.delete("/productions/{production_id}/shares/{share_id}", status_code=204)
def unshare(production_id: Id, share_id: Id, principal: PrincipalDep, session: SessionDep) -> Response:
    """Stop showing an item to the clients."""
    prod = load_production(session, production_id)
    principal.require_production("share.manage", prod)
    review.unshare(session, prod, share_id)
    return Response(status_code=204)


@router.get("/productions/{production_id}/export", tags=["transfer"])
def export_production(production_id: Id, principal: PrincipalDep, session: SessionDep) -> dict[str, Any]:
    """The whole production as one versioned JSON document (the `postprod export` format)."""
    prod = load_production(session, production_id)
    principal.require_production("production.export", prod)
    doc: dict[str, Any] = principal.gate(
        prod.id, transfer.export_production(session, prod, actor=principal.user.username)
    )
    return doc


@router.post("/productions/{production_id}/export-jobs", response_model=JobView, status_code=202, tags=["transfer"])
def export_job(production_id: Id, principal: PrincipalDep, session: SessionDep, jobs: JobsDep) -> JobView:
    """Export in the background; the document is at /jobs/{id}/result once the job is done."""
    prod = load_production(session, production_id)
    principal.require_production("production.export", prod)
    params = {"production_id": prod.id}
    job = jobs.submit(session, "production-export", params, production_id=prod.id, user_id=principal.user.id)
    return job_dict(job)


@router.post("/productions/import", response_model=JobView, status_code=202, tags=["transfer"])
def import_production(
    principal: PrincipalDep,
    session: SessionDep,
    jobs: JobsDep,
    document: dict[str, Any] = Body(..., description="A document written by `postprod export`"),
    title: str | None = Query(None, max_length=200, description="Import under another title"),
) -> JobView:
    """Import a production in the background (the document is checked first: a bad one is a 422 now)."""
    principal.require("production.create", Resource(None))
    transfer.read_document(json.dumps(document), "document")  # a bad document is a 422 now, not a failed job
    user_id = principal.user.id
    params = {"document": document, "title": title, "user_id": user_id}
    job = jobs.submit(session, "production-import", params, user_id=user_id)
    return job_dict(job)
