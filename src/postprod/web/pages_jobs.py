"""A job's progress in the page that started it: a block polled by htmx until the job ends, then its result."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from postprod.errors import NotFound
from postprod.http_deps import Id, SessionDep
from postprod.jobs import check_follow, get_job
from postprod.jobs.runner import kept_error
from postprod.model import Job, JobStatus, Production
from postprod.services.principal import Principal
from postprod.web.auth import PagePrincipal, page_context, production_for
from postprod.web.render import render
from postprod.web.vocabulary import N_

router = APIRouter()

JOB_TITLES = {"deliverable-qc": N_("Quality control"), "cut-import": N_("Cut import")}
# The jobs' own progress messages (jobs.kinds), for the catalogue.
JOB_MESSAGES = (N_("measuring"), N_("importing"), N_("solving"), N_("run again: its process had stopped"))
JOB_STATUSES = (N_("queued"), N_("running"), N_("done"), N_("failed"))


def result_url(prod_id: int, job: Job) -> str | None:
    """Where a finished job's result is shown: a QC run's findings, a cut version's change list."""
    result = job.result if isinstance(job.result, dict) else {}
    if job.status != JobStatus.DONE:
        return None
    if job.kind == "deliverable-qc" and result.get("id"):
        return f"/p/{prod_id}/qc/{int(result['id'])}"
    if job.kind == "cut-import" and isinstance(result.get("version"), dict):
        return f"/p/{prod_id}/cuts/{int(result['version']['id'])}"
    return None


def followed_job(session: Session, principal: Principal, prod: Production, job_id: int) -> Job:
    """A job of this production that the user may follow (they started it, or they supervise)."""
    job = get_job(session, job_id)
    if job.production_id != prod.id:
        raise NotFound(N_("no job %(job_id)s in %(title)r"), params={"job_id": job_id, "title": prod.title})
    check_follow(principal, job)
    return job


def job_view(prod: Production, job: Job) -> dict[str, Any]:
    """What the progress block shows."""
    running = job.status in (JobStatus.QUEUED, JobStatus.RUNNING)
    return {
        "id": job.id,
        "title": JOB_TITLES.get(job.kind, job.kind),
        "status": job.status.value,
        "percent": round(100 * (1.0 if job.status == JobStatus.DONE else job.progress or 0.0)),
        "message": job.message,
        "error": kept_error(job),  # the `said` filter says it in the page's language
        "running": running,
        "href": result_url(prod.id, job),
        "poll": f"/p/{prod.id}/jobs/{job.id}",
    }


@router.get("/p/{production_id}/jobs/{job_id}", response_model=None)
def job_progress(
    production_id: Id, job_id: Id, request: Request, principal: PagePrincipal, session: SessionDep
) -> Response:
    """The progress block (htmx polls it each second); once done, htmx is sent on to the result."""
    prod = production_for(session, principal, production_id)
    job = followed_job(session, principal, prod, job_id)
    view = job_view(prod, job)
    htmx = request.headers.get("hx-request") == "true"
    if view["href"]:
        if htmx:
            return Response(status_code=200, headers={"HX-Redirect": view["href"]})
        return RedirectResponse(view["href"], status_code=303)
    ctx = page_context(request, principal, prod, active="", job=view)
    return render(request, "_job.html" if htmx else "job.html", ctx)
