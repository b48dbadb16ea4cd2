"""Deliverables with their QC reports, and review: sending items for approval, approving or asking for changes."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from postprod.errors import InvalidInput
from postprod.http_deps import Id, SessionDep
from postprod.limits import MAX_ID
from postprod.model import ApprovalRequest, Production, QcRun
from postprod.services import dashboard as dash
from postprod.services import deliverables as deliverables_svc
from postprod.services import items, review
from postprod.services import users as users_svc
from postprod.services.principal import Principal
from postprod.services.users import Forbidden, Resource
from postprod.web.auth import FormDep, FormPrincipal, PagePrincipal, page_context, production_for
from postprod.web.pages_auth import safe_next
from postprod.web.render import render

router = APIRouter()


@router.get("/p/{production_id}/deliverables", response_class=HTMLResponse)
def deliverables(production_id: Id, request: Request, principal: PagePrincipal, session: SessionDep) -> HTMLResponse:
    """What is owed, its status, its latest QC run and its approval."""
    prod = production_for(session, principal, production_id, "register.read")
    items = dash.deliverables_with_qc(session, prod)
    return render(
        request, "deliverables.html", page_context(request, principal, prod, active="deliverables", items=items)
    )


@router.get("/p/{production_id}/deliverables/{deliverable_id}", response_class=HTMLResponse)
def deliverable(
    production_id: Id, deliverable_id: str, request: Request, principal: PagePrincipal, session: SessionDep
) -> HTMLResponse:
    """A deliverable: its spec, every QC run, its approvals and notes; send it for approval from here."""
    prod = production_for(session, principal, production_id, "register.read")
    d = deliverables_svc.get_deliverable(session, prod, deliverable_id)
    res = Resource(prod.id, department="deliverables")
    requests = [
        r for r in review.list_requests(session, prod) if r.target_type == "deliverable" and r.target_id == d.id
    ]
    ctx = page_context(
        request,
        principal,
        prod,
        active="deliverables",
        d=d,
        requests=requests,
        usernames=review.usernames(session),
        members=reviewers(session, prod),
        can_request=principal.can("approval.request", res),
        can_note=principal.can("note.add", res),
        notes=items.notes_of(session, prod, "deliverable", d.id),
        work=deliverables_svc.language_work(session, d),
        timeline=findings_timeline(d.runs[-1] if d.runs else None),
    )
    return render(request, "deliverable.html", ctx)


TIMELINE_W, LANE_H, LABEL_W = 1000, 20, 150
_CONFORM = {"moved_cut", "missing_cut", "extra_cut", "flash_frame", "transition", "duration"}


def findings_timeline(run: QcRun | None) -> dict[str, Any] | None:
    """The findings of a QC run along the programme: one lane per kind, each finding a bar at its frames
    (the conform check's lanes last); None when the run has no finding placed in frames."""
    if run is None:
        return None
    placed = [f for f in run.findings if f.start_frame is not None and f.end_frame is not None]
    if not placed:
        return None
    total = max([int((run.summary or {}).get("frames") or 0), *(int(f.end_frame or 0) for f in placed)])
    span = max(1, total)
    kinds = sorted({f.kind for f in placed}, key=lambda k: (k in _CONFORM, k))
    width = TIMELINE_W - LABEL_W
    lanes = []
    for i, kind in enumerate(kinds):
        bars = []
        for f in placed:
            if f.kind != kind:
                continue
            s, e = int(f.start_frame or 0), int(f.end_frame or 0)
            bars.append(
                {
                    "x": round(LABEL_W + width * s / span, 1),
                    "w": round(max(2.0, width * (e - s) / span), 1),
                    "title": f"{f.start_tc or ''} – {f.end_tc or ''} {f.message}".strip(),
                }
            )
        lanes.append({"kind": kind, "y": 4 + i * LANE_H, "bars": bars, "conform": kind in _CONFORM})
    return {"width": TIMELINE_W, "height": 8 + len(kinds) * LANE_H, "left": LABEL_W, "lanes": lanes, "run": run}


def reviewers(session: SessionDep, prod: Production) -> list[tuple[str, str]]:
    """Members who may be named as reviewers: (username, "name (role)"), one line per user."""
    seen: dict[str, str] = {}
    for m in users_svc.list_members(session, prod):
        seen.setdefault(m.user.username, f"{m.user.name} ({m.role.value})")
    return sorted(seen.items())


@router.get("/p/{production_id}/qc/{run_id}", response_class=HTMLResponse)
def qc_run(
    production_id: Id, run_id: Id, request: Request, principal: PagePrincipal, session: SessionDep
) -> HTMLResponse:
    """A stored QC run: the clauses checked and each finding with its timecode."""
    prod = production_for(session, principal, production_id, "register.read")
    run = dash.get_qc_run(session, prod, run_id)
    return render(request, "qc_run.html", page_context(request, principal, prod, active="deliverables", run=run))


def _visible(
    principal: Principal, session: SessionDep, prod_id: int, reqs: list[ApprovalRequest]
) -> list[ApprovalRequest]:
    """All requests for members who read approvals; for clients, those of shared items and those naming them."""
    if principal.can("approval.read", Resource(prod_id)):
        return reqs
    if principal.can("approval.read", Resource(prod_id, shared=True)):
        me = principal.user.id
        return [
            r
            for r in reqs
            if any(rv.reviewer_id == me for rv in r.reviews)
            or review.is_shared(session, prod_id, r.target_type, r.target_id)
        ]
    raise Forbidden(f"{principal.user.username} may not read approvals here")


@router.get("/p/{production_id}/approvals", response_class=HTMLResponse)
def approvals(
    production_id: Id,
    request: Request,
    principal: PagePrincipal,
    session: SessionDep,
    status: str | None = Query(None, max_length=32),
    mine: bool = Query(False),
    target_type: str | None = Query(None, max_length=32),
    target: int | None = Query(None, ge=1, le=MAX_ID),
) -> HTMLResponse:
    """Requests for approval, newest first: all, by status, those awaiting me, or those of one item."""
    prod = production_for(session, principal, production_id)
    reqs = review.list_requests(session, prod, status=status or None, reviewer=principal.user if mine else None)
    if target_type:
        reqs = [r for r in reqs if r.target_type == target_type and (target is None or r.target_id == target)]
    reqs = _visible(principal, session, prod.id, reqs)
    ctx = page_context(
        request,
        principal,
        prod,
        active="approvals",
        requests=reqs,
        usernames=review.usernames(session),
        status=status or "",
        mine=mine,
    )
    return render(request, "approvals.html", ctx)


@router.get("/p/{production_id}/approvals/{request_id}", response_class=HTMLResponse)
def approval(
    production_id: Id, request_id: Id, request: Request, principal: PagePrincipal, session: SessionDep
) -> HTMLResponse:
    """One request: the item, the reviewers and their decisions; a named reviewer decides here."""
    prod = production_for(session, principal, production_id)
    req = review.get_request(session, request_id)
    if req.production_id != prod.id:
        raise InvalidInput(f"request {request_id} is not in {prod.title!r}")
    if not _visible(principal, session, prod.id, [req]):
        raise Forbidden(f"{principal.user.username} may not read this request")
    mine = next((r for r in req.reviews if r.reviewer_id == principal.user.id), None)
    # A client named on a request of an item not shared with clients sees the request, not the item's notes.
    shared = principal.can("approval.read", Resource(prod.id)) or review.is_shared(
        session, prod.id, req.target_type, req.target_id
    )
    if req.target_type == "deliverable":
        item_href = (
            f"/p/{prod.id}/deliverables/{req.target_id}" if principal.can("register.read", Resource(prod.id)) else ""
        )
    elif req.target_type == "task":
        readable = principal.can("task.read", Resource(prod.id, shared=shared))
        item_href = f"/p/{prod.id}/tasks/{quote(req.label)}" if readable else ""
    else:
        item_href = ""
    ctx = page_context(
        request,
        principal,
        prod,
        active="approvals",
        req=req,
        usernames=review.usernames(session),
        my_review=mine,
        can_decide=mine is not None and req.status.value == "pending",
        notes=items.notes_of(session, prod, req.target_type, req.target_id) if shared else [],
        item_href=item_href,
    )
    return render(request, "approval.html", ctx)


@router.post("/p/{production_id}/approvals", response_model=None)
def request_approval(production_id: Id, principal: FormPrincipal, session: SessionDep, form: FormDep) -> Response:
    """Send an item to named members for approval."""
    prod = production_for(session, principal, production_id)
    target = review.resolve_target(session, prod, str(form.get("target_type") or ""), str(form.get("target") or ""))
    principal.require("approval.request", Resource(prod.id, department=target.department))
    names = [str(v) for v in form.getlist("reviewers") if str(v).strip()]
    reviewers = [users_svc.get_user(session, n) for n in names]
    req = review.request_approval(
        session, prod, target, reviewers, requested_by=principal.user, message=str(form.get("message") or "")
    )
    return RedirectResponse(f"/p/{prod.id}/approvals/{req.id}", status_code=303)


@router.post("/p/{production_id}/approvals/{request_id}/decide", response_model=None)
def decide(production_id: Id, request_id: Id, principal: FormPrincipal, session: SessionDep, form: FormDep) -> Response:
    """A named reviewer approves or asks for changes (with a note)."""
    prod = production_for(session, principal, production_id)
    req = review.get_request(session, request_id)
    if req.production_id != prod.id:
        raise InvalidInput(f"request {request_id} is not in {prod.title!r}")
    review.decide(session, req, principal.user, str(form.get("decision") or ""), str(form.get("note") or ""))
    return RedirectResponse(safe_next(form.get("next"), f"/p/{prod.id}/approvals/{req.id}"), status_code=303)
