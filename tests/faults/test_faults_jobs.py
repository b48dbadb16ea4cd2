"""Jobs whose process died: put back by any live server or worker within a minute, run again once, one result."""

from __future__ import annotations

import os
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from faults_support import Output, free_port, fresh_database, long_tone, postprod, stop, wait_healthy
from sqlalchemy import Engine, func, select

import postprod.jobs.runner as jobs_mod
from postprod import db
from postprod.model import Job, JobStatus
from postprod.model.base import utcnow
from postprod.model.deliverables import QcRun

REDIS = os.environ.get("POSTPROD_TEST_REDIS", "redis://127.0.0.1:6379/15")
# Beats, death and sweeps fast enough for a test (the defaults are 15 s, 45 s and 10 s).
FAST = {"POSTPROD_JOB_HEARTBEAT": "0.5", "POSTPROD_JOB_STALE": "3", "POSTPROD_JOB_SWEEP": "1"}


def _dead_job(engine: Engine) -> int:
    with db.session_scope(engine, actor="t") as s:
        job = Job(kind="production-export", status=JobStatus.RUNNING, params={"production_id": 1, "actor": "t"},
                  heartbeat_at=utcnow() - timedelta(seconds=600), started_at=utcnow() - timedelta(seconds=900))  # fmt: skip
        s.add(job)
        s.flush()
        return job.id


