"""Task forms: a new task (from the board or the Gantt), editing one at its version, status and progress,
deleting one after a confirmation, and the replan a supervisor may ask for when adding a task.

The Gantt draws the stored plan, so a new task has no bar until the production is planned again:
the new-task form offers the supervisor (who may plan) to replan right away, as a job whose progress
the next page shows; the others see that the task waits for the next plan.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from postprod.errors import N_, InvalidInput, NotFound, PostprodError, StaleWrite
from postprod.http_deps import Id, SessionDep
from postprod.jobs import get_job, job_dict
from postprod.jobs.runner import JobRunner, kept_error
from postprod.model import TRANSITIONS, Department, Production, RoomKind, Task, TaskStatus
from postprod.services import activity as activity_svc
from postprod.services import items
from postprod.services import notes as notes_svc
from postprod.services import planning as planning_ops
from postprod.services import tasks as svc
from postprod.services.common import get_department, get_task
from postprod.services.principal import Principal, task_resource
from postprod.services.users import Forbidden, Resource
from postprod.web.auth import FormDep, FormPrincipal, PagePrincipal, page_context, production_for
from postprod.web.forms import ItemForm, again, done, errors_of, is_htmx, refused, text, texts, whole
from postprod.web.render import render

router = APIRouter()

DEPENDENCY_ROWS = 2  # empty rows for new links under the task's current ones (more after saving)


def _hints(_: Any) -> dict[str, str]:
    """The form's own words for each field's mistake."""
    return {
        "key": _("Up to 64 characters, no spaces (e.g. VFX-SKY-01)."),
        "name": _("Give the task a name."),
        "department": _("Pick one of the production's departments."),
        "estimate": _("A number of work days between 0 and 10000."),
        "due": _("A date (YYYY-MM-DD)."),
        "priority": _("1 (low) to 5 (urgent)."),
        "room_kind": _("Pick a kind of room, or none."),
        "after": _("Pick tasks of this production, each once."),
        "lag": _("A whole number of work days between -365 and 365."),
        "progress": _("A whole number from 0 to 100."),
        "assignees": _("Pick people of the crew."),
    }


def _values_of(task: Task) -> dict[str, Any]:
    """A task as its edit form shows it."""
    return {
        "key": task.key,
        "name": task.name,
        "department": task.department.code,
        "estimate": f"{task.estimate_days.normalize():f}",
        "skills": ", ".join(task.required_skills),
        "room_kind": task.room_kind.value if task.room_kind else "",
        "due": task.due_date.isoformat() if task.due_date else "",
        "priority": str(task.priority),
        "description": task.description,
        "assignees": [a.person.name for a in task.assignments],
        "deps": [(d.predecessor.key, str(d.lag_days)) for d in task.predecessors],
        "progress": str(task.progress),
        "status": task.status.value,
        "version": task.version,
    }


def _values_posted(form: FormData) -> dict[str, Any]:
    """What was typed, to show it again beside the mistakes."""
    return {
        **{k: text(form, k) for k in ("key", "name", "department", "estimate", "skills", "room_kind", "due")},
        "priority": text(form, "priority") or "3",
        "description": str(form.get("description") or ""),
        "assignees": texts(form, "assignees"),
        "deps": _dependency_rows(form),
        "replan": bool(form.get("replan")),
    }


def _dependency_rows(form: FormData) -> list[tuple[str, str]]:
    """The (task, lag) rows of the form, empty rows left out; the two lists pair by position."""
    afters = [str(v).strip() for v in form.getlist("after")]
    lags = [str(v).strip() for v in form.getlist("lag")]
    rows = [(a, lags[i] if i < len(lags) else "") for i, a in enumerate(afters)]
    return [(a, lag) for a, lag in rows if a]


def _dependencies(session: Session, prod: Production, rows: list[tuple[str, str]]) -> list[tuple[Task, int]]:
    out = []
    for ref, lag in rows:
        try:
            pred = get_task(session, prod, ref)
        except NotFound:
            raise InvalidInput(
                N_("no task %(ref)r in %(title)r"), field="after", params={"ref": ref, "title": prod.title}
            ) from None
        out.append((pred, whole(lag, "lag", 0)))
    return out


def _department(session: Session, prod: Production, code: str) -> Department:
    try:
        return get_department(session, prod, code)
    except NotFound:
        raise InvalidInput(
            N_("no department %(code)r in %(title)r"), field="department", params={"code": code, "title": prod.title}
        ) from None


def _skills(value: str) -> list[str]:
    return [s for s in (x.strip() for x in value.split(",")) if s]


def form_context(
    session: Session, principal: Principal, prod: Production, _: Any, action: str = "task.create"
) -> dict[str, Any]:
    """What the task forms offer: the departments one may use (for `action`), people, room kinds, other tasks' keys."""
    allowed = [d for d in prod.departments if principal.can(action, Resource(prod.id, department=d.code))]
    keys = list(session.scalars(select(Task.key).where(Task.production_id == prod.id).order_by(Task.position)))
    return {
        "department_options": [(d.code, _(d.name)) for d in allowed],
        "people_names": sorted((p.name, p.role) for p in prod.people),
        "room_kind_options": [(r.value, _(r.value.replace("-", " "))) for r in RoomKind],
        "task_keys": keys,
        "dependency_rows": DEPENDENCY_ROWS,
        "can_replan": principal.can("production.update", Resource(prod.id)),
    }


