"""The Celery settings: broker, serialisation, queues, task names and reliability.

Why each setting (measured with real workers and Redis on one machine):
- Late acks with reject-on-worker-lost: a task whose worker process is killed (OOM, kill -9)
  goes back to the queue instead of being lost; our own attempt count on the job and
  chapter rows stops a poison job from looping.
- Prefetch 1: tasks are long; a worker must not hoard messages another worker could run.
- Time limits per task, scaled by its work (`time_limits.py`), all under the visibility
  timeout, so Redis never hands a running task's message to a second worker.
- Child recycling: PDF and speech libraries hold memory; a fresh process every few
  chapters, or when it grows too big, keeps a long-running worker healthy.
- Soft shutdown: a deploy gives running tasks time to finish or hand their message back.
- Cancelling long-running tasks on connection loss: after a broker blip the message is
  redelivered, so the old run must not carry on beside the new one.
- JSON only: no pickle crosses Redis.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from celery.schedules import crontab

from pdf2audiobook.service.jobs.runners.housekeeping import CLEAN_UP_HOUR_UTC
from pdf2audiobook.service.jobs.runners.time_limits import VISIBILITY_TIMEOUT_SECONDS
from pdf2audiobook.service.kit.settings import Settings

QUEUE_JOBS = "pdf2audiobook.jobs"
"""Extraction, assembly and housekeeping: short or first-in-line work."""
QUEUE_CHAPTERS = "pdf2audiobook.chapters"
"""One message per chapter; a separate queue so a long book does not hold up the next
book's extraction (workers take from both in turn)."""

TASK_EXTRACT = "pdf2audiobook.extract"
TASK_SYNTHESISE = "pdf2audiobook.synthesise_chapter"
TASK_ASSEMBLE = "pdf2audiobook.assemble_job"
TASK_RECONCILE = "pdf2audiobook.reconcile"
TASK_CLEAN_UP = "pdf2audiobook.clean_up"
REQUEST_ID_HEADER = "pdf2audiobook_request_id"
"""The message header naming the request that started a job, for its stages' log lines."""

MAX_TASKS_PER_CHILD = 20
MAX_MEMORY_PER_CHILD_KIB = 1_500_000
SOFT_SHUTDOWN_SECONDS = 60.0
DEFAULT_TIME_LIMIT_SECONDS = 30 * 60
"""For tasks sent without limits of their own (housekeeping); job stages always carry theirs."""


class CeleryNotConfiguredError(RuntimeError):
    """REDIS_URL is not set, so there is no broker to run workers on."""


def celery_config(settings: Settings) -> dict[str, Any]:
    if not settings.redis_url:
        raise CeleryNotConfiguredError(
            "REDIS_URL is not set: Celery workers need Redis. Without it, `pdf2audiobook "
            "serve` runs jobs in its own processes."
        )
    return {
        "broker_url": settings.redis_url,
        "broker_connection_retry_on_startup": True,
        "broker_transport_options": {
            "visibility_timeout": VISIBILITY_TIMEOUT_SECONDS,
            "socket_connect_timeout": 5,
            "socket_timeout": 30,
            "retry_on_timeout": True,
            "health_check_interval": 30,
        },
        "visibility_timeout": VISIBILITY_TIMEOUT_SECONDS,
        # Enqueueing from a request must fail fast when Redis is down; the job stays pending
        # and the reconciler sends it when Redis is back.
        "task_publish_retry_policy": {
            "max_retries": 2,
            "interval_start": 0,
            "interval_step": 0.5,
            "interval_max": 1,
        },
        "task_serializer": "json",
        "result_serializer": "json",
        "event_serializer": "json",
        "accept_content": ["json"],
        "task_ignore_result": True,
        "task_time_limit": DEFAULT_TIME_LIMIT_SECONDS,
        "task_soft_time_limit": DEFAULT_TIME_LIMIT_SECONDS - 5 * 60,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "task_acks_on_failure_or_timeout": True,
        "worker_prefetch_multiplier": 1,
        "worker_max_tasks_per_child": MAX_TASKS_PER_CHILD,
        "worker_max_memory_per_child": MAX_MEMORY_PER_CHILD_KIB,
        "worker_soft_shutdown_timeout": SOFT_SHUTDOWN_SECONDS,
        "worker_cancel_long_running_tasks_on_connection_loss": True,
        "worker_hijack_root_logger": False,
        "task_default_queue": QUEUE_JOBS,
        "task_routes": {
            TASK_SYNTHESISE: {"queue": QUEUE_CHAPTERS},
            TASK_EXTRACT: {"queue": QUEUE_JOBS},
            TASK_ASSEMBLE: {"queue": QUEUE_JOBS},
            TASK_RECONCILE: {"queue": QUEUE_JOBS},
            TASK_CLEAN_UP: {"queue": QUEUE_JOBS},
        },
        "beat_schedule": {
            "reconcile": {
                "task": TASK_RECONCILE,
                "schedule": timedelta(seconds=settings.reconcile_seconds),
                # A reconcile that waited longer than its own period is out of date.
                "options": {"expires": settings.reconcile_seconds},
            },
            "clean-up": {
                "task": TASK_CLEAN_UP,
                "schedule": crontab(hour=CLEAN_UP_HOUR_UTC, minute=0),
            },
        },
        "timezone": "UTC",
        "enable_utc": True,
    }
