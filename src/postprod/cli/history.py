"""`postprod note ...` and `postprod history`: notes on tasks and the audit trail."""

from __future__ import annotations

import json

import typer

from postprod.cli._common import JsonOpt, ProductionOpt, console, print_json, table
from postprod.config import current_actor
from postprod.db import session_scope
from postprod.services import notes as svc
from postprod.services.common import get_production, get_task

note_app = typer.Typer(no_args_is_help=True)


@note_app.command("add")
def note_add(
    task: str = typer.Argument(..., help="Task key."),
    body: str = typer.Argument(..., help="The note."),
    author: str | None = typer.Option(None, "--author"),
    production: str | None = ProductionOpt,
) -> None:
    """Add a note to a task."""
    with session_scope() as s:
        prod = get_production(s, production)
        svc.add_note(s, get_task(s, prod, task), body, author or current_actor())
    console.print("note added")


@note_app.command("list")
def note_list(
    task: str | None = typer.Argument(None, help="Task key (default: all notes)."),
    production: str | None = ProductionOpt,
    json_out: bool = JsonOpt,
) -> None:
    """List notes of a task or of the whole production."""
    with session_scope() as s:
        prod = get_production(s, production)
        t = get_task(s, prod, task) if task else None
        keys = {x.id: x.key for x in prod.tasks}
        rows = [svc.note_dict(n, keys) for n in svc.list_notes(s, prod, t)]
    if json_out:
        print_json(rows)
        return
    table(
        "Notes", ["When", "Task", "Author", "Note"], [(r["at"][:16], r["target"], r["author"], r["body"]) for r in rows]
    )


def _short(values: dict | None) -> str:  # type: ignore[type-arg]
    if not values:
        return ""
    text = ", ".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in values.items())
    return text if len(text) <= 80 else text[:77] + "..."


def history(
    task: str | None = typer.Option(None, "--task", "-t", help="Only this task."),
    limit: int = typer.Option(50, "--limit", "-n", min=1, max=10000),
    production: str | None = ProductionOpt,
    json_out: bool = JsonOpt,
) -> None:
    """The audit trail: who changed what, when, before and after (newest first)."""
    with session_scope() as s:
        prod = get_production(s, production)
        t = get_task(s, prod, task) if task else None
        rows = [svc.audit_dict(e) for e in svc.history(s, prod, task=t, limit=limit)]
    if json_out:
        print_json(rows)
        return
    table(
        "History",
        ["When", "Who", "Action", "What", "Before", "After"],
        [
            (
                r["at"][:19],
                r["actor"],
                r["action"],
                f"{r['entity_type']} {r['label']}",
                _short(r["before"]),
                _short(r["after"]),
            )
            for r in rows
        ],
    )
