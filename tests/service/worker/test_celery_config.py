"""The Celery settings that keep jobs from being lost or run twice, and the time limits."""

from __future__ import annotations

import pytest

from pdf2audiobook.service.jobs.runners.time_limits import (
    MAX_TASK_SECONDS,
    VISIBILITY_TIMEOUT_SECONDS,
    assemble_limits,
    extract_limits,
    synthesise_limits,
)
from pdf2audiobook.service.kit.settings import Settings
from pdf2audiobook.service.worker.app import create_celery
from pdf2audiobook.service.worker.config import (
    TASK_EXTRACT,
    TASK_SYNTHESISE,
    CeleryNotConfiguredError,
    celery_config,
)


def _settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def test_without_redis_there_is_no_celery_app_and_the_error_says_why() -> None:
    with pytest.raises(CeleryNotConfiguredError, match="REDIS_URL"):
        celery_config(_settings())


def test_messages_survive_dead_workers_and_are_json_only() -> None:
    config = celery_config(_settings(redis_url="redis://127.0.0.1:1/0"))
    assert config["task_acks_late"] is True
    assert config["task_reject_on_worker_lost"] is True
    assert config["worker_prefetch_multiplier"] == 1
    assert config["accept_content"] == ["json"]
    assert config["task_serializer"] == "json"
    assert config["worker_cancel_long_running_tasks_on_connection_loss"] is True
    assert config["worker_soft_shutdown_timeout"] > 0
    assert config["worker_max_tasks_per_child"] >= 1
    assert config["broker_transport_options"]["visibility_timeout"] == VISIBILITY_TIMEOUT_SECONDS


def test_beat_reconciles_at_the_configured_period() -> None:
    config = celery_config(_settings(redis_url="redis://127.0.0.1:1/0", reconcile_seconds=7))
    schedule = config["beat_schedule"]["reconcile"]["schedule"]
    assert schedule.total_seconds() == 7


def test_the_tasks_are_registered_under_their_names() -> None:
    app = create_celery(_settings(redis_url="redis://127.0.0.1:1/0"))
    try:
        assert TASK_EXTRACT in app.tasks
        assert TASK_SYNTHESISE in app.tasks
    finally:
        app.close()


@pytest.mark.parametrize("limits", [extract_limits, synthesise_limits, assemble_limits])
def test_time_limits_grow_with_the_work_and_stay_under_the_visibility_timeout(
    limits: object,
) -> None:
    assert callable(limits)
    small, large, huge = limits(10), limits(10_000), limits(10**9)
    assert small.soft < large.soft
    assert small.soft < small.hard
    assert huge.soft == MAX_TASK_SECONDS
    # A task still running when its message becomes visible again would run twice.
    assert huge.hard < VISIBILITY_TIMEOUT_SECONDS
