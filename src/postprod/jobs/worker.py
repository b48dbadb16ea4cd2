"""The Celery side of jobs: one task, `postprod.run_job(job_id)`, that runs a queued job from its row.

Start workers with `postprod worker` (POSTPROD_BROKER_URL and POSTPROD_DATABASE_URL set as for the
server). Messages carry only the job's id: the row holds the kind and the parameters, the progress
and the outcome, so the API reads a job the same way whoever runs it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from postprod import db
from postprod.jobs.runner import JobSweeper, execute

RUN_JOB = "postprod.run_job"


def make_celery(broker_url: str, engine: Engine | None = None, queue: str = "postprod") -> Any:
    """A Celery app on the broker and queue; its task uses `engine`, or the configured database when None."""
    from celery import Celery  # an optional extra (`postprod[workers]`): loaded only with a broker configured

    app = Celery("postprod", broker=broker_url)
    app.conf.update(
        task_default_queue=queue,
        task_serializer="json",
        accept_content=["json"],
        task_acks_late=True,  # a worker that dies mid-job leaves the message for another
        worker_prefetch_multiplier=1,  # jobs are long: one at a time per worker process
        task_ignore_result=True,  # the outcome is in the job table
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
    )

    @app.task(name=RUN_JOB, shared=False)  # each app its own: a dispatcher's must not shadow a worker's
    def run_job(job_id: int) -> None:
        execute(engine if engine is not None else db.get_engine(), int(job_id))

    return app


def sweep_in_worker_processes(app: Any) -> None:
    """Each pool process of this worker sweeps for jobs whose process died, and sends them to the queue again.

    Started once the process is forked (Celery's worker_process_init), so that it has its own
    database connections; any number of workers and servers may sweep at once.
    """
    from celery.signals import worker_process_init  # the optional extra, as above

    def start(**_kwargs: Any) -> None:
        db.reset_engines(close=False)
        JobSweeper(db.get_engine(), lambda job_id: app.send_task(RUN_JOB, args=[job_id])).start()

    worker_process_init.connect(start, weak=False)
