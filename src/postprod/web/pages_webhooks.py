"""Webhooks in the web app: the supervisor sends the production's changes to other tools (docs/webhooks.md)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from postprod.errors import Conflict, InvalidInput
from postprod.http_deps import Id, SessionDep
from postprod.services import webhooks as svc
from postprod.web.auth import FormDep, FormPrincipal, PagePrincipal, page_context, production_for
from postprod.web.forms import errors_of, refused, text
from postprod.web.render import gettext_for, language_of, render

router = APIRouter()


def _page(
    request: Request,
    principal: Any,
    session: Any,
    prod: Any,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
    **extra: Any,
) -> HTMLResponse:
    hooks = [svc.webhook_dict(h) for h in svc.list_webhooks(session, prod)]
    ctx = page_context(
        request, principal, prod, active="webhooks", hooks=hooks, errors=errors or {}, values=values or {}, **extra
    )
    return render(request, "webhooks.html", ctx, status_code=status)


@router.get("/p/{production_id}/webhooks", response_class=HTMLResponse)
def webhooks(production_id: Id, request: Request, principal: PagePrincipal, session: SessionDep) -> HTMLResponse:
    """The production's webhooks, how their deliveries go, and a form to add one."""
    prod = production_for(session, principal, production_id, "webhook.manage")
    return _page(request, principal, session, prod)


@router.post("/p/{production_id}/webhooks", response_class=HTMLResponse)
def add_webhook(
    production_id: Id, request: Request, principal: FormPrincipal, session: SessionDep, form: FormDep
) -> HTMLResponse:
    """Add a hook; the page shows its signing secret this once (it is not shown again). A refused address
    shows the page again with the message beside it, nothing added."""
    prod = production_for(session, principal, production_id, "webhook.manage")
    url = text(form, "url")
    try:
        hook = svc.create_webhook(session, prod, url, actor=principal.user.username)
    except (InvalidInput, Conflict) as exc:  # a refused address, or the production has the most hooks it may
        refused(session, exc)
        _ = gettext_for(language_of(request, principal.user.language))
        prod = production_for(session, principal, production_id, "webhook.manage")
        errors = {"url": exc.said(_)} if isinstance(exc, Conflict) else errors_of(exc, _, {})
        return _page(request, principal, session, prod, errors=errors, values={"url": url}, status=422)
    session.flush()
    return _page(request, principal, session, prod, new_hook=svc.webhook_dict(hook, with_secret=True))


@router.post("/p/{production_id}/webhooks/{hook_id}/{action}", response_model=None)
def change_webhook(
    production_id: Id, hook_id: Id, action: str, principal: FormPrincipal, session: SessionDep, form: FormDep
) -> Response:
    """Resume a hook switched off after failures, or remove it."""
    prod = production_for(session, principal, production_id, "webhook.manage")
    if action == "resume":
        svc.resume_webhook(session, prod, hook_id)
    elif action == "remove":
        svc.delete_webhook(session, prod, hook_id)
    else:
        return Response(status_code=404)
    return RedirectResponse(f"/p/{prod.id}/webhooks", status_code=303)
