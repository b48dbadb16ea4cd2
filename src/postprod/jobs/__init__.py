"""Long work off the request path: jobs kept in the job table, run by the server's threads or Celery workers.

See docs/jobs.md. A job is a kind (a function `work(session, progress, params) -> result` registered
in jobs.kinds) and JSON parameters, kept in the job table; a thread of this process runs it, or a
Celery worker when a broker is configured, each with its own transaction. `progress(fraction,
message)` records how far it is (throttled); the JSON-able result or the one-line error of a
PostprodError is stored when it ends.
"""

from __future__ import annotations

import time

from sqlalchemy import Engine, select

from postprod import config
from postprod.errors import N_
from postprod.jobs.runner import STALE, JobRunner, JobSweeper, execute, get_job, job_dict, requeue_stale
from postprod.jobs.worker import RUN_JOB, make_celery
from postprod.model import Job, JobStatus
from postprod.services.principal import Principal
from postprod.services.users import Forbidden, Resource

__all__ = [
    "STALE",
    "CeleryJobs",
    "JobRunner",
    "JobSweeper",
    "check_follow",
    "execute",
    "get_job",
    "job_dict",
    "make_runner",
    "requeue_stale",
]


class CeleryJobs(JobRunner):
    """Queues jobs in the job table and sends their ids to Celery workers (when a broker is configured).

    The workers (`postprod worker`) may run on other machines: near the media for QC, say. They
    need the same database; the job's row carries everything the work needs.
    """

    def __init__(self, engine: Engine, broker_url: str, queue: str = "postprod") -> None:
        super().__init__(engine, workers=1)
        self.celery = make_celery(broker_url, queue=queue)

    def dispatch(self, job_id: int) -> None:
        self.celery.send_task(RUN_JOB, args=[job_id])

    def wait(self, job_id: int, timeout: float | None = None) -> None:
        """Poll the job's row until it has finished (or the timeout passes)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            with self.engine.connect() as conn:
                status = conn.execute(select(Job.status).where(Job.id == job_id)).scalar_one_or_none()
            if status in (None, JobStatus.DONE, JobStatus.FAILED):
                return
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"job {job_id} still {status} after {timeout} s")
            time.sleep(0.05)


def make_runner(engine: Engine, broker_url: str | None = None) -> JobRunner:
    """Celery when a broker is configured (POSTPROD_BROKER_URL), else threads of this process."""
    url = broker_url if broker_url is not None else config.broker_url()
    return CeleryJobs(engine, url, queue=config.job_queue()) if url else JobRunner(engine)


def check_follow(principal: Principal, job: Job) -> None:
    """Whoever started a job may follow it, and so may a supervisor of its production (API and pages alike)."""
    if job.user_id == principal.user.id:
        return
    if job.production_id is not None and principal.can("production.update", Resource(job.production_id)):
        return
    if principal.user.is_admin:
        return
    raise Forbidden(
        N_("%(username)s may not see job %(id)s"), params={"username": principal.user.username, "id": job.id}
    )
