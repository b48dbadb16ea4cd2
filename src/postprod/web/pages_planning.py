"""The plan de travail in the browser: plan, replan after an incident, what-if scenarios, baseline, compare, Gantt.

Solving runs as a job (jobs/kinds.py "plan" and "replan"); the page shows its progress and polls
with htmx until it is done. Reading is for those who read tasks; planning is the supervisor's
(production.update), as in the API.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from postprod.errors import InvalidInput, NotFound, PostprodError
from postprod.http_deps import Id, JobsDep, SessionDep
from postprod.jobs.runner import get_job, kept_error
from postprod.model import JobStatus, Production
from postprod.planning import gantt as gantt_chart
from postprod.services import dashboard as dash
from postprod.services import planning as ops
from postprod.services import users
from postprod.services.common import get_task, parse_date
from postprod.services.plan_cost import with_cost
from postprod.services.principal import Principal
from postprod.services.users import Resource
from postprod.web.auth import FormDep, FormPrincipal, PagePrincipal, page_context, production_for
from postprod.web.render import _day, gettext_for, language_of, month_label, render, short_day
from postprod.web.vocabulary import N_

router = APIRouter()

PLAN = "production.update"  # who may plan: the supervisor, as the API's plan job
# px the whole chart is drawn to by default, lane names included: the page's width at 1366 px, less its margins.
# The page then scales the chart (not the lane names) to the window's width (app.css, .gantt-wrap.scaled):
# at 1280 and 1440 px it shrinks or grows a little; on a phone it keeps this size and scrolls.
FIT_WIDTH = 1324
LANE_WIDTH = 170  # the lane names' column (app.css .gantt-lanes)
WEB_TIME_LIMIT = 2.0  # seconds of solving for a plan started from the page


def _can_plan(principal: Principal, prod: Production) -> bool:
    return principal.can(PLAN, Resource(prod.id))


# --- the Gantt -----------------------------------------------------------------------------------


# Gantt drawings kept for views unchanged (services/dashboard.gantt's stamp), per zoom, rights, options,
# language and day: drawing 5,000 bars is half the page's time, and the same chart is opened again and again.
_DRAWINGS: OrderedDict[tuple[Any, ...], tuple[Markup, Markup]] = OrderedDict()
_DRAWINGS_SIZE = 4
_drawings_lock = threading.Lock()


# Each bar's drawing, for charts drawn alike (production, first day, zoom, rights, options, language, day): after
# one task changed, the chart is drawn again from the others' kept drawings. One such set is kept at a time.
_BAR_MEMO: dict[tuple[Any, ...], dict[tuple[Any, ...], str]] = {}
_BAR_MEMO_SIZE = 20_000


def _bar_memo(alike: tuple[Any, ...]) -> dict[tuple[Any, ...], str]:
    with _drawings_lock:
        memo = _BAR_MEMO.get(alike)
        if memo is None or len(memo) > _BAR_MEMO_SIZE:
            _BAR_MEMO.clear()
            memo = _BAR_MEMO[alike] = {}
        return memo


def _drawn(key: tuple[Any, ...] | None) -> tuple[Markup, Markup] | None:
    if key is None or not key[0]:
        return None
    with _drawings_lock:
        drawn = _DRAWINGS.get(key)
        if drawn is not None:
            _DRAWINGS.move_to_end(key)
        return drawn


def _keep_drawing(key: tuple[Any, ...] | None, chart: Markup, lanes_svg: Markup) -> None:
    if key is None or not key[0]:
        return
    with _drawings_lock:
        _DRAWINGS[key] = (chart, lanes_svg)
        while len(_DRAWINGS) > _DRAWINGS_SIZE:
            _DRAWINGS.popitem(last=False)


@router.get("/p/{production_id}/gantt", response_class=HTMLResponse)
def gantt(
    production_id: Id,
    request: Request,
    principal: PagePrincipal,
    session: SessionDep,
    lanes: str = Query("person", pattern="^(person|room)$"),
    zoom: float | None = Query(None, ge=1.0, le=60.0, description="Pixels per day; none: the whole plan fits"),
    department: str | None = Query(None, max_length=64),
    links: bool = Query(False),
    milestones: bool = Query(False),
    job: int | None = Query(None, ge=1, le=2**31),
) -> HTMLResponse:
    """The current plan as a chart, lanes per person or room; fits the window unless zoomed."""
    prod = production_for(session, principal, production_id, "task.read")
    view = dash.gantt(session, prod, lanes=lanes, department=department or None)
    can_plan = _can_plan(principal, prod)
    ctx = page_context(request, principal, prod, active="gantt", lanes=lanes, department=department or "")
    _ = ctx["_t"]
    lang = ctx["lang"]
    fit = gantt_chart.fit_zoom(view, FIT_WIDTH, LANE_WIDTH) if view is not None else 8.0
    z = zoom if zoom is not None else fit
    # Scaled to the window only when drawn to the fit width: a plan of a few days (at the largest zoom) or of
    # years (at the smallest) keeps its size.
    scaled = zoom is None and gantt_chart.MIN_ZOOM < fit < gantt_chart.MAX_ZOOM
    chart = lanes_svg = None
    today = date.today()
    drawing_key = (view.stamp, z, can_plan, links, milestones, lang, today) if view is not None else None
    drawn = _drawn(drawing_key)
    if drawn is not None:
        chart, lanes_svg = drawn
    elif view is not None:
        p = f"/p/{prod.id}"
        marks = gantt_chart.Marks(
            href=lambda b: (
                f"{p}/planning/tasks/{quote(b.key)}"
                if can_plan and b.status == "not-started"
                else f"{p}/tasks/{quote(b.key)}"
            ),
            movable=(lambda b: b.status == "not-started") if can_plan else None,
            links=view.links if links else (),
            milestones=view.milestones if milestones else (),
            today_label=_("today"),
            month=lambda d: month_label(d, lang),
            tick=lambda d: short_day(d, lang),
            day=lambda d: _day(d, lang),
        )
        title = _("Gantt of the schedule")
        chart = Markup(
            gantt_chart.svg(
                view,
                z,
                unassigned=_("(unassigned)"),
                delivery_label=_("delivery"),
                today=today,
                title=None,
                labels=False,
                marks=marks,
                memo=_bar_memo((prod.id, view.start, z, can_plan, links, milestones, lang, today)),
            ).replace('aria-label="Gantt"', f'aria-label="{Markup.escape(title)}"', 1)
        )
        lanes_svg = Markup(gantt_chart.lane_column(view, unassigned=_("(unassigned)"), width=LANE_WIDTH))
        _keep_drawing(drawing_key, chart, lanes_svg)
    query = {"lanes": lanes, "department": department or "", "links": int(links), "milestones": int(milestones)}
    ctx.update(
        view=view,
        svg=chart,
        lanes_svg=lanes_svg,
        zoom=z,
        fitted=zoom is None,
        scaled=scaled,
        links=links,
        milestones=milestones,
        query=query,
        can_plan=can_plan,
        job=_job_view(session, prod, job) if job else None,
    )
    return render(request, "gantt.html", ctx)


# --- the planning page ---------------------------------------------------------------------------


def _planning_context(
    request: Request, principal: Principal, session: SessionDep, prod: Production, **extra: Any
) -> dict[str, Any]:
    plans = ops.list_plans(session, prod)
    current = next((p for p in plans if p["kind"] == "current"), None)
    baseline = next((p for p in plans if p["kind"] == "baseline"), None)
    scenarios = [p for p in plans if p["kind"] == "scenario"]
    history = [p for p in plans if p["kind"] == "current"][:8]
    return page_context(
        request,
        principal,
        prod,
        active="planning",
        current=current,
        baseline=baseline,
        scenarios=scenarios,
        history=history,
        made_by=users.names_of(session, {p["created_by"] for p in plans}),
        can_plan=_can_plan(principal, prod),
        people=sorted(prod.people, key=lambda p: p.name.casefold()),
        task_keys=ops.open_task_keys(session, prod),
        form=extra.pop("form", {}),
        errors=extra.pop("errors", {}),
        **extra,
    )


@router.get("/p/{production_id}/planning", response_class=HTMLResponse)
def planning(
    production_id: Id,
    request: Request,
    principal: PagePrincipal,
    session: SessionDep,
    job: int | None = Query(None, ge=1, le=2**31),
) -> HTMLResponse:
    """The plan in force, the baseline, the scenarios; plan, replan after an incident, freeze a baseline."""
    prod = production_for(session, principal, production_id, "task.read")
    ctx = _planning_context(request, principal, session, prod, job=_job_view(session, prod, job) if job else None)
    return render(request, "planning.html", ctx)


def _job_view(session: SessionDep, prod: Production, job_id: int) -> dict[str, Any] | None:
    try:
        job = get_job(session, job_id)
    except PostprodError:
        return None
    if job.production_id != prod.id:
        return None
    return {
        "id": job.id,
        "kind": job.kind,
        "status": job.status.value,
        "percent": int(round(100 * (job.progress or 0))),
        "error": kept_error(job),  # the `said` filter says it in the page's language
        # only a planning job's summary is shown (another kind's result may be a whole export)
        "result": job.result
        if job.status == JobStatus.DONE and job.kind in ("plan", "replan") and isinstance(job.result, dict)
        else None,
    }


@router.get("/p/{production_id}/planning/jobs/{job_id}", response_class=HTMLResponse)
def job_panel(
    production_id: Id, job_id: Id, request: Request, principal: PagePrincipal, session: SessionDep
) -> Response:
    """A planning job's progress (the page polls it); once done, htmx reloads the page that asked."""
    prod = production_for(session, principal, production_id, "task.read")
    job = _job_view(session, prod, job_id)
    if job is None:
        raise NotFound(N_("no planning job %(job_id)s in %(title)r"), params={"job_id": job_id, "title": prod.title})
    ctx = page_context(request, principal, prod, job=job)
    response = render(request, "_plan_job.html", ctx)
    if job["status"] in ("done", "failed") and request.headers.get("HX-Request"):
        response.headers["HX-Refresh"] = "true"  # the chart and the tables change with the plan
    return response


