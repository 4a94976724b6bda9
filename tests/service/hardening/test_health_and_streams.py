"""`/health` answers from checks a few seconds old, and one user's progress streams are
capped (429 with Retry-After past the cap) without touching anyone else's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import anyio
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient

from pdf2audiobook.service.app import create_app
from pdf2audiobook.service.health.checks import CachedHealth
from pdf2audiobook.service.jobs.api.events import (
    EventTiming,
    StreamSlots,
    TooManyStreams,
    event_timing,
)
from tests.service.api.conftest import Api, QueueOnlyRunner, api_settings
from tests.service.hardening.conftest import submit_sample


@pytest.fixture
def capped_api(tmp_path: Path, signing_key: rsa.RSAPrivateKey) -> Iterator[Api]:
    settings = api_settings(
        tmp_path / "data", signing_key, max_event_streams_per_user=2, health_cache_seconds=60
    )
    runner = QueueOnlyRunner()
    app = create_app(settings, runner=runner)
    timing = EventTiming(poll_seconds=0.005, keep_alive_seconds=60.0, max_stream_seconds=10.0)
    app.dependency_overrides[event_timing] = lambda: timing
    with TestClient(app) as client:
        yield Api(client, app, runner, tmp_path / "data", signing_key)


def test_checks_run_once_per_window_however_many_ask_at_once() -> None:
    ticks = [0.0]
    probes_run: list[str] = []
    cached = CachedHealth(5.0, clock=lambda: ticks[0])
    probes = {"database": lambda: probes_run.append("database")}

    async def ask_twenty_at_once() -> None:
        async with anyio.create_task_group() as group:
            for _ in range(20):
                group.start_soon(cached.report, probes)

    anyio.run(ask_twenty_at_once)
    assert probes_run == ["database"]
    ticks[0] = 4.9
    anyio.run(ask_twenty_at_once)
    assert probes_run == ["database"]
    ticks[0] = 5.0
    anyio.run(ask_twenty_at_once)
    assert probes_run == ["database", "database"]


def test_health_is_served_from_its_last_checks(capped_api: Api) -> None:
    assert capped_api.client.get("/health").status_code == 200
    capped_api.runner.shutdown()
    # Within HEALTH_CACHE_SECONDS the queue's failure is not looked for again.
    assert capped_api.client.get("/health").json()["checks"]["queue"] == "ok"


def test_stream_slots_are_per_user_and_given_back_once() -> None:
    slots = StreamSlots(per_user=2)
    first = slots.take("alice")
    slots.take("alice")
    with pytest.raises(TooManyStreams):
        slots.take("alice")
    slots.take("bob")
    first()
    first()
    assert slots.open_for("alice") == 1
    slots.take("alice")
    assert slots.open_for("alice") == 2


def test_a_third_stream_of_one_user_is_429_and_others_still_stream(capped_api: Api) -> None:
    alice, bob = capped_api.headers(capped_api.alice), capped_api.headers(capped_api.bob)
    job = submit_sample(capped_api.client, alice)
    bobs_job = submit_sample(capped_api.client, bob)
    events = f"/api/v1/jobs/{job}/events"
    client = capped_api.client
    with client.stream("GET", events, headers=alice) as first:
        assert first.status_code == 200
        with client.stream("GET", events, headers=alice) as second:
            assert second.status_code == 200
            third = client.get(events, headers=alice)
            assert third.status_code == 429
            assert third.json()["error"] == "TooManyStreams"
            assert third.headers["retry-after"].isdigit()
            with client.stream("GET", f"/api/v1/jobs/{bobs_job}/events", headers=bob) as bobs:
                assert bobs.status_code == 200
