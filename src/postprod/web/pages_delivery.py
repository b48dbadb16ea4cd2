"""Deliverables with their QC reports, and review: sending items for approval, approving or asking for changes."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData
from starlette.datastructures import UploadFile as StarletteUpload

from postprod.errors import N_, InvalidInput, PostprodError, StaleWrite
from postprod.http_deps import Id, SessionDep
from postprod.jobs import JobRunner
from postprod.limits import MAX_ID
from postprod.model import ApprovalRequest, Deliverable, Production, QcRun
from postprod.qc.spec import builtin_specs
from postprod.services import dashboard as dash
from postprod.services import deliverables as deliverables_svc
from postprod.services import items, money, review
from postprod.services import users as users_svc
from postprod.services.principal import Principal
from postprod.services.users import Forbidden, Resource
from postprod.web.auth import FormDep, FormPrincipal, PagePrincipal, page_context, production_for
from postprod.web.forms import ItemForm, done, errors_of, refused, text
from postprod.web.pages_auth import safe_next
from postprod.web.pages_jobs import followed_job, job_view
from postprod.web.render import gettext_for, language_of, render, said

router = APIRouter()


@router.get("/p/{production_id}/deliverables", response_class=HTMLResponse)
def deliverables(production_id: Id, request: Request, principal: PagePrincipal, session: SessionDep) -> HTMLResponse:
    """What is owed, its status, its latest QC run and its approval; add one."""
    prod = production_for(session, principal, production_id, "register.read")
    return _list_page(request, principal, session, prod)


def _list_page(
    request: Request,
    principal: Principal,
    session: SessionDep,
    prod: Production,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    ctx = page_context(
        request,
        principal,
        prod,
        active="deliverables",
        items=dash.deliverables_with_qc(session, prod),
        can_edit=principal.can("register.edit", Resource(prod.id, department="deliverables")),
        specs=sorted(builtin_specs()),
        errors=errors or {},
        values=values or {},
    )
    return render(request, "deliverables.html", ctx, status_code=status)


@router.get("/p/{production_id}/deliverables/{deliverable_id}", response_class=HTMLResponse)
def deliverable(
    production_id: Id,
    deliverable_id: str,
    request: Request,
    principal: PagePrincipal,
    session: SessionDep,
    job: int | None = Query(None, ge=1, le=MAX_ID),
) -> HTMLResponse:
    """A deliverable: its spec, every QC run, its approvals and notes; edit it, check it, send it for approval."""
    prod = production_for(session, principal, production_id, "register.read")
    d = deliverables_svc.get_deliverable(session, prod, deliverable_id)
    return deliverable_page(request, principal, session, prod, d, job=job)


def deliverable_page(
    request: Request,
    principal: Principal,
    session: SessionDep,
    prod: Production,
    d: Deliverable,
    *,
    job: int | None = None,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
    item_form: ItemForm | None = None,
) -> HTMLResponse:
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
        user_names=review.display_names(session),
        members=reviewers(session, prod),
        can_request=principal.can("approval.request", res),
        can_note=principal.can("note.add", res),
        can_edit=principal.can("register.edit", res),
        notes=items.notes_of(session, prod, "deliverable", d.id),
        work=deliverables_svc.language_work(session, d),
        timeline=findings_timeline(d.runs[-1] if d.runs else None),
        job=job_view(prod, followed_job(session, principal, prod, job)) if job else None,
        specs=sorted(builtin_specs()),
        errors=errors or {},
        values=values if values is not None else _current(d),
        item_form=item_form,
        here=item_form.here if item_form else request.url.path,
    )
    return render(request, "deliverable.html", ctx, status_code=status)


def _current(d: Deliverable) -> dict[str, str]:
    """The edit form's values: the deliverable as it is."""
    return {
        "spec": OWN_SPEC if d.spec_text else (d.spec or ""),
        "due": d.due_date.isoformat() if d.due_date else "",
        "milestone": "",
        "file": d.file_path or "",
        "language": d.language or "",
        "version": str(d.version),
    }


OWN_SPEC = "__own__"  # the edit form's choice "keep the deliverable's own spec"
FIELDS = ("name", "spec", "due", "milestone", "file", "language", "description", "version")


