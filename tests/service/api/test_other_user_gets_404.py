"""Every user route with a job id answers another user exactly as it answers a missing job.

Admin and webhook routes act for no single user; `test_route_access.py` covers who may call
them.
"""

from __future__ import annotations

import pytest

from tests.conftest import SAMPLES
from tests.service.api.conftest import Api
from tests.service.api.test_route_access import ROUTE_ACCESS, Access

ROUTES_WITH_IDS = [
    ("GET", "/api/v1/jobs/{job_id}"),
    ("GET", "/api/v1/jobs/{job_id}/status"),
    ("GET", "/api/v1/jobs/{job_id}/chapters"),
    ("GET", "/api/v1/jobs/{job_id}/removed"),
    ("GET", "/api/v1/jobs/{job_id}/events"),
    ("GET", "/api/v1/jobs/{job_id}/audio"),
    ("GET", "/api/v1/jobs/{job_id}/chapters/{number}/audio"),
    ("POST", "/api/v1/jobs/{job_id}/cancel"),
    ("POST", "/api/v1/jobs/{job_id}/retry"),
    ("DELETE", "/api/v1/jobs/{job_id}"),
]


@pytest.mark.parametrize(("method", "template"), ROUTES_WITH_IDS)
def test_other_users_job_is_indistinguishable_from_a_missing_one(
    api: Api, method: str, template: str
) -> None:
    with (SAMPLES / "sample-book.pdf").open("rb") as handle:
        job_id = api.client.post(
            "/api/v1/jobs", files={"file": ("book.pdf", handle)}, headers=api.headers(api.alice)
        ).json()["id"]
    foreign = api.client.request(
        method, template.format(job_id=job_id, number=1), headers=api.headers(api.bob)
    )
    missing = api.client.request(
        method, template.format(job_id="0" * 36, number=1), headers=api.headers(api.bob)
    )
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json()
    # The owner still has it, untouched.
    assert (
        api.client.get(f"/api/v1/jobs/{job_id}", headers=api.headers(api.alice)).status_code == 200
    )


TOKEN_ROUTES = [("DELETE", "/api/v1/auth/tokens/{token_id}")]


@pytest.mark.parametrize(("method", "template"), TOKEN_ROUTES)
def test_other_users_token_is_indistinguishable_from_a_missing_one(
    api: Api, method: str, template: str
) -> None:
    created = api.client.post(
        "/api/v1/auth/tokens", json={"name": "scripts"}, headers=api.headers(api.alice)
    )
    token_id, token = created.json()["id"], created.json()["token"]
    foreign = api.client.request(
        method, template.format(token_id=token_id), headers=api.headers(api.bob)
    )
    missing = api.client.request(
        method, template.format(token_id="0" * 36), headers=api.headers(api.bob)
    )
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json()
    # The owner's token still works.
    me = api.client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200


def test_every_user_route_with_an_id_has_an_other_user_test(api: Api) -> None:
    # The OpenAPI document lists every route the app serves, however routers nest. A route
    # not yet classified in ROUTE_ACCESS counts as a user's until it is.
    with_ids = {
        (method.upper(), path)
        for path, operations in api.app.openapi()["paths"].items()
        if "{" in path
        for method in operations
    }
    users_with_ids = {
        route for route in with_ids if ROUTE_ACCESS.get(route, Access.USER) is Access.USER
    }
    assert users_with_ids == set(ROUTES_WITH_IDS) | set(TOKEN_ROUTES)
