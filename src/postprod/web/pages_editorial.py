"""Cut versions with their change lists, and the registers (VFX, ADR, foley, music, dubbing) as tables."""

from __future__ import annotations

import os
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from postprod import config
from postprod.errors import Conflict, InvalidInput, PostprodError
from postprod.http_deps import Id, SessionDep
from postprod.jobs import JobRunner
from postprod.jobs.kinds import CUT_FORMATS, cut_import_params
from postprod.limits import MAX_ID
from postprod.model import Production
from postprod.model.editorial import RegisterMixin
from postprod.services import editorial as editorial_svc
from postprod.services import items, money
from postprod.services import registers as reg
from postprod.services.principal import Principal
from postprod.services.recut_cost import recut_cost
from postprod.services.registers import list_entries, sort_columns, version_changes
from postprod.services.users import Resource
from postprod.web.auth import FormDep, FormPrincipal, PagePrincipal, page_context, production_for
from postprod.web.forms import ItemForm
from postprod.web.pages_auth import safe_next
from postprod.web.pages_delivery import budget_reviewers, reviewers
from postprod.web.pages_jobs import followed_job, job_view
from postprod.web.render import render, said, status_labels
from postprod.web.vocabulary import REGISTER_TABS, REGISTER_TITLES

router = APIRouter()

PAGE = 50
# The department that owns each register (a department lead edits their own).
DEPARTMENT = {"vfx": "vfx", "adr": "adr", "foley": "foley", "music": "music", "dubbing": "dubbing"}


@router.get("/p/{production_id}/cuts", response_class=HTMLResponse)
def cuts(
    production_id: Id,
    request: Request,
    principal: PagePrincipal,
    session: SessionDep,
    job: int | None = Query(None, ge=1, le=MAX_ID),
) -> HTMLResponse:
    """Every imported version of every reel, with its change counts; import a new one (and follow its job)."""
    prod = production_for(session, principal, production_id, "register.read")
    return _cuts_page(request, principal, session, prod, job=job)