def test_servers_sweeping_at_once_put_a_dead_job_back_exactly_once(engine: Engine) -> None:
    job_id = _dead_job(engine)
    barrier = threading.Barrier(4)
    got: list[list[int]] = []

    def sweep() -> None:
        barrier.wait()
        got.append(jobs_mod.requeue_stale(engine, 45))

    threads = [threading.Thread(target=sweep) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(got, key=len) == [[], [], [], [job_id]], got  # one sweeper has it (and dispatches it)
    with engine.connect() as conn:
        status, params = conn.execute(select(Job.status, Job.params).where(Job.id == job_id)).one()
    assert status == JobStatus.QUEUED and params[jobs_mod.ATTEMPTS] == 1


def test_a_job_whose_process_keeps_dying_fails_rather_than_looping(engine: Engine) -> None:
    job_id = _dead_job(engine)
    for _attempt in range(1, jobs_mod.MAX_ATTEMPTS):
        assert jobs_mod.requeue_stale(engine, 45) == [job_id]
        with engine.begin() as conn:  # taken again, and its process died again
            conn.execute(jobs_mod.update(Job).where(Job.id == job_id).values(status=JobStatus.RUNNING))
    assert jobs_mod.requeue_stale(engine, 45) == []
    with engine.connect() as conn:
        status, error = conn.execute(select(Job.status, Job.error).where(Job.id == job_id)).one()
    assert status == JobStatus.FAILED and "stopped 3 times" in error


def test_the_sweep_of_a_live_server_runs_a_dead_job_within_seconds(engine: Engine, monkeypatch) -> None:  # noqa: ANN001
    """Not only at the next start: the sweeper of a running server takes it (here every 0.2 s, 1 s silence)."""
    from postprod.jobs.kinds import KINDS

    monkeypatch.setattr(jobs_mod, "STALE", 1.0)
    job_id = _dead_job(engine)
    runner = jobs_mod.JobRunner(engine)
    ran = threading.Event()

    def export(_s, _progress, _p):  # noqa: ANN001, ANN202
        ran.set()
        return {"ok": True}

    monkeypatch.setitem(KINDS, "production-export", export)
    runner.start_sweeping(interval=0.2)
    try:
        assert ran.wait(30), "the sweeper did not run the dead job"
        runner.wait(job_id, 30)
    finally:
        runner.shutdown()
    with engine.connect() as conn:
        assert conn.execute(select(Job.status).where(Job.id == job_id)).scalar() == JobStatus.DONE


def test_a_run_taken_for_dead_and_redone_records_one_result(engine: Engine, monkeypatch) -> None:  # noqa: ANN001
    """A slow run queued again and finished by another: when the slow one ends, its work is rolled back."""
    from postprod.jobs.kinds import KINDS

    first_may_end = threading.Event()
    calls: list[int] = []

    def work(s, _progress, p):  # noqa: ANN001, ANN202
        calls.append(1)
        if len(calls) == 1:
            assert first_may_end.wait(60)
        s.add(Job(kind="marker", status=JobStatus.DONE, params=None, message=f"run {len(calls)}"))
        return {"run": len(calls)}

    monkeypatch.setitem(KINDS, "test-slow", work)
    with db.session_scope(engine, actor="t") as s:
        job = Job(kind="test-slow", status=JobStatus.QUEUED, params={"actor": "t"})
        s.add(job)
        s.flush()
        job_id = job.id
    slow = threading.Thread(target=jobs_mod.execute, args=(engine, job_id))
    slow.start()
    deadline = time.monotonic() + 30
    while not calls:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert jobs_mod.requeue_stale(engine, 0) == [job_id]  # its beats taken for lost: queued again
    jobs_mod.execute(engine, job_id)  # and run by another process
    first_may_end.set()
    slow.join(60)
    with engine.connect() as conn:
        markers = conn.execute(select(Job.message).where(Job.kind == "marker")).scalars().all()
        status, result = conn.execute(select(Job.status, Job.result).where(Job.id == job_id)).one()
    assert markers == ["run 2"] and status == JobStatus.DONE and result == {"run": 2}


def _qc_world(url: str, tmp_path: Path, seconds: int = 150) -> tuple[int, str, str]:
    """The demo production on the database, a supervisor's token, a deliverable whose QC takes several seconds."""
    from postprod.services import deliverables
    from postprod.services.demo import create_demo
    from postprod.services.users import create_demo_users, create_token, get_user

    engine = db.make_engine(url)
    db.migrate(engine)
    with db.session_scope(engine, actor="fixture") as s:
        prod, _ = create_demo(s)
        create_demo_users(s, prod)
        token = create_token(s, get_user(s, "supervisor"), "faults")[1]
        tone = long_tone(tmp_path / "printmaster.wav", seconds)
        d = deliverables.add_deliverable(
            s, prod, name="Printmaster", spec="dcp-audio", file=str(tone), roots=[tmp_path.resolve()]
        )
        pid, name = prod.id, d.name
    engine.dispose()
    return pid, token, name


def _wait_mid_job(engine: Engine, job_id: int, timeout: float = 120) -> None:
    """Until the job is running with some progress recorded (QC under way)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            status, progress = conn.execute(select(Job.status, Job.progress).where(Job.id == job_id)).one()
        if status == JobStatus.RUNNING and progress > 0:
            return
        assert status in (JobStatus.QUEUED, JobStatus.RUNNING), status
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} not under way after {timeout} s")


def _wait_done(engine: Engine, job_id: int, timeout: float = 180) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        with engine.connect() as conn:
            status = conn.execute(select(Job.status).where(Job.id == job_id)).scalar()
        if status in (JobStatus.DONE, JobStatus.FAILED):
            return time.monotonic() - start
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} not finished after {timeout} s")


def _outcome(engine: Engine, job_id: int) -> tuple[JobStatus, int, str]:
    with engine.connect() as conn:
        status, error = conn.execute(select(Job.status, Job.error).where(Job.id == job_id)).one()
        runs = conn.execute(select(func.count()).select_from(QcRun)).scalar_one()
    return status, runs, error


def test_a_server_killed_mid_qc_leaves_the_job_to_a_live_server(backend: str, tmp_path: Path) -> None:
    import httpx

    with fresh_database(backend, tmp_path) as url:
        pid, token, name = _qc_world(url, tmp_path)
        env = dict(os.environ, POSTPROD_DATABASE_URL=url, POSTPROD_MEDIA_ROOTS=str(tmp_path), **FAST)
        env.pop("POSTPROD_BROKER_URL", None)
        ports = [free_port(), free_port()]
        procs = [postprod(["serve", "--port", str(p)], env, cwd=tmp_path) for p in ports]
        outs = [Output(p) for p in procs]
        engine = db.make_engine(url)
        try:
            for port, proc in zip(ports, procs, strict=True):
                wait_healthy(port, proc, 120)
            made = httpx.post(
                f"http://127.0.0.1:{ports[0]}/api/v1/productions/{pid}/deliverables/{name}/qc-jobs",
                headers={"Authorization": f"Bearer {token}"},
                timeout=30,
            )
            assert made.status_code == 202, made.text
            job_id = made.json()["id"]
            _wait_mid_job(engine, job_id)
            stop(procs[0], outs[0])  # SIGKILL the server running the QC
            took = _wait_done(engine, job_id)
            status, runs, error = _outcome(engine, job_id)
            assert status == JobStatus.DONE and runs == 1, (status, runs, error)
            assert took < 60, f"the live server took {took:.0f} s to finish the job"
        finally:
            stop(procs[1], outs[1])
            engine.dispose()


def test_a_celery_worker_killed_mid_qc_the_job_runs_again_once(tmp_path: Path) -> None:
    pytest.importorskip("celery")
    import redis

    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001 - any failure means no broker here
        if os.environ.get("POSTPROD_REQUIRE_REDIS") == "1":
            pytest.fail(f"Redis not reachable at {REDIS}: {type(exc).__name__}")
        pytest.skip(f"Redis not reachable at {REDIS}")
    from postprod.jobs import CeleryJobs

    with fresh_database("postgresql", tmp_path) as url:
        pid, _token, name = _qc_world(url, tmp_path)
        queue = f"postprod-fault-{uuid.uuid4().hex[:8]}"
        env = dict(os.environ, POSTPROD_DATABASE_URL=url, POSTPROD_BROKER_URL=REDIS, POSTPROD_JOB_QUEUE=queue, **FAST)
        env["POSTPROD_MEDIA_ROOTS"] = str(tmp_path)
        engine = db.make_engine(url)
        first = postprod(["worker", "--concurrency", "1"], env, cwd=tmp_path)
        first_out = Output(first)
        second = None
        try:
            first_out.wait_for("ready", 120)
            runner = CeleryJobs(engine, REDIS, queue=queue)
            from postprod.services import deliverables as dlv
            from postprod.services.common import get_production

            with db.session_scope(engine, actor="test") as s:
                target = dlv.qc_target(s, get_production(s, pid), name, roots=[tmp_path.resolve()])
                params = {"production_id": pid, **target.params()}
                job_id = runner.submit(s, "deliverable-qc", params, production_id=pid).id
            _wait_mid_job(engine, job_id)
            stop(first, first_out)  # SIGKILL the whole worker, pool process and all, mid-QC
            second = postprod(["worker", "--concurrency", "1"], env, cwd=tmp_path)
            second_out = Output(second)
            took = _wait_done(engine, job_id)
            status, runs, error = _outcome(engine, job_id)
            assert status == JobStatus.DONE and runs == 1, (status, runs, error, second_out.lines[-20:])
            assert took < 90, f"{took:.0f} s to run the job again"
            # the message of the killed run, were the broker to deliver it again, runs nothing
            jobs_mod.execute(engine, job_id)
            assert _outcome(engine, job_id)[1] == 1
        finally:
            if first.poll() is None:
                stop(first, first_out)
            if second is not None:
                stop(second, second_out)
            engine.dispose()
