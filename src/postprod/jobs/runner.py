"""The jobs' core: a job's run (`execute`), its heartbeat, the sweep for jobs whose process died, and
the thread runner. The Celery side is `jobs.worker`; `postprod.jobs` chooses between them."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Engine, event, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from typing_extensions import TypedDict

from postprod import config, db
from postprod.errors import N_, NotFound, PostprodError
from postprod.jobs.kinds import KINDS
from postprod.model import Job, JobStatus
from postprod.model.base import utcnow
from postprod.services.common import described

log = logging.getLogger("postprod.jobs")

Progress = Callable[[float, str], None]

# Progress is written at most this often (seconds), so a chatty job does not flood the database.
PROGRESS_INTERVAL = 0.25


@described(has_result="Whether the finished job left a result to fetch.")
class JobView(TypedDict):
    id: int
    kind: str
    status: str
    progress: float
    message: str
    error: str
    production_id: int | None
    created_at: str
    started_at: str | None
    finished_at: str | None
    has_result: bool


def job_dict(job: Job) -> JobView:
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
        "has_result": job.status == JobStatus.DONE and job.result is not None,
    }


def failed(error: PostprodError) -> dict[str, Any]:
    """A failed job's outcome: its error in English (the API's, the command line's) and kept as data in its
    result, for the pages to say in their reader's language (`kept_error`)."""
    return {"status": JobStatus.FAILED, "error": str(error), "result": {"error": error.record()}}


def kept_error(job: Job) -> dict[str, Any] | str:
    """A failed job's error as data to say in a language (errors.said_from), else (an older job) its text."""
    kept = job.result.get("error") if job.status == JobStatus.FAILED and isinstance(job.result, dict) else None
    return kept if isinstance(kept, dict) else job.error


def get_job(session: Session, job_id: int) -> Job:
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound(N_("no job %(job_id)s"), params={"job_id": job_id})
    return job


class _TakenOver(Exception):
    """The job is no longer this run's: it was queued again (its beats had stopped) and taken meanwhile."""


# The jobs this process is running now: its own sweep never takes them for dead, even if a beat was missed.
_running_here: set[int] = set()
_running_lock = threading.Lock()


def running_here() -> set[int]:
    with _running_lock:
        return set(_running_here)


def execute(engine: Engine, job_id: int) -> None:
    """Run a queued job by its id: the work its kind names, with the parameters its row keeps.

    Whoever calls this (a thread of the server, a Celery worker) gets the same behaviour. A job that
    is not queued any more (a broker delivering a message twice, say) is left alone. The work and the
    job's `done` are one transaction, committed only while the job is still this run's (its
    `started_at` unchanged): a run taken for dead and queued again can never record a second result.
    """
    with engine.begin() as conn:
        row = conn.execute(select(Job.kind, Job.params).where(Job.id == job_id)).one_or_none()
        now = utcnow()
        taken = conn.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == JobStatus.QUEUED)
            .values(status=JobStatus.RUNNING, started_at=now, heartbeat_at=now)
        ).rowcount
        claim = conn.execute(select(Job.started_at).where(Job.id == job_id)).scalar() if taken else None
    if row is None or not taken:
        log.warning("job %s: not found or not queued, not run", job_id)
        return
    kind, params = row
    params = {k: v for k, v in dict(params or {}).items() if k != ATTEMPTS}
    work = KINDS.get(kind)
    if work is None:
        unknown = PostprodError(N_("unknown job kind %(kind)r"), params={"kind": kind})
        _end(engine, job_id, claim, **failed(unknown), finished_at=utcnow())
        return
    last = 0.0

    def progress(fraction: float, message: str = "") -> None:
        nonlocal last
        now = time.monotonic()
        if now - last >= PROGRESS_INTERVAL or fraction >= 1.0:
            last = now
            _set_progress(engine, job_id, max(0.0, min(1.0, float(fraction))), message[:500])

    with _running_lock:
        _running_here.add(job_id)
    beat = _Heartbeat(engine, job_id).start()
    try:
        with db.session_scope(engine, actor=str(params.get("actor") or "job")) as session:
            result = work(session, progress, params)
            beat.stop()
            # Once it has run, its parameters are not kept: a cut import carries a whole EDL, an
            # import a whole production document.
            done = {"progress": 1.0, "result": result, "finished_at": utcnow(), "params": None}
            _end_in(session, job_id, claim, status=JobStatus.DONE, **done)
    except _TakenOver:
        log.warning("job %s: queued again and taken by another run meanwhile; this run's work rolled back", job_id)
    except PostprodError as exc:
        beat.stop()
        _end(engine, job_id, claim, **failed(exc), finished_at=utcnow(), params=None)
    except Exception as exc:  # recorded on the job rather than lost in a thread or a worker
        beat.stop()
        log.exception("job %s failed", job_id)
        error = PostprodError(N_("internal error (%(name)s)"), params={"name": type(exc).__name__})
        _end(engine, job_id, claim, **failed(error), finished_at=utcnow(), params=None)
    finally:
        beat.stop()
        with _running_lock:
            _running_here.discard(job_id)