def _cuts_page(
    request: Request,
    principal: Any,
    session: Any,
    prod: Production,
    *,
    job: int | None = None,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    ctx = page_context(
        request,
        principal,
        prod,
        active="cuts",
        versions=editorial_svc.list_versions(session, prod),
        reels=sorted({cv.reel for cv in editorial_svc.list_versions(session, prod)}),
        can_import=principal.can("register.edit", Resource(prod.id, department="picture-editing")),
        job=job_view(prod, followed_job(session, principal, prod, job)) if job else None,
        formats=", ".join(CUT_FORMATS),
        max_mb=config.max_upload_bytes() // config.MiB,
        errors=errors or {},
        values=values or {},
    )
    return render(request, "cuts.html", ctx, status_code=status)


@router.post("/p/{production_id}/cuts/import", response_model=None)
def import_cut(
    production_id: Id, request: Request, principal: FormPrincipal, session: SessionDep, form: FormDep
) -> Response:
    """Import a new version of a reel from an uploaded EDL, FCP XML, AAF or OTIO file, as a job."""
    prod = production_for(session, principal, production_id, "register.read")
    principal.require("register.edit", Resource(prod.id, department="picture-editing"))
    values = {k: str(form.get(k) or "").strip() for k in ("reel", "label", "rate")}
    upload = form.get("file")
    try:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise InvalidInput("choose the cut's file (EDL, FCP XML, AAF or OTIO)", field="file")
        content = upload.file.read()
        params = cut_import_params(
            prod.id,
            values["reel"],
            os.path.basename(upload.filename),
            content,
            rate=values["rate"] or None,
            label=values["label"],
        )
    except PostprodError as exc:
        field = "file" if exc.field in (None, "filename") else exc.field
        return _cuts_page(
            request, principal, session, prod, errors={field: said(request, exc)}, values=values, status=422
        )
    runner: JobRunner = request.app.state.jobs
    job = runner.submit(session, "cut-import", params, production_id=prod.id, user_id=principal.user.id)
    return RedirectResponse(f"/p/{prod.id}/cuts?job={job.id}", status_code=303)


@router.get("/p/{production_id}/cuts/{version_id}", response_class=HTMLResponse)
def cut_version(
    production_id: Id, version_id: Id, request: Request, principal: PagePrincipal, session: SessionDep
) -> HTMLResponse:
    """One cut version and its change list against the version before."""
    prod = production_for(session, principal, production_id, "register.read")
    return cut_version_page(request, principal, session, prod, version_id)


def cut_version_page(
    request: Request,
    principal: Principal,
    session: Session,
    prod: Production,
    version_id: int,
    *,
    item_form: ItemForm | None = None,
    status: int = 200,
) -> HTMLResponse:
    """A cut version's page; `item_form` a refused note or request for approval (pages_item_forms)."""
    cv, changes = version_changes(session, prod, version_id)
    # The recut's cost, for those who see the budget only; sent for approval to those who do too.
    priced = principal.can(money.RIGHT, Resource(prod.id))
    recut = recut_cost(session, prod, cv) if priced else None
    moved, moved_total = editorial_svc.moved_by(session, prod, cv, limit=500)
    ctx = page_context(
        request,
        principal,
        prod,
        active="cuts",
        cv=cv,
        info=editorial_svc.version_dict(cv),
        changes=changes,
        notes=items.notes_of(session, prod, "cut_version", cv.id),
        can_note=principal.can("note.add", Resource(prod.id, department="picture-editing")),
        flagged=reg.flagged_on(session, prod, cv),
        moved=moved,
        moved_total=moved_total,
        titles=REGISTER_TITLES,
        recut=recut,
        budget_members=budget_reviewers(session, prod) if recut is not None else [],
        can_request=recut is not None
        and principal.can("approval.request", Resource(prod.id, department="picture-editing")),
        item_form=item_form,
        here=item_form.here if item_form else request.url.path,
    )
    return render(request, "cut_version.html", ctx, status_code=status)


def _kind(name: str) -> reg.Kind:
    return reg.get_kind(name)


@router.get("/p/{production_id}/registers/{kind_name}", response_class=HTMLResponse)
def register(
    production_id: Id,
    kind_name: str,
    request: Request,
    principal: PagePrincipal,
    session: SessionDep,
    status: str | None = Query(None, max_length=32),
    reel: str | None = Query(None, max_length=64),
    review: str | None = Query(None, pattern="^(yes|no|)$"),
    q: str | None = Query(None, max_length=200),
    sort: str = Query("in", max_length=32),
    offset: int = Query(0, ge=0, le=10_000_000),
    imported: int | None = Query(None, ge=0, le=10_000_000),
    updated: int | None = Query(None, ge=0, le=10_000_000),
) -> HTMLResponse:
    """A register as a sortable, filterable table, a page at a time, with inline status changes and edits."""
    prod = production_for(session, principal, production_id, "register.read")
    kind = _kind(kind_name)
    filters = {"status": status or "", "reel": reel or "", "review": review or "", "q": q or ""}
    done = {"created": imported, "updated": updated or 0} if imported is not None else None
    return register_page(request, principal, session, prod, kind, filters=filters, sort=sort, offset=offset, done=done)


def row_columns(kind: reg.Kind) -> list[reg.Field]:
    """The register's own fields a row shows (never money)."""
    return [f for f in kind.fields[1:] if f.type in ("str", "text", "int", "priority", "language", "date")][:4]


# The fields a row edits in place: its place in the cut, the columns the table shows, the vendor and due date.
PLACE = ("reel", "in", "out")
TAIL = ("vendor", "due")


def form_fields(kind: reg.Kind, sees_money: bool) -> list[reg.Field]:
    """The add form's fields: the register's own (its money only for those who see it), its place, vendor, due."""
    common = {f.name: f for f in reg.COMMON_FIELDS}
    own = [f for f in kind.fields if sees_money or not money.is_money_field(f.type)]
    return [*own, *(common[n] for n in (*PLACE, *TAIL))]


def text_values(kind: reg.Kind, data: dict[str, Any], names: list[str]) -> dict[str, str]:
    """An entry's values as the form shows them (timecodes in its reel's rate)."""
    out: dict[str, str] = {}
    for name in names:
        value = {"in": data.get("record_in_tc"), "out": data.get("record_out_tc")}.get(name, data.get(name))
        out[name] = "" if value is None else str(value)
    return out


def edit_fields(kind: reg.Kind, principal: Principal, prod: Production) -> list[reg.Field]:
    """The entry page's edit form: every field the add form has."""
    return form_fields(kind, principal.sees_money(prod.id))


def register_page(
    request: Request,
    principal: Any,
    session: Any,
    prod: Production,
    kind: reg.Kind,
    *,
    filters: dict[str, str] | None = None,
    sort: str = "in",
    offset: int = 0,
    done: dict[str, int] | None = None,
    errors: dict[str, dict[str, str]] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    """The register's page; after a refused add or import, with that form open and its mistake beside its field."""
    filters = filters or {"status": "", "reel": "", "review": "", "q": ""}
    sees = principal.sees_money(prod.id)
    page = list_entries(
        session,
        prod,
        kind,
        status=filters["status"] or None,
        reel=filters["reel"] or None,
        review={"yes": True, "no": False}.get(filters["review"]),
        search=filters["q"] or None,
        sort=sort,
        limit=PAGE,
        offset=offset,
        money=sees,
    )
    query = "&".join(f"{k}={v}" for k, v in filters.items() if v)
    _ = page_context(request, principal, prod)["_t"]
    flash = ""
    if done is not None:
        flash = _("Imported: %(created)s new, %(updated)s updated.") % {
            "created": done["created"],
            "updated": done.get("updated") or 0,
        }
    ctx = page_context(
        request,
        principal,
        prod,
        active="registers",
        kind=kind,
        kinds=list(reg.KINDS.values()),
        titles=REGISTER_TITLES,
        tabs=REGISTER_TABS,
        page=page,
        filters=filters,
        query=query,
        sort=sort,
        sorts=sort_columns(kind, money=sees),
        offset=offset,
        limit=PAGE,
        columns=row_columns(kind),
        attr_of=lambda f: reg.attr_of(kind, f),
        can_edit=principal.can("register.edit", Resource(prod.id, department=DEPARTMENT[kind.name])),
        add_fields=form_fields(kind, sees),
        errors=errors or {},
        values=values or {},
        flash=flash,
        flash_kind="ok",
    )
    return render(request, "register.html", ctx, status_code=status)


def entry_page(
    request: Request,
    principal: Any,
    session: Any,
    prod: Production,
    kind: reg.Kind,
    entry: RegisterMixin,
    *,
    flash: str = "",
    status: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    item_form: ItemForm | None = None,
) -> HTMLResponse:
    """An entry's page: its fields, its status, its edit form (with a refused change's mistake), notes, approvals;
    `item_form` a refused note or request for approval (pages_item_forms)."""
    dept = DEPARTMENT[kind.name]
    place = reg.Placement(session, prod)
    fields = edit_fields(kind, principal, prod)
    data = reg.entry_dict(kind, entry, place)
    ctx = page_context(
        request,
        principal,
        prod,
        active="registers",
        kind=kind,
        titles=REGISTER_TITLES,
        entry=entry,
        data=principal.gate(prod.id, data),
        edit_fields=fields,
        errors=errors or {},
        values=values if values is not None else text_values(kind, data, [f.name for f in fields]),
        next_statuses=sorted(kind.transitions.get(entry.status.value, frozenset())),  # type: ignore[attr-defined]
        can_edit=principal.can("register.edit", Resource(prod.id, department=dept)),
        can_note=principal.can("note.add", Resource(prod.id, department=dept)),
        can_request=principal.can("approval.request", Resource(prod.id, department=dept)),
        members=reviewers(session, prod),
        notes=items.notes_of(session, prod, kind.target_type, entry.id),
        review_type=kind.target_type.replace("_", "-"),
        flash=flash,
        flash_kind="error" if status >= 400 else "ok",
        item_form=item_form,
        here=item_form.here if item_form else request.url.path,
    )
    return render(request, "register_entry.html", ctx, status_code=status)


@router.get("/p/{production_id}/registers/{kind_name}/{entry_id}", response_class=HTMLResponse)
def register_entry(
    production_id: Id, kind_name: str, entry_id: str, request: Request, principal: PagePrincipal, session: SessionDep
) -> HTMLResponse:
    """One register entry with its fields and notes."""
    prod = production_for(session, principal, production_id, "register.read")
    kind = _kind(kind_name)
    return entry_page(request, principal, session, prod, kind, reg.get_entry(session, prod, kind, entry_id))


@router.post("/p/{production_id}/registers/{kind_name}/{entry_id}/status", response_model=None)
def register_status(
    production_id: Id,
    kind_name: str,
    entry_id: str,
    request: Request,
    principal: FormPrincipal,
    session: SessionDep,
    form: FormDep,
) -> Response:
    """Change an entry's status if it is still at the version shown; else show it as it is now (409)."""
    prod = production_for(session, principal, production_id, "register.read")
    kind = _kind(kind_name)
    principal.require("register.edit", Resource(prod.id, department=DEPARTMENT[kind.name]))
    entry = reg.get_entry(session, prod, kind, entry_id)
    try:
        version = int(str(form.get("version") or ""))
    except ValueError:
        raise InvalidInput("the form lost the entry's version: reload the page", field="version") from None
    wants_json = "application/json" in request.headers.get("accept", "")
    _ = page_context(request, principal, prod)["_t"]
    try:
        reg.update_entry(
            session, prod, kind, entry, {"status": str(form.get("status") or "")}, expected_version=version
        )
    except Conflict as exc:
        if "changed by someone else" not in exc.message:
            raise
        current = principal.gate(prod.id, reg.entry_dict(kind, entry, reg.Placement(session, prod)))
        msg = _("Someone else changed this entry meanwhile: here it is as it is now. Your change was not saved.")
        if wants_json:
            labels = status_labels(_, [current["status"]])
            body = {"error": msg, "field": "version", "current": current, "labels": labels}
            return JSONResponse(body, status_code=409)
        return entry_page(request, principal, session, prod, kind, entry, flash=msg, status=409)
    if wants_json:
        data = principal.gate(prod.id, reg.entry_dict(kind, entry, reg.Placement(session, prod)))
        nexts = sorted(kind.transitions.get(data["status"], frozenset()))
        labels = status_labels(_, [data["status"], *nexts])
        return JSONResponse(data | {"next_statuses": nexts, "labels": labels})
    return RedirectResponse(safe_next(form.get("next"), f"/p/{prod.id}/registers/{kind.name}"), status_code=303)
