"""Writing to the registers from the pages: add an entry, edit one in its row (htmx) or on its page, import a file."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData, UploadFile

from postprod.errors import N_, Conflict, InvalidInput, PostprodError, StaleWrite
from postprod.http_deps import Id, SessionDep
from postprod.model import Production
from postprod.model.editorial import RegisterMixin
from postprod.services import money, register_io
from postprod.services import registers as reg
from postprod.services.principal import Principal
from postprod.services.users import Resource
from postprod.web.auth import FormDep, FormPrincipal, PagePrincipal, page_context, production_for
from postprod.web.pages_auth import safe_next
from postprod.web.pages_editorial import (
    DEPARTMENT,
    PLACE,
    TAIL,
    edit_fields,
    entry_page,
    form_fields,
    register_page,
    row_columns,
    text_values,
)
from postprod.web.render import page_gettext, render, said

router = APIRouter()


def _editable(principal: Principal, prod: Production, kind: reg.Kind) -> None:
    principal.require("register.edit", Resource(prod.id, department=DEPARTMENT[kind.name]))


def row_fields(kind: reg.Kind) -> list[str]:
    """The names a row's edit form holds, in the row's order."""
    return [kind.fields[0].name, *PLACE, *(f.name for f in row_columns(kind)), *TAIL]


def _posted(form: FormData, names: list[str]) -> dict[str, str]:
    return {n: str(form.get(n) or "").strip() for n in names if n in form}


def _field_error(request: Request, exc: PostprodError, kind: reg.Kind, names: list[str]) -> dict[str, str]:
    field = exc.field if exc.field in names else kind.fields[0].name if isinstance(exc, Conflict) else None
    return {field or "_form": said(request, exc)}


def _version(form: FormData) -> int:
    try:
        return int(str(form.get("version") or ""))
    except ValueError:
        raise InvalidInput("the form lost the entry's version: reload the page", field="version") from None


@router.post("/p/{production_id}/registers/{kind_name}", response_model=None)
def add_entry(
    production_id: Id, kind_name: str, request: Request, principal: FormPrincipal, session: SessionDep, form: FormDep
) -> Response:
    """Add an entry; a mistake shows the register again with the form open and the message beside its field."""
    prod = production_for(session, principal, production_id, "register.read")
    kind = reg.get_kind(kind_name)
    _editable(principal, prod, kind)
    fields = form_fields(kind, principal.sees_money(prod.id))
    names = [f.name for f in fields]
    posted = _posted(form, names)
    values = {k: v for k, v in posted.items() if v or k == kind.fields[0].name}
    try:
        with session.begin_nested():
            entry = reg.add_entry(session, prod, kind, values)
    except PostprodError as exc:
        errors = {"add": _field_error(request, exc, kind, names)}
        return register_page(request, principal, session, prod, kind, errors=errors, values=posted, status=422)
    return RedirectResponse(f"/p/{prod.id}/registers/{kind.name}/{entry.id}", status_code=303)


def _row(
    request: Request,
    principal: Principal,
    session: Any,
    prod: Production,
    kind: reg.Kind,
    entry: RegisterMixin,
    *,
    edit: bool,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    next_url: str = "",
) -> HTMLResponse:
    """One row of the register table, as it reads or as a form (what htmx swaps in place)."""
    place = reg.Placement(session, prod)
    names = row_fields(kind)
    data = reg.entry_dict(kind, entry, place)
    ctx = page_context(
        request,
        principal,
        prod,
        kind=kind,
        e=entry,
        place=place,
        notes={},
        columns=row_columns(kind),
        attr_of=lambda f: reg.attr_of(kind, f),
        can_edit=True,
        next_url=next_url or f"/p/{prod.id}/registers/{kind.name}",
        errors=errors or {},
        values=values if values is not None else text_values(kind, data, names),
        names=names,
        version=entry.version,
    )
    return render(request, "_register_row_form.html" if edit else "_register_row.html", ctx)


@router.get("/p/{production_id}/registers/{kind_name}/{entry_id}/row", response_model=None)
def entry_row(
    production_id: Id,
    kind_name: str,
    entry_id: str,
    request: Request,
    principal: PagePrincipal,
    session: SessionDep,
    edit: bool = False,
) -> Response:
    """An entry's row (edit=true: as a form); without htmx, the entry's page, where the full form is."""
    prod = production_for(session, principal, production_id, "register.read")
    kind = reg.get_kind(kind_name)
    _editable(principal, prod, kind)
    entry = reg.get_entry(session, prod, kind, entry_id)
    if request.headers.get("hx-request") != "true":
        return RedirectResponse(f"/p/{prod.id}/registers/{kind.name}/{entry.id}#edit", status_code=303)
    return _row(request, principal, session, prod, kind, entry, edit=edit)


@router.post("/p/{production_id}/registers/{kind_name}/{entry_id}/edit", response_model=None)
def edit_entry(
    production_id: Id,
    kind_name: str,
    entry_id: str,
    request: Request,
    principal: FormPrincipal,
    session: SessionDep,
    form: FormDep,
) -> Response:
    """Save an entry's changed fields if it is still at the version the form showed; else show it as it is now."""
    prod = production_for(session, principal, production_id, "register.read")
    kind = reg.get_kind(kind_name)
    _editable(principal, prod, kind)
    entry = reg.get_entry(session, prod, kind, entry_id)
    htmx = request.headers.get("hx-request") == "true"
    names = row_fields(kind) if form.get("scope") == "row" else [f.name for f in edit_fields(kind, principal, prod)]
    posted = _posted(form, names)
    shown = text_values(kind, reg.entry_dict(kind, entry, reg.Placement(session, prod)), names)
    changed = {k: v for k, v in posted.items() if v != shown.get(k, "")}
    next_url = safe_next(form.get("next"), f"/p/{prod.id}/registers/{kind.name}")
    try:
        version = _version(form)
        money.refuse_blind_write(
            principal.sees_money(prod.id), [(f.name, f.type) for f in reg.all_fields(kind)], changed
        )
        with session.begin_nested():
            reg.update_entry(session, prod, kind, entry, changed, expected_version=version)
    except PostprodError as exc:
        session.expire(entry)
        stale = isinstance(exc, StaleWrite) or (isinstance(exc, Conflict) and "changed by someone else" in exc.message)
        _ = page_context(request, principal, prod)["_t"]
        if stale:
            msg = _("Someone else changed this entry meanwhile: here it is as it is now. Your change was not saved.")
            errors, values = {"_form": msg}, None
        else:
            errors, values = _field_error(request, exc, kind, names), posted
        if htmx:
            return _row(request, principal, session, prod, kind, entry, edit=True, errors=errors, values=values)
        return entry_page(
            request, principal, session, prod, kind, entry, errors=errors, values=values, status=409 if stale else 422
        )
    if htmx:
        return _row(request, principal, session, prod, kind, entry, edit=False, next_url=next_url)
    return RedirectResponse(next_url, status_code=303)