def next_statuses(task: Task) -> list[str]:
    """The statuses a task may move to from where it is, in workflow order."""
    allowed = TRANSITIONS[task.status]
    return [s.value for s in TaskStatus if s in allowed]


# --- a new task --------------------------------------------------------------------------------


def _new_page(
    request: Request,
    principal: Principal,
    session: Session,
    prod: Production,
    values: dict[str, Any],
    errors: dict[str, str] | None = None,
) -> HTMLResponse:
    ctx = page_context(request, principal, prod, active="board", values=values, errors=errors or {})
    ctx.update(form_context(session, principal, prod, ctx["_t"]))
    if not ctx["department_options"]:
        raise Forbidden(N_("%(username)s may not add tasks here"), params={"username": principal.user.username})
    if errors:
        return again(request, "task_new.html", ctx)
    return render(request, "task_new.html", ctx)


@router.get("/p/{production_id}/new-task", response_class=HTMLResponse)
def new_task_form(
    production_id: Id,
    request: Request,
    principal: PagePrincipal,
    session: SessionDep,
    department: str | None = Query(None, max_length=120),
) -> HTMLResponse:
    """The form for a new task (from the board with its department chosen, or from the Gantt)."""
    prod = production_for(session, principal, production_id, "task.read")
    lead = next((g.department for g in principal.grants if g.production_id == prod.id and g.department), "")
    values = {"department": department or lead, "priority": "3", "estimate": "1", "replan": True}
    return _new_page(request, principal, session, prod, values)


@router.post("/p/{production_id}/new-task", response_model=None)
def create_task(
    production_id: Id,
    request: Request,
    principal: FormPrincipal,
    session: SessionDep,
    form: FormDep,
) -> Response:
    """Add the task with its people and the tasks it waits for; then replan when asked (a job)."""
    prod = production_for(session, principal, production_id, "task.read")
    values = _values_posted(form)
    _ = page_context(request, principal, prod)["_t"]
    try:
        dept = _department(session, prod, values["department"])
        principal.require("task.create", Resource(prod.id, department=dept.code))
        task = svc.create_task(
            session,
            prod,
            key=values["key"],
            name=values["name"] or values["key"],
            department=dept.code,
            estimate_days=values["estimate"] or "0",
            skills=_skills(values["skills"]),
            room_kind=values["room_kind"] or None,
            priority=whole(values["priority"], "priority"),
            description=values["description"],
            due=values["due"] or None,
        )
        if values["assignees"]:
            svc.update_task(session, task, assignees=values["assignees"])
        deps = _dependencies(session, prod, values["deps"])
        if deps:
            principal.require("dependency.edit", task_resource(session, task, principal))
            svc.set_dependencies(session, task, deps)
    except PostprodError as exc:
        if isinstance(exc, Forbidden):
            raise
        refused(session, exc)
        prod = production_for(session, principal, production_id, "task.read")
        return _new_page(request, principal, session, prod, values, errors_of(exc, _, _hints(_)))
    key = task.key
    if values["replan"] and principal.can("production.update", Resource(prod.id)):
        runner: JobRunner = request.app.state.jobs
        params = {"production_id": prod.id, "time_limit": planning_ops.RUN_TIME_LIMIT, "strict_due": False}
        job = runner.submit(session, "plan", params, production_id=prod.id, user_id=principal.user.id)
        session.flush()
        return done(request, f"/p/{prod.id}/tasks/{key}/replan/{job.id}")
    return done(request, f"/p/{prod.id}/tasks/{key}?created=1")


