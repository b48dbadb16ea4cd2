"""Webhooks: other tools fed the production's changes, signed and retried (see services/webhooks.py)."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import Field

from postprod.api.deps import load_production
from postprod.api.schemas import In
from postprod.http_deps import Id, PrincipalDep, SessionDep
from postprod.services import webhooks as svc

router = APIRouter(tags=["webhooks"])


class WebhookIn(In):
    url: str = Field(min_length=8, max_length=500, description="http:// or https:// address that receives the POSTs")


@router.get("/productions/{production_id}/webhooks")
def list_webhooks(production_id: Id, principal: PrincipalDep, session: SessionDep) -> list[svc.WebhookView]:
    """The production's hooks and how their deliveries go (secrets are not shown again)."""
    prod = load_production(session, production_id)
    principal.require_production("webhook.manage", prod)
    return [svc.webhook_dict(h) for h in svc.list_webhooks(session, prod)]


@router.post("/productions/{production_id}/webhooks", status_code=201)
def add_webhook(production_id: Id, body: WebhookIn, principal: PrincipalDep, session: SessionDep) -> svc.WebhookView:
    """Send the production's changes from now on to a URL; the answer holds the signing secret, shown once."""
    prod = load_production(session, production_id)
    principal.require_production("webhook.manage", prod)
    hook = svc.create_webhook(session, prod, body.url, actor=principal.user.username)
    return svc.webhook_dict(hook, with_secret=True)


@router.post("/productions/{production_id}/webhooks/{hook_id}/resume")
def resume_webhook(production_id: Id, hook_id: Id, principal: PrincipalDep, session: SessionDep) -> svc.WebhookView:
    """Switch a hook back on after failures: it retries at once from the first change not delivered."""
    prod = load_production(session, production_id)
    principal.require_production("webhook.manage", prod)
    return svc.webhook_dict(svc.resume_webhook(session, prod, hook_id))


@router.delete("/productions/{production_id}/webhooks/{hook_id}", status_code=204)
def delete_webhook(production_id: Id, hook_id: Id, principal: PrincipalDep, session: SessionDep) -> Response:
    """Stop sending to that hook."""
    prod = load_production(session, production_id)
    principal.require_production("webhook.manage", prod)
    svc.delete_webhook(session, prod, hook_id)
    return Response(status_code=204)
