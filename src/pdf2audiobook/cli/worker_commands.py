"""`pdf2audiobook worker` and `pdf2audiobook beat`: Celery's own commands with our settings.

Thin on purpose: the settings live in `service.worker.config`, so a worker started
here and one started with `celery -A pdf2audiobook.service.worker.main worker` behave alike.
"""

from __future__ import annotations

from typing import Annotated

import typer


def _celery_app() -> object:
    from pdf2audiobook.service.kit.settings import get_settings
    from pdf2audiobook.service.worker.app import create_celery
    from pdf2audiobook.service.worker.config import CeleryNotConfiguredError

    try:
        return create_celery(get_settings())
    except CeleryNotConfiguredError as error:
        typer.echo(f"Error: {error}", err=True)
        raise typer.Exit(2) from error


def worker(
    concurrency: Annotated[
        int | None,
        typer.Option(help="Worker processes; by default one per CPU (each uses one core)."),
    ] = None,
    loglevel: Annotated[str, typer.Option(help="debug, info, warning or error.")] = "info",
    hostname: Annotated[
        str | None, typer.Option(help="A name for this worker, unique per machine.")
    ] = None,
) -> None:
    """Run a Celery worker for conversion jobs (needs REDIS_URL)."""
    from celery import Celery

    from pdf2audiobook.service.worker.config import QUEUE_CHAPTERS, QUEUE_JOBS

    app = _celery_app()
    assert isinstance(app, Celery)
    # Jobs are coordinated through the database, not worker-to-worker messages: mingle
    # (which syncs revoked task ids at start) and gossip only add start-up time and chatter.
    argv = [
        "worker",
        f"--loglevel={loglevel}",
        f"--queues={QUEUE_JOBS},{QUEUE_CHAPTERS}",
        "--without-mingle",
        "--without-gossip",
    ]
    if concurrency is not None:
        argv.append(f"--concurrency={concurrency}")
    if hostname is not None:
        argv.append(f"--hostname={hostname}")
    app.worker_main(argv)


def beat(
    loglevel: Annotated[str, typer.Option(help="debug, info, warning or error.")] = "info",
) -> None:
    """Run the scheduler: the reconciler and the daily clean-up (one per deployment)."""
    from celery import Celery

    from pdf2audiobook.service.kit.settings import get_settings

    app = _celery_app()
    assert isinstance(app, Celery)
    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    schedule = settings.data_dir / "celerybeat-schedule"
    app.start(["beat", f"--loglevel={loglevel}", f"--schedule={schedule}"])