@router.get("/p/{production_id}/tasks/{task_ref}/replan/{job_id}", response_class=HTMLResponse)
def replan_progress(
    production_id: Id, task_ref: str, job_id: Id, request: Request, principal: PagePrincipal, session: SessionDep
) -> HTMLResponse:
    """How the replan after a new task goes; the page asks again every second (htmx) until it is over."""
    prod = production_for(session, principal, production_id, "task.read")
    task = get_task(session, prod, task_ref)
    job = get_job(session, job_id)
    if job.production_id != prod.id:
        raise NotFound(N_("no job %(job_id)s in %(title)r"), params={"job_id": job_id, "title": prod.title})
    if job.user_id != principal.user.id and not principal.can("production.update", Resource(prod.id)):
        raise Forbidden(
            N_("%(username)s may not follow job %(job_id)s"),
            params={"username": principal.user.username, "job_id": job_id},
        )
    ctx = page_context(
        request, principal, prod, active="board", task=task, job={**job_dict(job), "error": kept_error(job)}
    )
    return render(request, "task_replan.html", ctx)


# --- the task page's forms ------------------------------------------------------------------------


def edit_context(
    session: Session,
    principal: Principal,
    prod: Production,
    task: Task,
    _: Any,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
) -> dict[str, Any]:
    """What the task page needs for its forms: rights, choices, the values shown and their mistakes."""
    res = task_resource(session, task, principal)
    can_edit = principal.can("task.update", res)
    ctx: dict[str, Any] = {
        "can_edit": can_edit,
        "can_delete": principal.can("task.delete", res),
        "can_link": principal.can("dependency.edit", res),
        "values": values if values is not None else _values_of(task),
        "errors": errors or {},
        "statuses": [task.status.value, *next_statuses(task)],
    }
    if can_edit:
        ctx.update(form_context(session, principal, prod, _, "task.update"))
    return ctx


def _task_again(
    request: Request,
    principal: Principal,
    session: Session,
    production_id: int,
    task_ref: str,
    *,
    values: dict[str, Any] | None,
    errors: dict[str, str],
    flash: str = "",
    status: int = 422,
) -> HTMLResponse:
    prod = production_for(session, principal, production_id)
    task = get_task(session, prod, task_ref)
    _ = page_context(request, principal, prod)["_t"]
    extra = edit_context(session, principal, prod, task, _, values, errors)
    if not is_htmx(request):
        return task_page_response(request, principal, session, prod, task, extra, flash=flash, status=status)
    # htmx swaps only successful answers: a mistake replaces its form (hx-select); a stale write the
    # whole page's main part, which shows the task as it is now with the message.
    resp = task_page_response(request, principal, session, prod, task, extra, flash=flash, status=200)
    if status == 409:
        resp.headers.update({"HX-Retarget": "main", "HX-Reselect": "main", "HX-Reswap": "outerHTML"})
    return resp


def task_page_response(
    request: Request,
    principal: Any,
    session: Any,
    prod: Any,
    task: Task,
    forms: dict[str, Any] | None,
    *,
    flash: str = "",
    status: int = 200,
    note_error: str = "",
    item_form: ItemForm | None = None,
) -> HTMLResponse:
    """The task page; `forms` is its forms' state (`edit_context`), fresh when None; `item_form` a refused
    note (pages_item_forms)."""
    res = task_resource(session, task, principal)
    principal.require("task.read", res)
    if forms is None:
        _ = page_context(request, principal, prod)["_t"]
        forms = edit_context(session, principal, prod, task, _)
    ctx = page_context(
        request,
        principal,
        prod,
        active="board",
        task=task,
        next_statuses=next_statuses(task),
        can_move=principal.can("task.progress", res),
        can_note=principal.can("note.add", res),
        notes=items.notes_of(session, prod, "task", task.id),
        history=activity_svc.describe(
            session, notes_svc.history(session, prod, task=task, limit=30), money=principal.sees_money(prod.id)
        ),
        flash=flash,
        flash_kind="error" if status >= 400 else "ok",
        note_error=note_error,
        item_form=item_form,
        here=item_form.here if item_form else request.url.path,
        reopening=task.status == TaskStatus.DONE,
        **forms,
    )
    return render(request, "task.html", ctx, status_code=status)


def _version(form: FormData) -> int:
    try:
        return int(text(form, "version"))
    except ValueError:
        raise InvalidInput("the form lost the task's version: reload the page", field="version") from None


def _stale_message(_: Any) -> str:
    return _("This task was changed by someone else meanwhile: here it is as it is now. Your change was not saved.")


