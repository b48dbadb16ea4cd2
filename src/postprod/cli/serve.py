"""`postprod serve`: the web app and REST API on Uvicorn."""

from __future__ import annotations

import threading
import webbrowser

import typer

from postprod import config, db
from postprod.cli._common import console, note, table
from postprod.db import session_scope, wait_for_engine
from postprod.errors import PostprodError

DbWaitOpt = typer.Option(
    None,
    "--db-wait",
    min=0,
    help="Seconds to wait for an unreachable database before giving up (default: wait until it comes).",
)


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", min=1, max=65535),
    demo: bool = typer.Option(
        False,
        "--demo",
        help="Set up the demo production and one user per role first (random passwords unless on loopback).",
    ),
    open_browser: bool = typer.Option(False, "--open", help="Open the app in the browser once it listens."),
    db_wait: float | None = DbWaitOpt,
    workers: int = typer.Option(
        1,
        "--workers",
        "-w",
        min=1,
        max=64,
        help="Server processes sharing the port (one per core is a good start); each runs the whole app.",
    ),
) -> None:
    """Serve the web app and the REST API (/api/v1, OpenAPI at /api/v1/openapi.json)."""
    # The web stack and the demo's services: only `serve` loads them (`worker` loads Celery instead).
    import uvicorn

    from postprod.app import create_app
    from postprod.media_roots import local_roots
    from postprod.services.demo import MEDIA_FOLDER, add_demo_approvals, create_demo
    from postprod.services.sign_in import demo_passwords, is_loopback_host
    from postprod.services.users import create_demo_users

    engine = wait_for_engine(db_wait, say=note)  # a database that starts after the server is waited for
    if demo:
        with session_scope(engine, actor="postprod") as s:
            prod, created = create_demo(s, media=local_roots()[0] / MEDIA_FOLDER)
            accounts = create_demo_users(s, prod, demo_passwords(host))
            if created:
                add_demo_approvals(s, prod)
            title = prod.title
        table(
            f"Demo production {title!r}: sign in as",
            ["Username", "Password", "Role"],
            [(a["username"], a["password"], a["role"]) for a in accounts],
        )
        if not is_loopback_host(host):
            console.print(
                f"[bold]{host} is reachable from other machines: the demo accounts got the random passwords "
                "above (shown this once), not the documented ones.[/bold]"
            )
    url = f"http://{host}:{port}"
    processes = f", {workers} processes" if workers > 1 else ""
    console.print(
        f"postprod on {url}  (API {url}/api/v1, OpenAPI {url}/api/v1/openapi.json{processes}); Ctrl-C stops it"
    )
    if open_browser:
        threading.Timer(1.0, lambda: webbrowser.open(url)).start()
    if workers == 1:
        uvicorn.run(create_app(engine=engine), host=host, port=port, log_level="warning")
        return
    # Several processes: Uvicorn starts each one, which builds its own app with the factory, on the database
    # of POSTPROD_DATABASE_URL (migrated above, so each process only checks the schema is there).
    engine.dispose()
    db.reset_engines()
    uvicorn.run("postprod.app:create_app", factory=True, workers=workers, host=host, port=port, log_level="warning")


def worker(
    concurrency: int = typer.Option(2, "--concurrency", "-c", min=1, max=64, help="Jobs run at once."),
    db_wait: float | None = DbWaitOpt,
) -> None:
    """Run jobs (QC, imports, plans) for the server: a Celery worker on POSTPROD_BROKER_URL.

    Needs the same POSTPROD_DATABASE_URL (and POSTPROD_JOB_QUEUE, if set) as the server, and
    `pip install 'postprod[workers]'`.
    """
    url = config.broker_url()
    if not url:
        raise PostprodError("POSTPROD_BROKER_URL is not set: jobs run in the server's own threads, no worker needed")
    try:
        # Celery is an optional extra: imported here, so that its absence is one line, not a traceback.
        from postprod.jobs.worker import make_celery, sweep_in_worker_processes

        app = make_celery(url, queue=config.job_queue())
    except ImportError:
        raise PostprodError("Celery is not installed: pip install 'postprod[workers]'") from None

    db.wait_for_engine(db_wait, say=note)  # the schema is there before any job is taken
    db.reset_engines()  # no connection of this process is inherited by the forked pool processes
    sweep_in_worker_processes(app)  # each pool process puts back the jobs of workers that died
    console.print(f"postprod worker on {url}, queue {config.job_queue()} ({concurrency} at once); Ctrl-C stops it")
    app.worker_main(["worker", "--loglevel=INFO", f"--concurrency={concurrency}", "--pool=prefork"])
