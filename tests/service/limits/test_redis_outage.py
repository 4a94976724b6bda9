"""Limits on Redis shared by every API process, and what happens while Redis is down:
requests go on, counted in each process (jobs stay bounded by the database's quota), except
checkouts, refused with 503 until Redis answers."""

from __future__ import annotations

import redis

from pdf2audiobook.service.limits import RateLimiter
from pdf2audiobook.service.limits.limiter import KEY_PREFIX, storage_from_settings
from pdf2audiobook.service.limits.policy import policies_from_settings
from tests.service.limits.conftest import (
    LimitedApi,
    LimitedApiFactory,
    Response,
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


def _checkout(api: LimitedApi, subject: str) -> Response:
    return api.client.post(
        "/api/v1/payments/checkout",
        json={"product_id": "credits-small"},
        headers=api.headers(subject),
    )


def test_limits_live_in_redis_and_go_on_in_process_while_it_restarts(
    limited_api: LimitedApiFactory, throwaway_redis: ThrowawayRedis
) -> None:
    alice, bob = new_user(), new_user()
    clock = FakeClock()
    with limited_api(
        redis_url=throwaway_redis.url, rate_limit_submit="2/minute", rate_limit_api="6/minute"
    ) as api:
        settings = api.app.state.service.settings
        api.app.state.rate_limits.limiter = RateLimiter(
            policies_from_settings(settings),
            storage_from_settings(settings),
            clock=clock,
            retry_seconds=RETRY_SECONDS,
        )

        # Redis up: the counts live there.
        before = [api.submit(alice).status_code for _ in range(3)]
        assert _counted_keys(throwaway_redis)

        throwaway_redis.stop()
        # Counted in this process, from zero: the same limits, per process.
        during = [api.submit(alice).status_code for _ in range(3)]
        reads_during = [
            api.client.get("/api/v1/jobs", headers=api.headers(bob)).status_code for _ in range(7)
        ]
        checkout_during = _checkout(api, alice)

        throwaway_redis.start()
        # Until the pause after the failure is over, Redis is not asked again.
        checkout_too_soon = _checkout(api, alice)
        clock.now += RETRY_SECONDS
        # Redis came back empty (no persistence here): its windows start again.
        after = [api.submit(alice).status_code for _ in range(3)]
        checkout_after = _checkout(api, alice)
        keys_after = _counted_keys(throwaway_redis)

    assert before == during == after == [201, 201, 429]
    assert reads_during == [200] * 6 + [429]
    assert checkout_during.status_code == 503
    assert error_name(checkout_during) == "RateLimitUnavailable"
    assert int(checkout_during.headers["Retry-After"]) == RETRY_SECONDS
    assert error_name(checkout_too_soon) == "RateLimitUnavailable"
    # Past the limiter: this server has no payment provider, and says so.
    assert error_name(checkout_after) == "ServiceUnavailable"
    assert keys_after