def _submit(
    session: SessionDep, jobs: JobsDep, principal: Principal, prod: Production, kind: str, **params: Any
) -> int:
    job = jobs.submit(
        session, kind, {"production_id": prod.id, **params}, production_id=prod.id, user_id=principal.user.id
    )
    return job.id


@router.post("/p/{production_id}/planning/run", response_model=None)
def run(production_id: Id, principal: FormPrincipal, session: SessionDep, jobs: JobsDep, form: FormDep) -> Response:
    """Plan the whole production again (a job); late work is shown late rather than refused."""
    prod = production_for(session, principal, production_id, PLAN)
    job_id = _submit(session, jobs, principal, prod, "plan", time_limit=WEB_TIME_LIMIT, strict_due=False)
    return RedirectResponse(f"/p/{prod.id}/planning?job={job_id}", status_code=303)


def _text(form: FormDep, name: str) -> str:
    return str(form.get(name) or "").strip()


def incidents_of(form: FormDep) -> ops.Incidents:
    """The incident form's filled parts as incidents; a part half filled names its missing field."""
    inc = ops.Incidents()

    def need(*names: str) -> bool:
        filled = [n for n in names if _text(form, n)]
        if filled and len(filled) < len(names):
            missing = next(n for n in names if not _text(form, n))
            raise InvalidInput(N_("this field is needed with the others of its line"), field=missing)
        return bool(filled)

    if need("away_person", "away_from", "away_to"):
        d1, d2 = parse_date(_text(form, "away_from"), "away_from"), parse_date(_text(form, "away_to"), "away_to")
        if d2 < d1:
            raise InvalidInput(N_("the absence ends before it starts"), field="away_to")
        inc.away.append((_text(form, "away_person"), d1, d2))
    if need("slip_task", "slip_days"):
        try:
            days = int(_text(form, "slip_days"))
        except ValueError:
            raise InvalidInput(N_("a whole number of working days, e.g. 3 or -2"), field="slip_days") from None
        if days == 0 or not -1000 <= days <= 1000:
            raise InvalidInput(N_("a whole number of working days, e.g. 3 or -2"), field="slip_days")
        inc.slips.append((_text(form, "slip_task"), days))
    if need("add_key", "add_days", "add_department"):
        try:
            work = Decimal(_text(form, "add_days").replace(",", "."))
        except InvalidOperation:
            work = Decimal(-1)
        if not work.is_finite() or not 0 < work <= 10000:
            raise InvalidInput(N_("working days of work, e.g. 3 or 2.5"), field="add_days")
        after = [k.strip() for k in _text(form, "add_after").split(",") if k.strip()]
        key = _text(form, "add_key").upper()
        inc.added.append(ops.NewTask(key, work, _text(form, "add_department"), _text(form, "add_name"), after=after))
    if need("dep_before", "dep_after"):
        lag = _text(form, "dep_lag") or "0"
        if not lag.lstrip("-").isdigit():
            raise InvalidInput(N_("a whole number of working days"), field="dep_lag")
        inc.depend.append((_text(form, "dep_before"), _text(form, "dep_after"), int(lag)))
    if not inc:
        raise InvalidInput(N_("say what happened: fill at least one line"), field="incident")
    return inc


