"""Notes on tasks and the audit trail (history)."""

from __future__ import annotations

from fastapi import APIRouter, Query

from postprod.api.deps import load_production, load_task
from postprod.api.schemas import NoteIn
from postprod.errors import N_
from postprod.http_deps import Id, PrincipalDep, SessionDep
from postprod.services import notes as svc
from postprod.services import review
from postprod.services.notes import AuditView, NoteView
from postprod.services.principal import task_resource
from postprod.services.users import Forbidden, Resource

router = APIRouter(tags=["notes"])


@router.get("/productions/{production_id}/notes", response_model=list[NoteView])
def list_notes(
    production_id: Id,
    principal: PrincipalDep,
    session: SessionDep,
    task: str | None = Query(None, max_length=64, description="Only this task's notes"),
) -> list[NoteView]:
    """Notes of the production (or of one task), oldest first; clients see those of shared items."""
    prod = load_production(session, production_id)
    t = load_task(session, prod, task) if task else None
    if t is not None:
        principal.require("note.read", task_resource(session, t, principal))
        rows = svc.list_notes(session, prod, t)
    elif principal.can("note.read", Resource(prod.id)):
        rows = svc.list_notes(session, prod)
    elif principal.can("note.read", Resource(prod.id, shared=True)):
        shared = review.shared_ids(session, prod.id, "task")
        rows = [n for n in svc.list_notes(session, prod) if n.target_type == "task" and n.target_id in shared]
    else:
        raise Forbidden(N_("%(username)s may not read notes here"), params={"username": principal.user.username})
    keys = {x.id: x.key for x in prod.tasks}
    return [svc.note_dict(n, keys) for n in rows]


@router.post("/productions/{production_id}/tasks/{task_ref}/notes", response_model=NoteView, status_code=201)
def add_note(production_id: Id, task_ref: str, body: NoteIn, principal: PrincipalDep, session: SessionDep) -> NoteView:
    """Add a note to a task, signed with the user's name."""
    prod = load_production(session, production_id)
    t = load_task(session, prod, task_ref)
    principal.require("note.add", task_resource(session, t, principal))
    note = svc.add_note(session, t, body.body, principal.user.name)
    return svc.note_dict(note, {t.id: t.key})


@router.get("/productions/{production_id}/history", response_model=list[AuditView])
def history(
    production_id: Id,
    principal: PrincipalDep,
    session: SessionDep,
    task: str | None = Query(None, max_length=64),
    entity_type: str | None = Query(None, max_length=32),
    limit: int = Query(50, ge=1, le=1000),
) -> list[AuditView]:
    """Who changed what, when, before and after (newest first)."""
    prod = load_production(session, production_id)
    principal.require_production("history.read", prod)
    t = load_task(session, prod, task) if task else None
    entries = svc.history(session, prod, task=t, entity_type=entity_type, limit=limit)
    return [svc.audit_dict(e, money=principal.sees_money(prod.id)) for e in entries]
