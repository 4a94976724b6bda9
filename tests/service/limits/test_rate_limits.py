"""Rate limits through the API: per user with a token, per address without one, tighter for
submissions, estimates and checkout, and none of the general limit on webhooks."""

from __future__ import annotations

from tests.conftest import SAMPLE_BOOK
from tests.service.limits.conftest import (
    REAL_DEFAULTS,
    LimitedApiFactory,
    error_name,
    new_user,
)

RETRY_AFTER_AT_MOST = 60
"""Every default limit is per minute: nobody waits longer than that."""


def test_burst_of_submissions_gets_201_up_to_the_default_limit_then_429(
    limited_api: LimitedApiFactory,
) -> None:
    alice, bob = new_user(), new_user()
    with limited_api() as api:
        statuses = [api.submit(alice) for _ in range(25)]
        bobs_first = api.submit(bob)

    allowed = int(str(REAL_DEFAULTS["rate_limit_submit"]).split("/")[0])
    assert [r.status_code for r in statuses] == [201] * allowed + [429] * (25 - allowed)
    for refused in statuses[allowed:]:
        assert error_name(refused) == "TooManyRequests"
        assert 1 <= int(refused.headers["Retry-After"]) <= RETRY_AFTER_AT_MOST
    # Only the accepted submissions reached the queue; another user is counted apart.
    assert len(api.runner.submitted) == allowed + 1
    assert bobs_first.status_code == 201


def test_anonymous_requests_are_counted_per_client_address(
    limited_api: LimitedApiFactory,
) -> None:
    with limited_api(rate_limit_api="3/minute") as api:
        first = api.client_at("203.0.113.7")
        answers = [first.get("/api/v1/products").status_code for _ in range(4)]
        neighbour = api.client_at("203.0.113.8").get("/api/v1/products")
        refused = first.get("/api/v1/products")

    assert answers == [200, 200, 200, 429]
    assert neighbour.status_code == 200
    assert error_name(refused) == "TooManyRequests"
    assert int(refused.headers["Retry-After"]) >= 1


def test_made_up_tokens_are_counted_against_their_address(
    limited_api: LimitedApiFactory,
) -> None:
    with limited_api(rate_limit_api="3/minute") as api:
        client = api.client_at("203.0.113.9")
        answers = [
            client.get("/api/v1/jobs", headers={"Authorization": f"Bearer forged-{n}"})
            for n in range(4)
        ]

    assert [r.status_code for r in answers] == [401, 401, 401, 429]


def test_a_signed_in_user_is_counted_apart_from_their_address(
    limited_api: LimitedApiFactory,
) -> None:
    alice = new_user()
    with limited_api(rate_limit_api="2/minute") as api:
        shared = api.client_at("198.51.100.20")
        anonymous = [shared.get("/api/v1/products").status_code for _ in range(3)]
        signed_in = [
            shared.get("/api/v1/jobs", headers=api.headers(alice)).status_code for _ in range(3)
        ]

    assert anonymous == [200, 200, 429]
    assert signed_in == [200, 200, 429]


def test_estimates_have_their_own_tighter_limit(limited_api: LimitedApiFactory) -> None:
    alice = new_user()
    with limited_api(rate_limit_upload="2/minute") as api:

        def estimate() -> int:
            with SAMPLE_BOOK.open("rb") as handle:
                return api.client.post(
                    "/api/v1/jobs/estimate",
                    files={"file": (SAMPLE_BOOK.name, handle, "application/pdf")},
                    headers=api.headers(alice),
                ).status_code

        answers = [estimate() for _ in range(3)]
        listing = api.client.get("/api/v1/jobs", headers=api.headers(alice))

    assert answers == [200, 200, 429]
    assert listing.status_code == 200


def test_checkout_has_its_own_tighter_limit(limited_api: LimitedApiFactory) -> None:
    alice = new_user()
    with limited_api(rate_limit_checkout="2/minute") as api:
        answers = [
            api.client.post(
                "/api/v1/payments/checkout",
                json={"product_id": "credits-small"},
                headers=api.headers(alice),
            )
            for _ in range(3)
        ]

    # No payment provider is configured here: the first two reach the route and hear so.
    assert [r.status_code for r in answers][2] == 429
    assert all(r.status_code != 429 for r in answers[:2])


def test_retries_count_as_submissions(limited_api: LimitedApiFactory) -> None:
    alice = new_user()
    with limited_api(rate_limit_submit="2/minute") as api:
        job_id = api.submit(alice).json()["id"]
        api.client.post(f"/api/v1/jobs/{job_id}/cancel", headers=api.headers(alice))
        retried = api.client.post(f"/api/v1/jobs/{job_id}/retry", headers=api.headers(alice))
        api.client.post(f"/api/v1/jobs/{job_id}/cancel", headers=api.headers(alice))
        again = api.client.post(f"/api/v1/jobs/{job_id}/retry", headers=api.headers(alice))

    assert retried.status_code == 200
    assert again.status_code == 429


def test_a_request_without_a_token_hears_401_and_uses_no_users_submissions(
    limited_api: LimitedApiFactory,
) -> None:
    alice = new_user()
    with limited_api(rate_limit_submit="1/minute") as api:
        with SAMPLE_BOOK.open("rb") as handle:
            anonymous = api.client.post(
                "/api/v1/jobs", files={"file": ("a.pdf", handle, "application/pdf")}
            )
        alices = api.submit(alice)

    assert anonymous.status_code == 401
    assert alices.status_code == 201


def test_webhook_deliveries_are_not_held_to_the_general_per_address_limit(
    limited_api: LimitedApiFactory,
) -> None:
    with limited_api(rate_limit_api="2/minute") as api:
        provider = api.client_at("192.0.2.50")
        deliveries = [
            provider.post("/api/v1/webhooks/paddle", content=b"{}").status_code for _ in range(10)
        ]
        other_routes = [provider.get("/api/v1/products").status_code for _ in range(3)]

    # No webhook secret is set here, so each delivery hears 404, and none 429.
    assert 429 not in deliveries
    assert other_routes == [200, 200, 429]


def test_limits_off_refuse_nothing(limited_api: LimitedApiFactory) -> None:
    alice = new_user()
    with limited_api(rate_limits_enabled=False, rate_limit_submit="1/minute") as api:
        answers = [api.submit(alice).status_code for _ in range(3)]

    assert answers == [201, 201, 201]


def test_429_is_documented_on_every_api_route(limited_api: LimitedApiFactory) -> None:
    with limited_api() as api:
        document = api.client.get("/openapi.json").json()

    undocumented = [
        f"{method.upper()} {path}"
        for path, operations in document["paths"].items()
        if path.startswith("/api/v1/")
        for method, operation in operations.items()
        if "429" not in operation["responses"]
    ]
    assert undocumented == []


def test_token_creation_has_its_own_tighter_limit(limited_api: LimitedApiFactory) -> None:
    alice = new_user()
    with limited_api(rate_limit_tokens="2/minute") as api:
        answers = [
            api.client.post(
                "/api/v1/auth/tokens", json={"name": f"script {n}"}, headers=api.headers(alice)
            )
            for n in range(3)
        ]
        listed = api.client.get("/api/v1/auth/tokens", headers=api.headers(alice))

    assert [r.status_code for r in answers] == [201, 201, 429]
    assert error_name(answers[2]) == "TooManyRequests"
    assert len(listed.json()) == 2