_FIELD_OF = {"away": "away_person", "slip": "slip_task", "add-task": "add_key", "depend": "dep_before"}


@router.post("/p/{production_id}/planning/replan", response_model=None)
def replan(
    production_id: Id, request: Request, principal: FormPrincipal, session: SessionDep, jobs: JobsDep, form: FormDep
) -> Response:
    """Replan after an incident: now (the new plan is in force) or as a what-if scenario (nothing else changes)."""
    prod = production_for(session, principal, production_id, PLAN)
    scenario = _text(form, "scenario") if form.get("mode") == "scenario" else None
    try:
        if form.get("mode") == "scenario" and not scenario:
            raise InvalidInput(N_("a scenario needs a name"), field="scenario")
        inc = incidents_of(form)
        ops.check_incidents(session, prod, inc, scenario=scenario)
    except PostprodError as exc:
        # An error without a field (a task or person not found) goes beside the one line filled, if one.
        lines = [f for f in ("away_person", "slip_task", "add_key", "dep_before") if _text(form, f)]
        field = getattr(exc, "field", None) or (lines[0] if len(lines) == 1 else "incident")
        said = exc.said(gettext_for(language_of(request, principal.user.language)))
        ctx = _planning_context(
            request, principal, session, prod, form=dict(form), errors={_FIELD_OF.get(field, field): said}
        )
        return render(request, "planning.html", ctx, status_code=exc.http_status)
    params: dict[str, Any] = {"incidents": ops.incidents_dict(inc), "time_limit": ops.REPLAN_TIME_LIMIT}
    if scenario:
        params["scenario"] = scenario
    job_id = _submit(session, jobs, principal, prod, "replan", **params)
    return RedirectResponse(f"/p/{prod.id}/planning?job={job_id}", status_code=303)


