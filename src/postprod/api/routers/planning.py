"""Schedules: plan the production as a job, read the stored plans, freeze a baseline, compare."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from pydantic import Field

from postprod.api.deps import JobsDep, load_production
from postprod.api.schemas import In
from postprod.http_deps import Id, PrincipalDep, SessionDep
from postprod.jobs import job_dict
from postprod.jobs.runner import JobView
from postprod.services import planning as ops
from postprod.services.plan_cost import with_cost

router = APIRouter(tags=["planning"])


class PlanJobIn(In):
    time_limit: float = Field(ops.RUN_TIME_LIMIT, gt=0, le=600, description="Seconds of solving")
    strict_due: bool = True


@router.get("/productions/{production_id}/plans")
def list_plans(production_id: Id, principal: PrincipalDep, session: SessionDep) -> list[ops.PlanHeaderView]:
    """The stored plans (current, baselines, scenarios), newest first."""
    prod = load_production(session, production_id)
    principal.require_production("task.read", prod)
    return ops.list_plans(session, prod)


@router.get("/productions/{production_id}/plans/compare")
def compare(
    production_id: Id,
    principal: PrincipalDep,
    session: SessionDep,
    scenario: str | None = Query(None, max_length=120),
    against: str = Query("baseline", max_length=120),
) -> dict[str, Any]:
    """A scenario (or the current plan) against the baseline: end dates, moved tasks, loads.

    With the budget right, `cost_difference` beside the dates: the cost of each plan's days left
    after today, per account, and the difference (money: gated).
    """
    prod = load_production(session, production_id)
    principal.require_production("task.read", prod)
    data = ops.compare_plans(session, prod, scenario, against=against)
    if principal.sees_money(prod.id):
        data = with_cost(session, prod, data)
    return principal.gate(prod.id, data)


@router.get("/productions/{production_id}/plans/{name}")
def show_plan(production_id: Id, name: str, principal: PrincipalDep, session: SessionDep) -> ops.PlanView:
    """A stored plan ("current", "baseline" or a scenario name) with every task's dates, people, room, slack."""
    prod = load_production(session, production_id)
    principal.require_production("task.read", prod)
    return ops.show_plan(session, prod, name)


@router.post("/productions/{production_id}/plans/baseline", status_code=201)
def baseline(production_id: Id, principal: PrincipalDep, session: SessionDep) -> ops.PlanRowView:
    """Freeze the current plan as the baseline."""
    prod = load_production(session, production_id)
    principal.require_production("production.update", prod)
    return ops.set_baseline(session, prod)


@router.post("/productions/{production_id}/plan-jobs", response_model=JobView, status_code=202)
def plan_job(
    production_id: Id, body: PlanJobIn, principal: PrincipalDep, session: SessionDep, jobs: JobsDep
) -> JobView:
    """Plan the production in the background; the job's result is the run summary, the tasks get their dates."""
    prod = load_production(session, production_id)
    principal.require_production("production.update", prod)
    params = {"production_id": prod.id, "time_limit": body.time_limit, "strict_due": body.strict_due}
    return job_dict(jobs.submit(session, "plan", params, production_id=prod.id, user_id=principal.user.id))
