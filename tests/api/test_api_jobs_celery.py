"""Jobs on Celery workers (Redis broker): the API queues, a worker runs, the job table tells the outcome.

Needs Redis at 127.0.0.1:6379 (POSTPROD_TEST_REDIS overrides); skipped without it unless
POSTPROD_REQUIRE_REDIS=1. The worker runs in a thread of the test on its own queue.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from api_world import World

from postprod.jobs import CeleryJobs, execute
from postprod.jobs.worker import make_celery

REDIS = os.environ.get("POSTPROD_TEST_REDIS", "redis://127.0.0.1:6379/15")


def _redis_or_skip() -> None:
    try:
        import redis

        redis.Redis.from_url(REDIS, socket_connect_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001 - any failure means no broker here
        reason = f"Redis not reachable at {REDIS}: {type(exc).__name__}"
        if os.environ.get("POSTPROD_REQUIRE_REDIS") == "1":
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture
def celery_world(world: World) -> Iterator[World]:
    _redis_or_skip()
    from celery.contrib.testing.worker import start_worker

    queue = f"postprod-test-{uuid.uuid4().hex[:8]}"
    world.app.state.jobs.shutdown()
    world.app.state.jobs = CeleryJobs(world.engine, REDIS, queue=queue)
    worker_app = make_celery(REDIS, engine=world.engine, queue=queue)
    with start_worker(worker_app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        yield world


def test_jobs_run_on_a_celery_worker(celery_world: World) -> None:
    w = celery_world
    c = w.client("S")
    runner = w.app.state.jobs
    assert isinstance(runner, CeleryJobs)

    job = c.post(w.url("/productions/{pid}/export-jobs")).json()
    assert job["status"] == "queued"
    runner.wait(job["id"], 60)
    state = c.get(w.url(f"/jobs/{job['id']}")).json()
    assert state["status"] == "done" and state["progress"] == 1.0 and state["has_result"], state
    doc = c.get(w.url(f"/jobs/{job['id']}/result")).json()
    tasks = c.get(w.url("/productions/{pid}")).json()["tasks"]
    assert len(doc["tasks"]) == tasks > 0

    # a failing job carries its one-line error back through the table
    imp = c.post(w.url("/productions/import"), params={"title": "Copie"}, json=doc).json()
    runner.wait(imp["id"], 60)
    assert c.get(w.url(f"/jobs/{imp['id']}")).json()["status"] == "done"
    again = c.post(w.url("/productions/import"), params={"title": "Copie"}, json=doc).json()
    runner.wait(again["id"], 60)
    failed = c.get(w.url(f"/jobs/{again['id']}")).json()
    assert failed["status"] == "failed" and "Copie" in failed["error"]

    # a message delivered twice does not run the job twice
    execute(w.engine, job["id"])
    assert c.get(w.url(f"/jobs/{job['id']}")).json()["finished_at"] == state["finished_at"]


def test_postprod_worker_command_runs_jobs(tmp_path, sqlite_template) -> None:
    """`postprod worker` as its own process, on the same SQLite file as the server side."""
    import shutil
    import subprocess
    import sys
    import time

    from postprod import db
    from postprod.services.demo import create_demo

    _redis_or_skip()
    path = tmp_path / "w.db"
    shutil.copy(sqlite_template, path)
    url = f"sqlite:///{path}"
    engine = db.make_engine(url)
    with db.session_scope(engine, actor="test") as s:
        prod, _ = create_demo(s)
        pid = prod.id
    queue = f"postprod-test-{uuid.uuid4().hex[:8]}"
    env = dict(os.environ, POSTPROD_DATABASE_URL=url, POSTPROD_BROKER_URL=REDIS, POSTPROD_JOB_QUEUE=queue)
    worker = subprocess.Popen(
        [sys.executable, "-m", "postprod.cli.main", "worker", "--concurrency", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        runner = CeleryJobs(engine, REDIS, queue=queue)
        with db.session_scope(engine, actor="test") as s:
            job_id = runner.submit(s, "production-export", {"production_id": pid}, production_id=pid).id
        start = time.monotonic()
        runner.wait(job_id, 90)
        from postprod.model import Job

        with db.session_scope(engine) as s:
            job = s.get(Job, job_id)
            assert job is not None and job.status.value == "done", (job and job.error, worker.poll())
            assert job.result["production"]["title"] and job.params is None  # not kept once run
        assert time.monotonic() - start < 90
    finally:
        worker.terminate()
        out = worker.communicate(timeout=30)[0]
        engine.dispose()
    assert "postprod worker on" in out and queue in out


def test_worker_without_a_broker_says_so(monkeypatch) -> None:
    from typer.testing import CliRunner

    from postprod.cli.main import app

    monkeypatch.delenv("POSTPROD_BROKER_URL", raising=False)
    res = CliRunner().invoke(app, ["worker"])
    assert res.exit_code == 2 and "POSTPROD_BROKER_URL is not set" in res.output
