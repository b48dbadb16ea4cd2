"""`postprod webhook ...`: other tools fed a production's changes (signed POSTs, see docs/webhooks.md)."""

from __future__ import annotations

import typer

from postprod.cli._common import JsonOpt, ProductionOpt, console, print_json, table
from postprod.config import current_actor
from postprod.db import session_scope
from postprod.limits import MAX_ID
from postprod.services import webhooks as svc
from postprod.services.common import get_production

app = typer.Typer(no_args_is_help=True)


@app.command("add")
def add(
    url: str = typer.Argument(..., help="http:// or https:// address that receives the POSTs."),
    production: str | None = ProductionOpt,
    json_out: bool = JsonOpt,
) -> None:
    """Send the production's changes from now on to a URL; prints the signing secret (shown once)."""
    with session_scope() as s:
        hook = svc.create_webhook(s, get_production(s, production), url, actor=current_actor())
        data = svc.webhook_dict(hook, with_secret=True)
    if json_out:
        print_json(data)
        return
    console.print(f"webhook {data['id']} -> {data['url']}")
    console.print(f"secret (keep it; it signs every POST as X-Postprod-Signature): {data['secret']}")


@app.command("list")
def list_cmd(production: str | None = ProductionOpt, json_out: bool = JsonOpt) -> None:
    """The production's webhooks and how their deliveries go."""
    with session_scope() as s:
        rows = [svc.webhook_dict(h) for h in svc.list_webhooks(s, get_production(s, production))]
    if json_out:
        print_json(rows)
        return
    table(
        "Webhooks",
        ["ID", "URL", "Active", "Delivered", "Failures", "Last status", "Last error"],
        [
            (
                r["id"],
                r["url"],
                "yes" if r["active"] else "no",
                r["delivered"],
                r["failures"],
                r["last_status"] or "",
                r["last_error"],
            )
            for r in rows
        ],  # fmt: skip
    )


@app.command("resume")
def resume(
    hook_id: int = typer.Argument(..., min=1, max=MAX_ID, help="Webhook ID."), production: str | None = ProductionOpt
) -> None:
    """Switch a webhook back on after failures; it retries from the first change not delivered."""
    with session_scope() as s:
        svc.resume_webhook(s, get_production(s, production), hook_id)
    console.print(f"webhook {hook_id} on again")


@app.command("remove")
def remove(
    hook_id: int = typer.Argument(..., min=1, max=MAX_ID, help="Webhook ID."), production: str | None = ProductionOpt
) -> None:
    """Stop sending to a webhook."""
    with session_scope() as s:
        svc.delete_webhook(s, get_production(s, production), hook_id)
    console.print(f"webhook {hook_id} removed")
