"""Limits on Redis shared by every API process, and what happens while Redis is down: reads
go on counted in each process, submissions are refused with 503 until Redis answers."""

from __future__ import annotations

import redis

from pdf2audiobook.service.limits import RateLimiter
from pdf2audiobook.service.limits.limiter import KEY_PREFIX, storage_from_settings
from pdf2audiobook.service.limits.policy import policies_from_settings
from tests.service.limits.conftest import (
    LimitedApiFactory,
    ThrowawayRedis,
    error_name,
    new_user,
)

RETRY_SECONDS = 5.0


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _counted_keys(server: ThrowawayRedis) -> list[bytes]:
    client = redis.Redis.from_url(server.url)
    try:
        return list(client.scan_iter(f"{KEY_PREFIX}*"))
    finally:
        client.close()


def test_limits_survive_nothing_but_redis_and_follow_its_restart(
    limited_api: LimitedApiFactory, throwaway_redis: ThrowawayRedis
) -> None:
    alice, bob = new_user(), new_user()
    clock = FakeClock()
    with limited_api(
        redis_url=throwaway_redis.url, rate_limit_submit="2/minute", rate_limit_api="3/minute"
    ) as api:
        settings = api.app.state.service.settings
        api.app.state.rate_limits.limiter = RateLimiter(
            policies_from_settings(settings),
            storage_from_settings(settings),
            clock=clock,
            retry_seconds=RETRY_SECONDS,
        )
        bobs = api.headers(bob)

        # Redis up: the counts live there.
        before = [api.submit(alice).status_code for _ in range(3)]
        assert _counted_keys(throwaway_redis)

        throwaway_redis.stop()
        submitted_while_down = api.submit(alice)
        # The general limit goes on in this process, counting from zero.
        read_while_down = [
            api.client.get("/api/v1/jobs", headers=bobs).status_code for _ in range(4)
        ]

        throwaway_redis.start()
        # Until the pause after the failure is over, Redis is not asked again.
        submitted_too_soon = api.submit(alice)
        clock.now += RETRY_SECONDS
        # Redis came back empty (no persistence here): the counts start again.
        submitted_after = api.submit(alice)
        keys_after = _counted_keys(throwaway_redis)

    assert before == [201, 201, 429]
    assert submitted_while_down.status_code == 503
    assert error_name(submitted_while_down) == "RateLimitUnavailable"
    assert int(submitted_while_down.headers["Retry-After"]) == RETRY_SECONDS
    assert read_while_down == [200, 200, 200, 429]
    assert submitted_too_soon.status_code == 503
    assert submitted_after.status_code == 201
    assert keys_after