def _mine(job_id: int, claim: Any) -> Any:
    return (Job.id == job_id) & (Job.status == JobStatus.RUNNING) & (Job.started_at == claim)


def _end_in(session: Session, job_id: int, claim: Any, **values: Any) -> None:
    """The job's outcome, in the work's own transaction; _TakenOver (rolling it all back) when not ours."""
    if not session.connection().execute(update(Job).where(_mine(job_id, claim)).values(**values)).rowcount:
        raise _TakenOver(job_id)


def _end(engine: Engine, job_id: int, claim: Any, **values: Any) -> None:
    """The job's outcome (a failure), unless another run has it now."""
    with engine.begin() as conn:
        if not conn.execute(update(Job).where(_mine(job_id, claim)).values(**values)).rowcount:
            log.warning("job %s: queued again and taken by another run meanwhile; this run's outcome dropped", job_id)


HEARTBEAT = config.job_heartbeat()  # seconds between a running job's signs of life (15)
STALE = config.job_stale()  # a running job silent this long is taken for dead (its process stopped) (45)
SWEEP = config.job_sweep()  # how often every server and worker looks for such jobs (10)
MAX_ATTEMPTS = 3  # a job whose process died this many times is failed rather than run again
ATTEMPTS = "_attempts"  # kept in the job's parameters while it waits to run again


class _Heartbeat:
    """Marks a running job alive every HEARTBEAT seconds, from a thread, until stopped.

    Best effort like progress: on SQLite the job's own write transaction may hold the lock, and a
    missed beat only matters after STALE seconds of them (and not at all to this process's own sweep).
    """

    def __init__(self, engine: Engine, job_id: int) -> None:
        self.engine, self.job_id = engine, job_id
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"job-{job_id}-heartbeat", daemon=True)

    def start(self) -> _Heartbeat:
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(HEARTBEAT):
            sqlite = self.engine.dialect.name == "sqlite"
            try:
                with self.engine.begin() as conn:
                    if sqlite:
                        conn.exec_driver_sql("PRAGMA busy_timeout = 50")
                    try:
                        conn.execute(update(Job).where(Job.id == self.job_id).values(heartbeat_at=utcnow()))
                    finally:
                        if sqlite:
                            conn.exec_driver_sql("PRAGMA busy_timeout = 30000")
            except OperationalError:
                log.debug("job %s: heartbeat skipped (database busy)", self.job_id)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def requeue_stale(engine: Engine, stale_seconds: float | None = None, *, skip: set[int] | None = None) -> list[int]:
    """Put back in the queue the jobs marked running that have not beaten for `stale_seconds`; their ids.

    Their process died (a restart, a crash, SIGKILL): a job's work and its outcome are one
    transaction, so it left nothing behind and can simply run again. Jobs running in another live
    process keep beating; `skip` names those this process runs itself. Each row is put back by an
    update that repeats the conditions, so when several servers and workers sweep at once exactly
    one of them gets it (and dispatches it). A job whose process died MAX_ATTEMPTS times fails.
    """
    limit = utcnow() - timedelta(seconds=STALE if stale_seconds is None else stale_seconds)
    silent = (Job.status == JobStatus.RUNNING) & Job.params.is_not(None)
    silent &= Job.heartbeat_at.is_(None) | (Job.heartbeat_at < limit)
    with engine.connect() as conn:
        found = conn.execute(select(Job.id, Job.params, Job.started_at).where(silent)).all()
    ids: list[int] = []
    for job_id, params, started_at in found:
        if skip and job_id in skip:
            continue
        attempts = int((params or {}).get(ATTEMPTS, 0)) + 1
        same_run = Job.started_at.is_(None) if started_at is None else Job.started_at == started_at
        if attempts >= MAX_ATTEMPTS:
            stopped = PostprodError(N_("its process stopped %(n)s times while running it"), params={"n": attempts})
            values: dict[str, Any] = {**failed(stopped), "finished_at": utcnow(), "params": None}
        else:
            values = {
                "status": JobStatus.QUEUED,
                "message": "run again: its process had stopped",
                "params": {**(params or {}), ATTEMPTS: attempts},
            }
        with engine.begin() as conn:
            changed = conn.execute(update(Job).where(silent, Job.id == job_id, same_run).values(**values)).rowcount
        if changed and values["status"] == JobStatus.QUEUED:
            ids.append(job_id)
            log.warning("job %s: no sign of life for %.0f s, queued again", job_id, (utcnow() - limit).total_seconds())
        elif changed:
            log.warning("job %s: its process stopped %d times, failed", job_id, attempts)
    return ids