_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@router.post("/p/{production_id}/registers/{kind_name}/import", response_model=None)
def import_file(
    production_id: Id, kind_name: str, request: Request, principal: FormPrincipal, session: SessionDep, form: FormDep
) -> Response:
    """Import a CSV, TSV or spotting list into the register: any bad line refuses the whole file, named by line."""
    prod = production_for(session, principal, production_id, "register.read")
    kind = reg.get_kind(kind_name)
    _editable(principal, prod, kind)
    upload = form.get("file")
    update = form.get("update") == "on"
    with tempfile.TemporaryDirectory(prefix="postprod-register-") as tmp:
        try:
            if not isinstance(upload, UploadFile) or not upload.filename:
                raise InvalidInput(N_("choose a CSV file or a spotting list"), field="file")
            # The upload is kept under its own name (made safe) so that each bad line is named after it.
            name = _SAFE_NAME.sub("_", os.path.basename(upload.filename))[:100] or "register.csv"
            path = Path(tmp) / name
            path.write_bytes(upload.file.read())
            with session.begin_nested():
                result = register_io.import_entries(
                    session, prod, kind, path, update_existing=update, money=principal.sees_money(prod.id)
                )
        except PostprodError as exc:
            message = said(request, exc).replace(tmp + os.sep, "")
            if isinstance(exc, register_io.BadLines):  # what to do about it, here: this form has no --skip-bad
                _ = page_gettext(request)
                message = message.rstrip(". ") + ". " + _("Correct these lines in the file and import it again.")
                if exc.existing and not update:
                    message += " " + _("To change the entries already there, tick “Update the entries already there”.")
            errors = {"import": {"file": message}}
            return register_page(request, principal, session, prod, kind, errors=errors, values={}, status=422)
    done = f"imported={result.created}&updated={result.updated}"
    return RedirectResponse(f"/p/{prod.id}/registers/{kind.name}?{done}", status_code=303)