@router.post("/p/{production_id}/tasks/{task_ref}/edit", response_model=None)
def edit_task(
    production_id: Id, task_ref: str, request: Request, principal: FormPrincipal, session: SessionDep, form: FormDep
) -> Response:
    """Change a task's fields and links, only if it is still at the version the page showed."""
    prod = production_for(session, principal, production_id)
    task = get_task(session, prod, task_ref)
    principal.require("task.update", task_resource(session, task, principal))
    _ = page_context(request, principal, prod)["_t"]
    values = {**_values_posted(form), "key": task.key, "version": text(form, "version")}
    try:
        version = _version(form)
        if values["department"] and values["department"] != task.department.code:
            _department(session, prod, values["department"])
            principal.require("task.update", Resource(prod.id, department=values["department"]))
        deps = _dependencies(session, prod, values["deps"])
        links_change = sorted((p.id, lag) for p, lag in deps) != sorted(
            (d.predecessor_id, d.lag_days) for d in task.predecessors
        )
        if links_change:
            principal.require("dependency.edit", task_resource(session, task, principal))
        svc.update_task_checked(
            session,
            task,
            version,
            name=values["name"],
            department=values["department"] or None,
            estimate_days=values["estimate"] or "0",
            skills=_skills(values["skills"]),
            room_kind=values["room_kind"],
            due=values["due"],
            priority=whole(values["priority"], "priority"),
            description=values["description"],
            assignees=values["assignees"],
        )
        if links_change:
            svc.set_dependencies(session, task, deps)
    except StaleWrite:
        session.rollback()
        return _task_again(
            request, principal, session, production_id, task_ref,
            values=None, errors={}, flash=_stale_message(_), status=409,
        )  # fmt: skip
    except PostprodError as exc:
        if isinstance(exc, Forbidden):
            raise
        refused(session, exc)
        return _task_again(
            request, principal, session, production_id, task_ref, values=values, errors=errors_of(exc, _, _hints(_))
        )
    return done(request, f"/p/{prod.id}/tasks/{task.key}?saved=1")


@router.post("/p/{production_id}/tasks/{task_ref}/progress", response_model=None)
def set_progress(
    production_id: Id, task_ref: str, request: Request, principal: FormPrincipal, session: SessionDep, form: FormDep
) -> Response:
    """Status and progress together (what a technician reports), at the version the page showed."""
    prod = production_for(session, principal, production_id)
    task = get_task(session, prod, task_ref)
    principal.require("task.progress", task_resource(session, task, principal))
    _ = page_context(request, principal, prod)["_t"]
    status, progress = text(form, "status"), text(form, "progress")
    try:
        version = _version(form)
        changes: dict[str, Any] = {}
        if status and status != task.status.value:
            changes["status"] = status
        if progress != "":
            changes["progress"] = whole(progress, "progress")
        # Done sets the progress to 100: a form sending its old progress with it must not be refused.
        if changes.get("status") == TaskStatus.DONE.value:
            changes.pop("progress", None)
        if "status" in changes and task.status == TaskStatus.DONE:
            # Reopening finished work needs a note saying why, kept on the task (services.tasks.move_task).
            svc.move_task(
                session, task, version, changes.pop("status"), note=text(form, "note"), author=principal.user.username
            )
            version = task.version
        if changes:
            svc.update_task_checked(session, task, version, **changes)
    except StaleWrite:
        session.rollback()
        return _task_again(
            request, principal, session, production_id, task_ref,
            values=None, errors={}, flash=_stale_message(_), status=409,
        )  # fmt: skip
    except PostprodError as exc:
        if isinstance(exc, Forbidden):
            raise
        refused(session, exc)
        errors = errors_of(exc, _, _hints(_))
        return _task_again(request, principal, session, production_id, task_ref, values=None, errors=errors)
    return done(request, f"/p/{prod.id}/tasks/{task.key}")


@router.get("/p/{production_id}/tasks/{task_ref}/delete", response_class=HTMLResponse)
def delete_confirm(
    production_id: Id, task_ref: str, request: Request, principal: PagePrincipal, session: SessionDep
) -> HTMLResponse:
    """Ask before deleting: what goes with the task (links, notes) and what waits for it."""
    prod = production_for(session, principal, production_id)
    task = get_task(session, prod, task_ref)
    principal.require("task.delete", task_resource(session, task, principal))
    return render(request, "task_delete.html", page_context(request, principal, prod, active="board", task=task))


@router.post("/p/{production_id}/tasks/{task_ref}/delete", response_model=None)
def delete_task(
    production_id: Id, task_ref: str, request: Request, principal: FormPrincipal, session: SessionDep, form: FormDep
) -> Response:
    """Delete the task (confirmed on the page before); back to its department's board."""
    prod = production_for(session, principal, production_id)
    task = get_task(session, prod, task_ref)
    principal.require("task.delete", task_resource(session, task, principal))
    dept = task.department.code
    svc.delete_task(session, task)
    return done(request, f"/p/{prod.id}/board?department={dept}")
