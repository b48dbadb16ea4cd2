"""Background jobs: their progress and, once done, their result."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from postprod.errors import N_, Conflict
from postprod.http_deps import Id, PrincipalDep, SessionDep
from postprod.jobs import check_follow, get_job, job_dict
from postprod.jobs.runner import JobView
from postprod.model import JobStatus

router = APIRouter(tags=["jobs"])


@router.get("/jobs/{job_id}", response_model=JobView)
def get(job_id: Id, principal: PrincipalDep, session: SessionDep) -> JobView:
    """A job's status and progress (0..1), and its error if it failed."""
    job = get_job(session, job_id)
    check_follow(principal, job)
    return job_dict(job)


@router.get("/jobs/{job_id}/result")
def result(job_id: Id, principal: PrincipalDep, session: SessionDep) -> Any:
    """What a finished job produced (an export document, an import summary...)."""
    job = get_job(session, job_id)
    check_follow(principal, job)
    if job.status != JobStatus.DONE:
        params = {"id": job.id, "status": job.status.value, "error": job.error}
        raise Conflict(
            N_("job %(id)s is %(status)s: %(error)s") if job.error else N_("job %(id)s is %(status)s"), params=params
        )
    return principal.gate(job.production_id, job.result)
