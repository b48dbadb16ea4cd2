"""The task board per department and status, a task's page and inline status changes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from postprod.errors import InvalidInput, StaleWrite
from postprod.http_deps import Id, SessionDep
from postprod.model import Task, TaskStatus
from postprod.services import dashboard as dash
from postprod.services.common import get_department, get_task, task_dict
from postprod.services.principal import task_resource
from postprod.services.tasks import list_tasks, move_task, parse_status
from postprod.web.auth import FormDep, FormPrincipal, PagePrincipal, page_context, production_for
from postprod.web.pages_auth import safe_next
from postprod.web.pages_task_forms import next_statuses, task_page_response
from postprod.web.render import render, status_labels

router = APIRouter()

BOARD_LIMIT = 500
COLUMN_LIMIT = 25
ALL_DEPARTMENTS = "all"


@router.get("/p/{production_id}/board", response_class=HTMLResponse)
def board(
    production_id: Id,
    request: Request,
    principal: PagePrincipal,
    session: SessionDep,
    department: str | None = Query(None, max_length=120),
    q: str | None = Query(None, max_length=200),
    status: str | None = Query(None, max_length=32),
) -> HTMLResponse:
    """Tasks in a column per status, of one department or all (or one status in full); a move is one
    click, or a drag from a column to another where the workflow allows it."""
    prod = production_for(session, principal, production_id, "task.read")
    if not department:
        # A department lead starts on their department; everyone else on the whole production.
        lead = next((g.department for g in principal.grants if g.production_id == prod.id and g.department), None)
        department = lead or ALL_DEPARTMENTS
    dept = get_department(session, prod, department) if department != ALL_DEPARTMENTS else None
    status = parse_status(status).value if status else None
    # One query per column, each capped: a big department stays one quick page; a column's "all" link
    # lists the whole status.
    columns: dict[str, list[Task]] = {}
    counts: dict[str, int] = {}
    for s in TaskStatus:
        if status and s.value != status:
            continue
        page = list_tasks(
            session,
            prod,
            department=dept.code if dept else None,
            status=s.value,
            search=q or None,
            limit=BOARD_LIMIT if status else COLUMN_LIMIT,
            links=False,
        )
        columns[s.value], counts[s.value] = page.items, page.total
    tasks = [t for rows in columns.values() for t in rows]
    editable = {t.id for t in tasks if principal.can("task.progress", task_resource(session, t, principal))}
    ctx = page_context(
        request,
        principal,
        prod,
        active="board",
        dept=dept,
        columns=columns,
        counts=counts,
        status=status or "",
        editable=editable,
        next_statuses=next_statuses,
        q=q or "",
        planned=dash.planned_people(session, prod, [t.id for t in tasks]),
        dept_code=dept.code if dept else ALL_DEPARTMENTS,
    )
    return render(request, "board.html", ctx)


@router.get("/p/{production_id}/tasks/{task_ref}", response_class=HTMLResponse)
def task_page(
    production_id: Id, task_ref: str, request: Request, principal: PagePrincipal, session: SessionDep
) -> HTMLResponse:
    """A task: its fields, links, notes, approvals and history."""
    prod = production_for(session, principal, production_id)
    task = get_task(session, prod, task_ref)
    return _task_page(request, principal, session, prod, task)


def _task_page(
    request: Request,
    principal: Any,
    session: Any,
    prod: Any,
    task: Task,
    *,
    flash: str = "",
    note_error: str = "",
    status: int = 200,
) -> HTMLResponse:
    return task_page_response(
        request, principal, session, prod, task, None, flash=flash, status=status, note_error=note_error
    )


@router.post("/p/{production_id}/tasks/{task_ref}/status", response_model=None)
def change_status(
    production_id: Id, task_ref: str, request: Request, principal: FormPrincipal, session: SessionDep, form: FormDep
) -> Response:
    """Move a task if it is still at the version the page showed; else show it as it is now (409)."""
    prod = production_for(session, principal, production_id)
    task = get_task(session, prod, task_ref)
    principal.require("task.progress", task_resource(session, task, principal))
    try:
        version = int(str(form.get("version") or ""))
    except ValueError:
        raise InvalidInput("the form lost the task's version: reload the page", field="version") from None
    wants_json = "application/json" in request.headers.get("accept", "")
    _ = page_context(request, principal, prod)["_t"]
    try:
        task = move_task(
            session,
            task,
            version,
            str(form.get("status") or ""),
            note=str(form.get("note") or ""),
            author=principal.user.display_name or principal.user.username,
        )
    except InvalidInput as exc:
        if exc.field != "note" or wants_json:
            raise
        msg = _("Say why this finished work is reopened: the note is kept on the task.")
        return _task_page(request, principal, session, prod, task, note_error=msg, status=422)
    except StaleWrite as exc:
        msg = _("Someone else changed this task meanwhile: here it is as it is now. Your change was not saved.")
        if wants_json:
            current = exc.current or {}
            labels = status_labels(_, [str(current.get("status", ""))])
            body = {"error": msg, "field": "version", "current": current, "labels": labels}
            return JSONResponse(body, status_code=409)
        fresh = get_task(session, prod, task_ref)
        return _task_page(request, principal, session, prod, fresh, flash=msg, status=409)
    if wants_json:
        nexts = next_statuses(task)
        labels = status_labels(_, [task.status.value, *nexts])
        return JSONResponse(task_dict(task) | {"next_statuses": nexts, "labels": labels})
    return RedirectResponse(safe_next(form.get("next"), f"/p/{prod.id}/tasks/{task.key}"), status_code=303)
