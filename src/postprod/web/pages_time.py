""" "My week": a person's days per task, Monday to Sunday, and the form to log more.

Time is not money: a technician logs and sees only their own time (`time.log`, `time.read` on their own
person), a department lead their own; the roles that read all time (supervisor, production director) may
pick anyone, or see everyone's week at once. No rate or cost appears here.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from postprod.errors import N_, InvalidInput, PostprodError
from postprod.http_deps import Id, SessionDep
from postprod.model import Person, Production, Task, TaskAssignment, TimeEntry
from postprod.services import costs
from postprod.services.common import get_task, parse_date
from postprod.services.principal import Principal
from postprod.services.users import Forbidden, Resource
from postprod.web.auth import FormDep, FormPrincipal, PagePrincipal, page_context, production_for
from postprod.web.forms import done, errors_of, is_htmx, refused, text
from postprod.web.render import gettext_for, language_of, render

router = APIRouter()

FIELDS = ("day", "days", "hours", "task", "note")


def _own_person(principal: Principal, prod: Production) -> int | None:
    return next((g.person_id for g in principal.grants if g.production_id == prod.id and g.person_id), None)


def _monday(week: str) -> date:
    day = parse_date(week, "week") if week.strip() else date.today()
    return day - timedelta(days=day.weekday())


def _whose(session: Session, principal: Principal, prod: Production, person: int | None) -> tuple[Person | None, bool]:
    """The person whose week is shown (None: everyone's) and whether the reader sees all time."""
    sees_all = principal.can("time.read", Resource(prod.id))
    own = _own_person(principal, prod)
    wanted = person if person is not None else own
    if wanted is None:
        if sees_all:
            return None, True
        raise Forbidden(
            N_("%(username)s has no person in %(title)r to log time for"),
            params={"username": principal.user.username, "title": prod.title},
        )
    if wanted != own and not sees_all:
        raise Forbidden(N_("%(username)s may see only their own time"), params={"username": principal.user.username})
    who = session.get(Person, wanted)
    if who is None or who.production_id != prod.id:
        raise Forbidden(
            N_("no person %(wanted)s of %(title)r for %(username)s"),
            params={"wanted": wanted, "title": prod.title, "username": principal.user.username},
        )
    return who, sees_all


def week_grid(session: Session, prod: Production, monday: date, person: Person | None) -> dict[str, Any]:
    """Rows (person and task) by the week's seven days, with each day's total."""
    days = [monday + timedelta(days=i) for i in range(7)]
    q = select(TimeEntry).where(TimeEntry.production_id == prod.id, TimeEntry.day >= days[0], TimeEntry.day <= days[-1])
    if person is not None:
        q = q.where(TimeEntry.person_id == person.id)
    keys = dict(session.execute(select(Task.id, Task.key).where(Task.production_id == prod.id)).all())
    names = {p.id: p.name for p in prod.people}
    cells: dict[tuple[str, str], dict[date, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    totals: dict[date, Decimal] = defaultdict(Decimal)
    entries = list(session.scalars(q.order_by(TimeEntry.day, TimeEntry.id)))
    for e in entries:
        row = (names.get(e.person_id, ""), keys.get(e.task_id, "") if e.task_id else "")
        cells[row][e.day] += Decimal(e.days)
        totals[e.day] += Decimal(e.days)
    rows = [{"person": p, "task": t, "cells": [cells[(p, t)].get(d) for d in days]} for p, t in sorted(cells)]
    return {
        "days": days,
        "rows": rows,
        "totals": [totals.get(d) for d in days],
        "total": sum(totals.values(), Decimal(0)),
        "entries": [costs.time_entry_dict(e, names, keys) for e in entries],
    }


def _tasks_of(session: Session, prod: Production, person: Person | None) -> list[tuple[str, str]]:
    q = select(Task.key, Task.name).where(Task.production_id == prod.id)
    if person is not None:
        q = q.where(Task.assignments.any(TaskAssignment.person_id == person.id))
    rows = session.execute(q.order_by(Task.key)).all()
    if not rows and person is not None:
        rows = session.execute(
            select(Task.key, Task.name).where(Task.production_id == prod.id).order_by(Task.key)
        ).all()
    return [(k, f"{k} · {n}") for k, n in rows]


def _page(
    request: Request,
    principal: Principal,
    session: Session,
    prod: Production,
    *,
    week: str = "",
    person: int | None = None,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    monday = _monday(week)
    who, sees_all = _whose(session, principal, prod, person)
    may_log = who is not None and principal.can("time.log", Resource(prod.id, assignee_ids=frozenset({who.id})))
    ctx = page_context(
        request,
        principal,
        prod,
        active="week",
        monday=monday,
        prev=(monday - timedelta(days=7)).isoformat(),
        next=(monday + timedelta(days=7)).isoformat(),
        who=who,
        sees_all=sees_all,
        people=sorted(prod.people, key=lambda p: p.name) if sees_all else [],
        grid=week_grid(session, prod, monday, who),
        may_log=may_log,
        task_options=_tasks_of(session, prod, who) if may_log else [],
        errors=errors or {},
        values=values or {"day": min(max(date.today(), monday), monday + timedelta(days=6)).isoformat(), "days": "1"},
    )
    code = status if not is_htmx(request) or status < 400 else 200
    return render(request, "my_week.html", ctx, status_code=code)


@router.get("/p/{production_id}/week", response_class=HTMLResponse)
def my_week(
    production_id: Id,
    request: Request,
    principal: PagePrincipal,
    session: SessionDep,
    week: str = Query("", max_length=10),
    person: int | None = Query(None, ge=1, le=2**31 - 1),
) -> HTMLResponse:
    """The week's days per task of the user (or, for who reads all time, of anyone or everyone)."""
    prod = production_for(session, principal, production_id)
    try:
        return _page(request, principal, session, prod, week=week, person=person)
    except InvalidInput:  # a week that is no date: this week, said beside the picker
        _ = gettext_for(language_of(request, principal.user.language))
        return _page(request, principal, session, prod, person=person, errors={"week": _("A date (YYYY-MM-DD).")},
                     status=422)  # fmt: skip


@router.post("/p/{production_id}/week", response_model=None)
def log_time(
    production_id: Id, request: Request, principal: FormPrincipal, session: SessionDep, form: FormDep
) -> Response:
    """Log days or hours on a task; refused beside its field, nothing written."""
    prod = production_for(session, principal, production_id)
    _ = gettext_for(language_of(request, principal.user.language))
    values = {k: text(form, k) for k in FIELDS}
    person_ref = text(form, "person")
    person = int(person_ref) if person_ref.isdigit() else None
    who, _sees_all = _whose(session, principal, prod, person)
    if who is None:
        raise Forbidden("pick the person whose time is logged")
    week = text(form, "week")
    try:
        dept = get_task(session, prod, values["task"]).department.code if values["task"] else None
        principal.require("time.log", Resource(prod.id, department=dept, assignee_ids=frozenset({who.id})))
        amount = (
            {"hours": values["hours"]} if values["hours"] and not values["days"] else {"days": values["days"] or None}
        )
        costs.log_time(session, prod, person=who.name, day=values["day"], task=values["task"] or None,
                       note=values["note"], **amount)  # fmt: skip
    except PostprodError as exc:
        if isinstance(exc, Forbidden):
            raise
        if exc.field is None and "task" in exc.message:
            exc.field = "task"
        hints = {
            "day": _("A date (YYYY-MM-DD) within the production."),
            "days": _("Days between 0 and 2, e.g. 1 or 0.5."),
            "hours": _("Hours above zero, e.g. 7.5."),
            "task": _("Pick one of the production's tasks."),
        }
        errors = errors_of(exc, _, hints)
        refused(session, exc)
        return _page(request, principal, session, prod, week=week, person=person, errors=errors, values=values,
                     status=422)  # fmt: skip
    query = f"?week={_monday(values['day']).isoformat()}" + (f"&person={person}" if person else "")
    return done(request, f"/p/{prod.id}/week{query}")
