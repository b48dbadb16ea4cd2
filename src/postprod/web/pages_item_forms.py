"""The forms every item's page carries: a note on the item, and sending it for approval.

A refused one (an empty note, no reviewer named) shows the page it was on again, the item's, with the
message beside its field in the page's language and what was typed; nothing is written.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from postprod.errors import N_, Conflict, InvalidInput, NotFound
from postprod.http_deps import Id, SessionDep
from postprod.model import Production
from postprod.services import items, review
from postprod.services import registers as reg
from postprod.services import users as users_svc
from postprod.services.common import get_task
from postprod.services.principal import Principal, task_resource
from postprod.services.users import Resource
from postprod.web.auth import FormDep, FormPrincipal, production_for
from postprod.web.forms import ItemForm, done, errors_of, refused, text, texts
from postprod.web.pages_auth import safe_next
from postprod.web.pages_delivery import deliverable_page
from postprod.web.pages_editorial import cut_version_page, entry_page
from postprod.web.pages_task_forms import task_page_response
from postprod.web.render import gettext_for, language_of
from postprod.web.vocabulary import ITEM_PAGES

router = APIRouter()


def _item(session: Session, kind_name: str, item_id: int) -> Any:
    """An item by its kind and ID (after a refused write was rolled back, loaded again)."""
    obj = session.get(items.get_kind(kind_name).model, item_id)
    if obj is None:
        raise NotFound(N_("no %(kind_name)s %(item_id)s"), params={"kind_name": kind_name, "item_id": item_id})
    return obj


def item_path(prod: Production, kind_name: str, obj: Any) -> str:
    """The address of an item's page (the production's for a kind with no page of its own)."""
    page = ITEM_PAGES.get(kind_name, "")
    return f"/p/{prod.id}/" + page.format(ref=quote(items.ref_of(kind_name, obj))) if page else f"/p/{prod.id}"


def item_page_again(
    request: Request,
    principal: Principal,
    session: SessionDep,
    production_id: int,
    kind_name: str,
    item_id: int,
    refusal: ItemForm,
    exc: InvalidInput | Conflict,
) -> HTMLResponse:
    """The item's page again with the refused form (422, as forms.again answers a plain post); a kind of
    item with no page of its own here gets the error page."""
    prod = production_for(session, principal, production_id)
    obj = _item(session, kind_name, item_id)
    if kind_name == "task":
        return task_page_response(request, principal, session, prod, obj, None, status=422, item_form=refusal)
    principal.require("register.read", Resource(prod.id))
    if kind_name == "deliverable":
        return deliverable_page(request, principal, session, prod, obj, status=422, item_form=refusal)
    if kind_name == "cut_version":
        return cut_version_page(request, principal, session, prod, item_id, status=422, item_form=refusal)
    kind = next((k for k in reg.KINDS.values() if k.target_type == kind_name), None)
    if kind is None:
        raise exc
    return entry_page(request, principal, session, prod, kind, obj, status=422, item_form=refusal)


@router.post("/p/{production_id}/notes", response_model=None)
def add_note(
    production_id: Id, request: Request, principal: FormPrincipal, session: SessionDep, form: FormDep
) -> Response:
    """A note on any item of the production, signed with the user's name."""
    prod = production_for(session, principal, production_id)
    target_type = text(form, "target_type")
    ref = text(form, "target_id")
    if target_type == "task":
        task = get_task(session, prod, ref)
        principal.require("note.add", task_resource(session, task, principal))
        kind_name, target_id = "task", task.id
    elif target_type in review.target_types():
        target = review.resolve_target(session, prod, target_type, ref)
        principal.require("note.add", Resource(prod.id, department=target.department))
        kind_name, target_id = target.type, target.id
    else:
        raise InvalidInput(
            N_("invalid item type %(target_type)r"), field="target_type", params={"target_type": target_type}
        )
    body = str(form.get("body") or "")
    try:
        items.add_note(session, prod, target_type, target_id, body, principal.user.name)
    except InvalidInput as exc:
        refused(session, exc)
        _ = gettext_for(language_of(request, principal.user.language))
        here = safe_next(form.get("next"), item_path(prod, kind_name, _item(session, kind_name, target_id)))
        refusal = ItemForm("note", here, errors_of(exc, _, {}), {"body": body})
        return item_page_again(request, principal, session, production_id, kind_name, target_id, refusal, exc)
    return done(request, safe_next(form.get("next"), f"/p/{prod.id}"))


@router.post("/p/{production_id}/approvals", response_model=None)
def request_approval(
    production_id: Id, request: Request, principal: FormPrincipal, session: SessionDep, form: FormDep
) -> Response:
    """Send an item to named members for approval."""
    prod = production_for(session, principal, production_id)
    target = review.resolve_target(session, prod, text(form, "target_type"), text(form, "target"))
    principal.require("approval.request", Resource(prod.id, department=target.department))
    names = texts(form, "reviewers")
    message = str(form.get("message") or "")
    reviewers = [users_svc.get_user(session, n) for n in names]
    try:
        req = review.request_approval(session, prod, target, reviewers, requested_by=principal.user, message=message)
    except (InvalidInput, Conflict) as exc:  # no reviewer, or the item already awaits approval
        refused(session, exc)
        _ = gettext_for(language_of(request, principal.user.language))
        here = item_path(prod, target.type, _item(session, target.type, target.id))
        errors = {"form": exc.said(_)} if isinstance(exc, Conflict) else errors_of(exc, _, {})
        refusal = ItemForm("approval", here, errors, {"reviewers": names, "message": message})
        return item_page_again(request, principal, session, production_id, target.type, target.id, refusal, exc)
    return done(request, f"/p/{prod.id}/approvals/{req.id}")