@router.post("/p/{production_id}/planning/baseline", response_model=None)
def baseline(production_id: Id, principal: FormPrincipal, session: SessionDep, form: FormDep) -> Response:
    """Freeze the current plan as the baseline (the reference the slippage is measured against)."""
    prod = production_for(session, principal, production_id, PLAN)
    ops.set_baseline(session, prod)
    return RedirectResponse(f"/p/{prod.id}/planning", status_code=303)


@router.post("/p/{production_id}/planning/scenarios/adopt", response_model=None)
def adopt(production_id: Id, principal: FormPrincipal, session: SessionDep, form: FormDep) -> Response:
    """The scenario becomes the current plan; its incidents are recorded."""
    prod = production_for(session, principal, production_id, PLAN)
    ops.adopt_scenario(session, prod, _text(form, "scenario"))
    return RedirectResponse(f"/p/{prod.id}/planning/compare", status_code=303)


@router.post("/p/{production_id}/planning/scenarios/delete", response_model=None)
def delete(production_id: Id, principal: FormPrincipal, session: SessionDep, form: FormDep) -> Response:
    """Forget a scenario."""
    prod = production_for(session, principal, production_id, PLAN)
    ops.delete_scenario(session, prod, _text(form, "scenario"))
    return RedirectResponse(f"/p/{prod.id}/planning", status_code=303)


