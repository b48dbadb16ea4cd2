"""Long work off the request path: an in-process runner whose jobs keep their progress in the job table.

See docs/jobs.md. A job is a function `work(session, progress) -> result` run in a worker thread
with its own transaction; `progress(fraction, message)` records how far it is (throttled), and the
JSON-able result or the one-line error of a PostprodError is stored when it ends.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from sqlalchemy import Engine, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from postprod import db
from postprod.errors import NotFound, PostprodError
from postprod.model import Job, JobStatus
from postprod.model.base import utcnow

log = logging.getLogger("postprod.jobs")

Progress = Callable[[float, str], None]
Work = Callable[[Session, Progress], Any]

# Progress is written at most this often (seconds), so a chatty job does not flood the database.
PROGRESS_INTERVAL = 0.25


def job_dict(job: Job) -> dict[str, Any]:
    return {
        "id": job.id,
        "kind": job.kind,
        "status": job.status.value,
        "progress": job.progress,
        "message": job.message,
        "error": job.error,
        "production_id": job.production_id,
        "created_at": job.created_at.isoformat(),
        "started_at": job.started_at.isoformat() if job.started_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "has_result": job.result is not None,
    }


def get_job(session: Session, job_id: int) -> Job:
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound(f"no job {job_id}")
    return job


class JobRunner:
    """Runs jobs in a small thread pool of this process; each job's state lives in the job table."""

    def __init__(self, engine: Engine, workers: int = 2) -> None:
        self.engine = engine
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="postprod-job")
        self._futures: dict[int, Future[None]] = {}
        self._lock = threading.Lock()

    def submit(
        self,
        session: Session,
        kind: str,
        work: Work,
        *,
        production_id: int | None = None,
        user_id: int | None = None,
        actor: str | None = None,
    ) -> Job:
        """Queue a job; it starts once the caller's transaction has committed (so its row is visible)."""
        job = Job(kind=kind, status=JobStatus.QUEUED, production_id=production_id, user_id=user_id)
        session.add(job)
        session.flush()
        job_id = job.id
        who = actor or str(session.info.get("actor") or "unknown")

        def start(_s: Session) -> None:
            with self._lock:
                self._futures[job_id] = self._pool.submit(self._run, job_id, work, who)

        from sqlalchemy import event

        event.listen(session, "after_commit", start, once=True)
        return job

    def _set(self, job_id: int, **values: Any) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(Job).where(Job.id == job_id).values(**values))

    def _set_progress(self, job_id: int, fraction: float, message: str) -> None:
        """Record progress if the database lets us at once; it is advisory, so a busy database skips it.

        On SQLite a job that has started writing holds the only write lock until it commits: waiting
        for it from the same job would dead-lock, so the progress write gives up after 50 ms.
        """
        sqlite = self.engine.dialect.name == "sqlite"
        try:
            with self.engine.begin() as conn:
                if sqlite:
                    conn.exec_driver_sql("PRAGMA busy_timeout = 50")
                try:
                    conn.execute(update(Job).where(Job.id == job_id).values(progress=fraction, message=message))
                finally:
                    if sqlite:
                        conn.exec_driver_sql("PRAGMA busy_timeout = 30000")
        except OperationalError:
            log.debug("job %s: progress not recorded (database busy)", job_id)

    def _run(self, job_id: int, work: Work, actor: str) -> None:
        self._set(job_id, status=JobStatus.RUNNING, started_at=utcnow())
        last = 0.0

        def progress(fraction: float, message: str = "") -> None:
            nonlocal last
            now = time.monotonic()
            if now - last >= PROGRESS_INTERVAL or fraction >= 1.0:
                last = now
                self._set_progress(job_id, max(0.0, min(1.0, float(fraction))), message[:500])

        try:
            with db.session_scope(self.engine, actor=actor) as session:
                result = work(session, progress)
        except PostprodError as exc:
            self._set(job_id, status=JobStatus.FAILED, error=str(exc), finished_at=utcnow())
            return
        except Exception as exc:  # recorded on the job rather than lost in a thread
            log.exception("job %s failed", job_id)
            self._set(
                job_id, status=JobStatus.FAILED, error=f"internal error ({type(exc).__name__})", finished_at=utcnow()
            )
            return
        self._set(job_id, status=JobStatus.DONE, progress=1.0, result=result, finished_at=utcnow())

    def wait(self, job_id: int, timeout: float | None = None) -> None:
        """Block until a job this runner started has finished (tests and the CLI use it)."""
        with self._lock:
            fut = self._futures.get(job_id)
        if fut is not None:
            fut.result(timeout=timeout)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=False)