def _values(form: FormData) -> dict[str, str]:
    return {k: str(form.get(k) or "").strip() for k in FIELDS}


def _spec_upload(form: FormData) -> tuple[str, str] | None:
    """The name (the file's) and text of an uploaded spec, the production's own TOML; None when no file was chosen."""
    upload = form.get("spec_file")
    if not isinstance(upload, StarletteUpload) or not upload.filename:
        return None
    data = upload.file.read(deliverables_svc.MAX_SPEC_TEXT * 4 + 1)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("the spec file is not UTF-8 text (a TOML file)", field="spec_file") from None
    if not text.strip():
        raise InvalidInput("the spec file is empty", field="spec_file")
    return Path(upload.filename).stem[:64] or "spec", text


def _error_of(request: Request, exc: PostprodError, default: str) -> dict[str, str]:
    field = "spec_file" if exc.field == "spec_toml" else (exc.field or default)
    return {field if field in (*FIELDS, "spec_file") else default: said(request, exc)}


@router.post("/p/{production_id}/deliverables", response_model=None)
def add_deliverable(
    production_id: Id, request: Request, principal: FormPrincipal, session: SessionDep, form: FormDep
) -> Response:
    """Add a deliverable; a mistake shows the form again with the message beside its field, nothing written."""
    prod = production_for(session, principal, production_id, "register.read")
    principal.require("register.edit", Resource(prod.id, department="deliverables"))
    v = _values(form)
    try:
        own = _spec_upload(form)
        due = deliverables_svc.due_or_milestone(prod, v["due"], v["milestone"])
        with session.begin_nested():
            d = deliverables_svc.add_deliverable(
                session,
                prod,
                name=v["name"],
                spec=own[0] if own else (v["spec"] or None),
                spec_toml=own[1] if own else None,
                due=due or None,
                file=v["file"] or None,
                description=v["description"],
                language=v["language"] or None,
            )
    except PostprodError as exc:
        return _list_page(
            request, principal, session, prod, errors=_error_of(request, exc, "name"), values=v, status=422
        )
    return RedirectResponse(f"/p/{prod.id}/deliverables/{d.id}", status_code=303)


@router.post("/p/{production_id}/deliverables/{deliverable_id}/edit", response_model=None)
def edit_deliverable(
    production_id: Id,
    deliverable_id: str,
    request: Request,
    principal: FormPrincipal,
    session: SessionDep,
    form: FormDep,
) -> Response:
    """Change a deliverable's spec, due date, file or language if it is still at the version shown."""
    prod = production_for(session, principal, production_id, "register.read")
    principal.require("register.edit", Resource(prod.id, department="deliverables"))
    d = deliverables_svc.get_deliverable(session, prod, deliverable_id)
    v = _values(form)
    try:
        try:
            version = int(v["version"])
        except ValueError:
            raise InvalidInput("the form lost the deliverable's version: reload the page", field="version") from None
        own = _spec_upload(form)
        due = deliverables_svc.due_or_milestone(prod, v["due"], v["milestone"])
        keep = v["spec"] == OWN_SPEC and own is None
        with session.begin_nested():
            deliverables_svc.update_deliverable(
                session,
                d,
                spec=None if keep else own[0] if own else v["spec"],
                spec_toml=own[1] if own else None,
                due=due,
                file=v["file"],
                language=v["language"],
                expected_version=version,
            )
    except PostprodError as exc:
        session.expire(d)
        errors = _error_of(request, exc, "spec")
        if isinstance(exc, StaleWrite):
            _ = page_context(request, principal, prod)["_t"]
            errors = {"version": _("Someone else changed this deliverable meanwhile: here it is as it is now.")}
            return deliverable_page(request, principal, session, prod, d, errors=errors, status=409)
        return deliverable_page(request, principal, session, prod, d, errors=errors, values=v, status=422)
    return RedirectResponse(f"/p/{prod.id}/deliverables/{d.id}", status_code=303)