class JobSweeper:
    """Every SWEEP seconds, queues again the jobs whose process died and dispatches them: in every server and worker.

    A database that cannot be reached for a while only skips rounds.
    """

    def __init__(self, engine: Engine, dispatch: Callable[[int], None], *, interval: float | None = None) -> None:
        self.engine, self.dispatch = engine, dispatch
        self.interval = SWEEP if interval is None else interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="postprod-job-sweep", daemon=True)
        self._snapped: date | None = None  # the Monday whose cost reports this process has frozen

    def start(self) -> JobSweeper:
        self._thread.start()
        return self

    def run_once(self) -> list[int]:
        ids = requeue_stale(self.engine, skip=running_here())
        for job_id in ids:
            self.dispatch(job_id)
        self.weekly()
        return ids

    def weekly(self, today: date | None = None) -> None:
        """Each Monday, the weekly cost snapshots (services/costs.weekly_snapshots), once per process and day."""
        today = today or date.today()
        if today.weekday() != 0 or self._snapped == today:
            return
        from postprod.services import costs  # the budget's services only for this weekly round

        with db.session_scope(self.engine, actor="weekly cost report") as s:
            costs.weekly_snapshots(s, today)
        self._snapped = today

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.run_once()
            except Exception:  # a database restart must not end the sweeping
                log.warning("job sweep skipped", exc_info=True)

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)


def _set_progress(engine: Engine, job_id: int, fraction: float, message: str) -> None:
    """Record progress if the database lets us at once; it is advisory, so a busy database skips it.

    On SQLite a job that has started writing holds the only write lock until it commits: waiting
    for it from the same job would dead-lock, so the progress write gives up after 50 ms.
    """
    sqlite = engine.dialect.name == "sqlite"
    try:
        with engine.begin() as conn:
            if sqlite:
                conn.exec_driver_sql("PRAGMA busy_timeout = 50")
            try:
                conn.execute(update(Job).where(Job.id == job_id).values(progress=fraction, message=message))
            finally:
                if sqlite:
                    conn.exec_driver_sql("PRAGMA busy_timeout = 30000")
    except OperationalError:
        log.debug("job %s: progress not recorded (database busy)", job_id)


class JobRunner:
    """Queues jobs in the job table and runs them in a small thread pool of this process (the default)."""

    def __init__(self, engine: Engine, workers: int = 2) -> None:
        self.engine = engine
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="postprod-job")
        self._futures: dict[int, Future[None]] = {}
        self._lock = threading.Lock()
        self._sweeper: JobSweeper | None = None

    def submit(
        self,
        session: Session,
        kind: str,
        params: dict[str, Any],
        *,
        production_id: int | None = None,
        user_id: int | None = None,
        actor: str | None = None,
    ) -> Job:
        """Queue a job of a kind (see jobs.kinds); it starts once the caller's transaction has committed."""
        if kind not in KINDS:
            raise ValueError(f"unknown job kind {kind!r}")
        who = actor or str(session.info.get("actor") or "unknown")
        job = Job(
            kind=kind,
            status=JobStatus.QUEUED,
            production_id=production_id,
            user_id=user_id,
            params={"actor": who, **params},
        )
        session.add(job)
        session.flush()
        job_id = job.id

        def start(_s: Session) -> None:
            self.dispatch(job_id)

        event.listen(session, "after_commit", start, once=True)
        return job

    def resume_queued(self) -> list[int]:
        """Dispatch the jobs still queued (a server that stopped before running them): their rows hold all.

        Safe with several servers or a broker that kept the message: a job runs only once (execute()).
        Jobs left `running` by a process that died (no heartbeat for STALE seconds) are queued again.
        """
        requeue_stale(self.engine, skip=running_here())
        with self.engine.connect() as conn:
            ids = list(conn.execute(select(Job.id).where(Job.status == JobStatus.QUEUED).order_by(Job.id)).scalars())
        for job_id in ids:
            self.dispatch(job_id)
        return ids

    def dispatch(self, job_id: int) -> None:
        """Hand a committed, queued job to whatever runs jobs: here, a thread of this process."""
        with self._lock:
            self._futures[job_id] = self._pool.submit(execute, self.engine, job_id)

    def wait(self, job_id: int, timeout: float | None = None) -> None:
        """Block until a job this runner started has finished (tests and the CLI use it)."""
        with self._lock:
            fut = self._futures.get(job_id)
        if fut is not None:
            fut.result(timeout=timeout)

    def start_sweeping(self, interval: float | None = None) -> None:
        """Look for jobs whose process died every `interval` seconds while this runner lives (the server does)."""
        if self._sweeper is None:
            self._sweeper = JobSweeper(self.engine, self.dispatch, interval=interval).start()

    def shutdown(self) -> None:
        if self._sweeper is not None:
            self._sweeper.stop()
        self._pool.shutdown(wait=True, cancel_futures=False)
