"""The job runner for the API when REDIS_URL is set: jobs go to Celery workers."""

from __future__ import annotations

import logging

import redis

from pdf2audiobook.service.kit.settings import Settings
from pdf2audiobook.service.worker.app import create_celery
from pdf2audiobook.service.worker.enqueue import CeleryEnqueuer

logger = logging.getLogger(__name__)

PING_TIMEOUT_SECONDS = 2.0


class CeleryRunner:
    """Sends a committed job's first task. Picking up orphaned jobs is beat's work."""

    def __init__(self, settings: Settings) -> None:
        if not settings.redis_url:
            raise ValueError("CeleryRunner needs REDIS_URL")
        self._redis_url = settings.redis_url
        self._app = create_celery(settings)
        self._enqueue = CeleryEnqueuer(self._app, settings)

    def start(self) -> None:
        """Nothing to start: the workers and beat are their own processes."""

    def submit(self, job_id: str, password: str | None) -> None:
        try:
            self._enqueue.extract(job_id, password)
        except Exception:
            # The job is committed as pending; beat's reconciler sends it once Redis is
            # back (a password job then fails asking for its password).
            logger.exception("could not queue job %s; the reconciler will retry", job_id)

    def shutdown(self) -> None:
        self._app.close()

    def check(self) -> None:
        client = redis.Redis.from_url(
            self._redis_url,
            socket_connect_timeout=PING_TIMEOUT_SECONDS,
            socket_timeout=PING_TIMEOUT_SECONDS,
        )
        try:
            client.ping()
        finally:
            client.close()