@router.get("/p/{production_id}/planning/compare", response_class=HTMLResponse)
def compare(
    production_id: Id,
    request: Request,
    principal: PagePrincipal,
    session: SessionDep,
    scenario: str | None = Query(None, max_length=120),
) -> HTMLResponse:
    """A scenario (or the current plan) against the baseline: end dates, moved tasks, load per person and room."""
    prod = production_for(session, principal, production_id, "task.read")
    plans = ops.list_plans(session, prod)
    has_baseline = any(p["kind"] == "baseline" for p in plans)
    data = ops.compare_plans(session, prod, scenario or None) if has_baseline else None
    if data is not None and principal.sees_money(prod.id):  # the cost beside the dates, for the budget right
        data = with_cost(session, prod, data)
    data = principal.gate(prod.id, data)
    ctx = page_context(
        request,
        principal,
        prod,
        active="planning",
        cmp=data,
        scenario=scenario or "",
        scenarios=[p["name"] for p in plans if p["kind"] == "scenario"],
        can_plan=_can_plan(principal, prod),
    )
    return render(request, "plan_compare.html", ctx)


# --- a task's start (the Gantt bar's link, and what a drag posts) -------------------------------


@router.get("/p/{production_id}/planning/tasks/{task_ref}", response_class=HTMLResponse)
def task_start(
    production_id: Id, task_ref: str, request: Request, principal: PagePrincipal, session: SessionDep
) -> HTMLResponse:
    """When a task not started should start: the planner is told, then replans."""
    prod = production_for(session, principal, production_id, PLAN)
    task = get_task(session, prod, task_ref)
    return render(request, "plan_task.html", page_context(request, principal, prod, active="gantt", task=task))


@router.post("/p/{production_id}/planning/tasks/{task_ref}/start", response_model=None)
def set_start(
    production_id: Id,
    task_ref: str,
    request: Request,
    principal: FormPrincipal,
    session: SessionDep,
    jobs: JobsDep,
    form: FormDep,
) -> Response:
    """Pin the task's start (empty: the planner chooses again) and replan; back to the Gantt."""
    prod = production_for(session, principal, production_id, PLAN)
    task = get_task(session, prod, task_ref)
    text = _text(form, "start")
    try:
        day = parse_date(text, "start") if text else None
        inc = ops.Incidents(pins=[(task.key, day)])
        ops.check_incidents(session, prod, inc)
    except PostprodError as exc:
        said = exc.said(gettext_for(language_of(request, principal.user.language)))
        ctx = page_context(request, principal, prod, active="gantt", task=task, errors={"start": said}, value=text)
        return render(request, "plan_task.html", ctx, status_code=exc.http_status)
    job_id = _submit(session, jobs, principal, prod, "replan", incidents=ops.incidents_dict(inc))
    back = _text(form, "next")
    back = back if back.startswith(f"/p/{prod.id}/gantt") else f"/p/{prod.id}/gantt"
    sep = "&" if "?" in back else "?"
    return RedirectResponse(f"{back}{sep}job={job_id}", status_code=303)