@router.post("/p/{production_id}/deliverables/{deliverable_id}/qc", response_model=None)
def start_qc(
    production_id: Id,
    deliverable_id: str,
    request: Request,
    principal: FormPrincipal,
    session: SessionDep,
    form: FormDep,
) -> Response:
    """Check the deliverable's file against its spec as a job; its page then follows the job to the findings."""
    prod = production_for(session, principal, production_id, "register.read")
    principal.require("register.edit", Resource(prod.id, department="deliverables"))
    d = deliverables_svc.get_deliverable(session, prod, deliverable_id)
    try:
        target = deliverables_svc.qc_target(session, prod, d.id)  # no file, no spec, outside the roots: refused now
    except PostprodError as exc:
        errors = {"qc": said(request, exc)}
        return deliverable_page(request, principal, session, prod, d, errors=errors, status=422)
    runner: JobRunner = request.app.state.jobs
    params = {"production_id": prod.id, **target.params()}
    job = runner.submit(session, "deliverable-qc", params, production_id=prod.id, user_id=principal.user.id)
    return RedirectResponse(f"/p/{prod.id}/deliverables/{d.id}?job={job.id}", status_code=303)


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


def reviewers(session: SessionDep, prod: Production) -> list[tuple[str, str, str]]:
    """Members who may be named as reviewers: (username, name, role), one line per user; the form says
    the role in the page's language (vocabulary.ROLES)."""
    seen: dict[str, tuple[str, str, str]] = {}
    for m in users_svc.list_members(session, prod):
        seen.setdefault(m.user.username, (m.user.username, m.user.name, m.role.value))
    return sorted(seen.values())


def budget_reviewers(session: SessionDep, prod: Production) -> list[tuple[str, str, str]]:
    """The reviewers of a budget change: members who see the budget (the estimate is theirs to read)."""
    readers = {
        m.user.username
        for m in users_svc.list_members(session, prod)
        if money.visible(users_svc.grants_of(m.user), prod.id)
    }
    return [member for member in reviewers(session, prod) if member[0] in readers]


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
    raise Forbidden(N_("%(username)s may not read approvals here"), params={"username": principal.user.username})


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
        user_names=review.display_names(session),
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
    return _approval_page(request, principal, session, prod, request_id)


def _approval_page(
    request: Request,
    principal: Principal,
    session: SessionDep,
    prod: Production,
    request_id: int,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    req = review.get_request(session, request_id)
    if req.production_id != prod.id:
        raise InvalidInput(
            N_("request %(request_id)s is not in %(title)r"), params={"request_id": request_id, "title": prod.title}
        )
    if not _visible(principal, session, prod.id, [req]):
        raise Forbidden(N_("%(username)s may not read this request"), params={"username": principal.user.username})
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
        user_names=review.display_names(session),
        my_review=mine,
        can_decide=mine is not None and req.status.value == "pending",
        notes=items.notes_of(session, prod, req.target_type, req.target_id) if shared else [],
        item_href=item_href,
        errors=errors or {},
        values=values or {},
    )
    return render(request, "approval.html", ctx, status_code=status)


@router.post("/p/{production_id}/approvals/{request_id}/decide", response_model=None)
def decide(
    production_id: Id, request_id: Id, request: Request, principal: FormPrincipal, session: SessionDep, form: FormDep
) -> Response:
    """A named reviewer approves or asks for changes (with a note); asking without a note shows the page
    again with the message beside the note, nothing decided."""
    prod = production_for(session, principal, production_id)
    req = review.get_request(session, request_id)
    if req.production_id != prod.id:
        raise InvalidInput(
            N_("request %(request_id)s is not in %(title)r"), params={"request_id": request_id, "title": prod.title}
        )
    note = str(form.get("note") or "")
    try:
        review.decide(session, req, principal.user, text(form, "decision"), note)
    except InvalidInput as exc:
        refused(session, exc)
        _ = gettext_for(language_of(request, principal.user.language))
        prod = production_for(session, principal, production_id)
        errors = errors_of(exc, _, {})
        return _approval_page(
            request, principal, session, prod, request_id, errors=errors, values={"note": note}, status=422
        )
    return done(request, safe_next(form.get("next"), f"/p/{prod.id}/approvals/{req.id}"))
