"""What `/metrics` reads at scrape time rather than counts: jobs by status from the
database and the length of Celery's queues in Redis."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

import redis
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.orm import Session, sessionmaker

from pdf2audiobook.service.kit.db import session_scope
from pdf2audiobook.service.metrics.repository import MetricsRepository
from pdf2audiobook.service.models import JobStatus

logger = logging.getLogger(__name__)

REDIS_TIMEOUT_SECONDS = 1.0
# kombu keeps a queue's prioritised messages in lists named after it with these suffixes.
_PRIORITY_SUFFIXES = ("", "\x06\x163", "\x06\x166", "\x06\x169")


class ScrapeTimeCollector(Collector):
    """Gauges computed when scraped: one grouped count on the jobs table, and one LLEN per
    Celery queue when REDIS_URL is set. A source that cannot be reached is left out of the
    scrape (and logged) instead of failing it."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        redis_url: str | None = None,
        queues: Sequence[str] = (),
    ) -> None:
        self._sessions = sessions
        self._redis_url = redis_url
        self._queues = tuple(queues)

    def collect(self) -> Iterable[GaugeMetricFamily]:
        yield from self._jobs()
        if self._redis_url and self._queues:
            yield from self._celery_queues(self._redis_url)

    def _jobs(self) -> Iterable[GaugeMetricFamily]:
        try:
            with session_scope(self._sessions) as session:
                counts = MetricsRepository(session).jobs_by_status()
        except Exception:
            logger.warning("metrics: could not count jobs", exc_info=True)
            return
        jobs = GaugeMetricFamily(
            "pdf2audiobook_jobs", "Jobs in the database, by status.", labels=["status"]
        )
        for status, count in counts.items():
            jobs.add_metric([status.value], count)
        yield jobs
        yield GaugeMetricFamily(
            "pdf2audiobook_jobs_waiting",
            "Jobs submitted and not yet started (the service's own queue depth).",
            value=counts[JobStatus.PENDING],
        )

    def _celery_queues(self, redis_url: str) -> Iterable[GaugeMetricFamily]:
        client = redis.Redis.from_url(
            redis_url,
            socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
            socket_timeout=REDIS_TIMEOUT_SECONDS,
        )
        try:
            pipeline = client.pipeline(transaction=False)
            for queue in self._queues:
                for suffix in _PRIORITY_SUFFIXES:
                    pipeline.llen(queue + suffix)
            lengths = pipeline.execute()
        except redis.RedisError:
            logger.warning("metrics: could not read the Celery queues", exc_info=True)
            return
        finally:
            client.close()
        family = GaugeMetricFamily(
            "pdf2audiobook_celery_queue_length",
            "Messages waiting in a Celery queue in Redis.",
            labels=["queue"],
        )
        per_queue = len(_PRIORITY_SUFFIXES)
        for index, queue in enumerate(self._queues):
            family.add_metric([queue], sum(lengths[index * per_queue : (index + 1) * per_queue]))
        yield family
