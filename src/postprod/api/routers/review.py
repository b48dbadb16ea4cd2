"""Review and approval: send an item to named people, who approve or ask for changes with a note."""

from __future__ import annotations

from fastapi import APIRouter, Query

from postprod.api.deps import load_production
from postprod.api.schemas import ApprovalIn, DecisionIn
from postprod.errors import N_
from postprod.http_deps import Id, PrincipalDep, SessionDep
from postprod.model import ApprovalRequest
from postprod.services import review as svc
from postprod.services import users as users_svc
from postprod.services.principal import Principal
from postprod.services.review import ApprovalView
from postprod.services.users import Forbidden, Resource

router = APIRouter(tags=["review"])


def _may_read(principal: Principal, req: ApprovalRequest) -> bool:
    if principal.can("approval.read", Resource(req.production_id)):
        return True
    return any(r.reviewer_id == principal.user.id for r in req.reviews) and principal.can(
        "approval.read", Resource(req.production_id, shared=True)
    )


@router.get("/productions/{production_id}/approvals", response_model=list[ApprovalView])
def list_approvals(
    production_id: Id,
    principal: PrincipalDep,
    session: SessionDep,
    status: str | None = Query(None, max_length=32),
    mine: bool = Query(False, description="Only requests the user is a reviewer of"),
) -> list[ApprovalView]:
    """Approval requests of the production, newest first."""
    prod = load_production(session, production_id)
    if not principal.can("approval.read", Resource(prod.id)):
        if not principal.can("approval.read", Resource(prod.id, shared=True)):
            raise Forbidden(
                N_("%(username)s may not read approvals here"), params={"username": principal.user.username}
            )
        mine = True
    rows = svc.list_requests(session, prod, status=status, reviewer=principal.user if mine else None)
    names = svc.usernames(session)
    return [svc.approval_dict(r, names) for r in rows]


@router.post("/productions/{production_id}/approvals", response_model=ApprovalView, status_code=201)
def request_approval(production_id: Id, body: ApprovalIn, principal: PrincipalDep, session: SessionDep) -> ApprovalView:
    """Send a task, deliverable or register entry to named users for approval."""
    prod = load_production(session, production_id)
    target = svc.resolve_target(session, prod, body.target_type, body.target)
    principal.require("approval.request", Resource(prod.id, department=target.department))
    reviewers = [users_svc.get_user(session, name) for name in body.reviewers]
    req = svc.request_approval(session, prod, target, reviewers, requested_by=principal.user, message=body.message)
    return svc.approval_dict(req, svc.usernames(session))


@router.get("/approvals/{request_id}", response_model=ApprovalView)
def get_approval(request_id: Id, principal: PrincipalDep, session: SessionDep) -> ApprovalView:
    """One approval request with every reviewer's decision and note."""
    req = svc.get_request(session, request_id)
    if not _may_read(principal, req):
        raise Forbidden(
            N_("%(username)s may not read approval request %(request_id)s"),
            params={"username": principal.user.username, "request_id": request_id},
        )
    return svc.approval_dict(req, svc.usernames(session))


@router.post("/approvals/{request_id}/decision", response_model=ApprovalView)
def decide(request_id: Id, body: DecisionIn, principal: PrincipalDep, session: SessionDep) -> ApprovalView:
    """A named reviewer approves, or asks for changes saying which in the note."""
    req = svc.get_request(session, request_id)
    if not _may_read(principal, req):
        raise Forbidden(
            N_("%(username)s may not decide on approval request %(request_id)s"),
            params={"username": principal.user.username, "request_id": request_id},
        )
    req = svc.decide(session, req, principal.user, body.decision, body.note)
    return svc.approval_dict(req, svc.usernames(session))


@router.post("/approvals/{request_id}/cancel", response_model=ApprovalView)
def cancel(request_id: Id, principal: PrincipalDep, session: SessionDep) -> ApprovalView:
    """Withdraw a pending request (whoever may request approval on the item)."""
    req = svc.get_request(session, request_id)
    prod = load_production(session, req.production_id)
    target = svc.resolve_target(session, prod, req.target_type, str(req.target_id))
    principal.require("approval.request", Resource(prod.id, department=target.department))
    return svc.approval_dict(svc.cancel(session, req), svc.usernames(session))
