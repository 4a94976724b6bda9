"""Who may call each route: every route the app serves is classified here, and each class is
checked against the running API (a new route without a classification fails the suite)."""

from __future__ import annotations

import uuid
from enum import StrEnum
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient

from pdf2audiobook.service.app import create_app
from tests.conftest import SAMPLE_BOOK
from tests.service.api.conftest import Api, QueueOnlyRunner, api_settings
from tests.service.auth.token_factory import rs256_token


class Access(StrEnum):
    PUBLIC = "public"
    """Anyone, without a token."""
    USER = "user"
    """A signed-in user: 401 without a token."""
    ADMIN = "admin"
    """An administrator: 401 without a token, 403 for anyone else signed in."""
    WEBHOOK = "webhook"
    """A payment provider's signature instead of a token: 404 while its secret is unset."""


ROUTE_ACCESS: dict[tuple[str, str], Access] = {
    ("GET", "/health"): Access.PUBLIC,
    ("GET", "/api/v1/products"): Access.PUBLIC,
    ("GET", "/api/v1/config"): Access.PUBLIC,
    ("GET", "/api/v1/auth/me"): Access.USER,
    ("PUT", "/api/v1/auth/me"): Access.USER,
    ("GET", "/api/v1/credits"): Access.USER,
    ("GET", "/api/v1/auth/tokens"): Access.USER,
    ("POST", "/api/v1/auth/tokens"): Access.USER,
    ("DELETE", "/api/v1/auth/tokens/{token_id}"): Access.USER,
    ("GET", "/api/v1/voices"): Access.USER,
    ("POST", "/api/v1/jobs"): Access.USER,
    ("GET", "/api/v1/jobs"): Access.USER,
    ("DELETE", "/api/v1/jobs"): Access.USER,
    ("POST", "/api/v1/jobs/estimate"): Access.USER,
    ("GET", "/api/v1/jobs/{job_id}"): Access.USER,
    ("DELETE", "/api/v1/jobs/{job_id}"): Access.USER,
    ("GET", "/api/v1/jobs/{job_id}/status"): Access.USER,
    ("GET", "/api/v1/jobs/{job_id}/chapters"): Access.USER,
    ("GET", "/api/v1/jobs/{job_id}/events"): Access.USER,
    ("GET", "/api/v1/jobs/{job_id}/removed"): Access.USER,
    ("GET", "/api/v1/jobs/{job_id}/audio"): Access.USER,
    ("GET", "/api/v1/jobs/{job_id}/chapters/{number}/audio"): Access.USER,
    ("POST", "/api/v1/jobs/{job_id}/cancel"): Access.USER,
    ("POST", "/api/v1/jobs/{job_id}/retry"): Access.USER,
    ("POST", "/api/v1/payments/checkout"): Access.USER,
    ("POST", "/api/v1/webhooks/{provider}"): Access.WEBHOOK,
    ("GET", "/api/v1/admin/users"): Access.ADMIN,
    ("POST", "/api/v1/admin/users/{user_id}/credits"): Access.ADMIN,
    ("GET", "/api/v1/admin/usage"): Access.ADMIN,
    ("GET", "/api/v1/admin/jobs/{job_id}"): Access.ADMIN,
}

# Bodies a real client would send, so an answer is about the caller, never about the payload.
_JSON_BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("PUT", "/api/v1/auth/me"): {"first_name": "Ada", "last_name": "Lovelace"},
    ("POST", "/api/v1/auth/tokens"): {"name": "scripts"},
    ("POST", "/api/v1/payments/checkout"): {"product_id": "pack-1000"},
    ("POST", "/api/v1/admin/users/{user_id}/credits"): {"amount": 10, "reason": "goodwill"},
}
_QUERIES: dict[tuple[str, str], dict[str, str]] = {
    ("DELETE", "/api/v1/jobs"): {"status": "completed"},
}
_UPLOADS = {("POST", "/api/v1/jobs"), ("POST", "/api/v1/jobs/estimate")}
WEBHOOK_PROVIDERS = ("paddle", "stripe")


def _routes(access: Access) -> list[tuple[str, str]]:
    return [route for route, kind in ROUTE_ACCESS.items() if kind is access]


def call(
    client: TestClient,
    method: str,
    template: str,
    headers: dict[str, str] | None = None,
    provider: str = "paddle",
) -> Any:
    """A plausible request to the route: ids of the right shape, a valid body."""
    route = (method, template)
    path = template.format(
        job_id=str(uuid.uuid4()),
        number=1,
        user_id=str(uuid.uuid4()),
        token_id=str(uuid.uuid4()),
        provider=provider,
    )
    if route in _UPLOADS:
        with SAMPLE_BOOK.open("rb") as handle:
            return client.request(
                method,
                path,
                files={"file": ("book.pdf", handle, "application/pdf")},
                headers=headers,
            )
    return client.request(
        method, path, json=_JSON_BODIES.get(route), params=_QUERIES.get(route), headers=headers
    )


def _admin_headers(api: Api, subject: str) -> dict[str, str]:
    token = rs256_token(api.key, kid=None, sub=subject, role="admin")
    return {"Authorization": f"Bearer {token}"}


def test_every_route_has_an_access_class(api: Api) -> None:
    # The OpenAPI document lists every route the app serves, however routers nest.
    served = {
        (method.upper(), path)
        for path, operations in api.app.openapi()["paths"].items()
        for method in operations
    }
    assert served - ROUTE_ACCESS.keys() == set(), "classify these routes in ROUTE_ACCESS"
    assert ROUTE_ACCESS.keys() - served == set(), "these routes are no longer served"


@pytest.mark.parametrize(("method", "template"), _routes(Access.PUBLIC))
def test_public_route_answers_without_a_token(api: Api, method: str, template: str) -> None:
    assert call(api.client, method, template).status_code == 200


@pytest.mark.parametrize(("method", "template"), _routes(Access.USER) + _routes(Access.ADMIN))
def test_route_refuses_a_request_without_a_token(api: Api, method: str, template: str) -> None:
    response = call(api.client, method, template)

    assert response.status_code == 401
    assert response.json()["error"] == "Unauthorized"
    assert response.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize(("method", "template"), _routes(Access.USER) + _routes(Access.ADMIN))
def test_route_refuses_a_forged_token(api: Api, method: str, template: str) -> None:
    token = rs256_token(api.key, kid=None, sub=api.alice, role="admin")
    header, payload, signature = token.split(".")
    forged = f"{header}.{payload}.{signature[::-1]}"

    response = call(api.client, method, template, {"Authorization": f"Bearer {forged}"})

    assert response.status_code == 401


@pytest.mark.parametrize(("method", "template"), _routes(Access.ADMIN))
def test_admin_route_is_forbidden_to_a_signed_in_user(api: Api, method: str, template: str) -> None:
    response = call(api.client, method, template, api.headers(api.alice))

    assert response.status_code == 403
    assert response.json()["error"] == "Forbidden"


@pytest.mark.parametrize(("method", "template"), _routes(Access.ADMIN))
def test_admin_route_serves_a_caller_with_the_admin_role_claim(
    api: Api, method: str, template: str
) -> None:
    response = call(api.client, method, template, _admin_headers(api, api.alice))

    # The ids `call` makes up name no job and no user: a 404 means the caller got past the gate.
    assert response.status_code == (404 if "{" in template else 200)


@pytest.mark.parametrize(("method", "template"), _routes(Access.WEBHOOK))
@pytest.mark.parametrize("provider", WEBHOOK_PROVIDERS)
def test_webhook_route_is_missing_while_its_secret_is_unset(
    api: Api, method: str, template: str, provider: str
) -> None:
    # Neither a token nor its absence matters: only a configured secret opens the route.
    anonymous = call(api.client, method, template, provider=provider)
    signed_in = call(api.client, method, template, api.headers(api.alice), provider=provider)

    assert anonymous.status_code == signed_in.status_code == 404
    assert anonymous.json() == {"error": "NotFound", "detail": "No such webhook."}


@pytest.mark.parametrize(("method", "template"), _routes(Access.WEBHOOK))
def test_webhook_route_with_a_secret_wants_a_signature_not_a_token(
    tmp_path: Path, signing_key: rsa.RSAPrivateKey, method: str, template: str
) -> None:
    settings = api_settings(
        tmp_path / "data", signing_key, paddle_webhook_secrets=["pdl_ntfset_" + "s" * 40]
    )
    with TestClient(create_app(settings, runner=QueueOnlyRunner())) as client:
        unsigned = call(client, method, template, provider="paddle")
        with_token = call(
            client,
            method,
            template,
            {"Authorization": f"Bearer {rs256_token(signing_key, kid=None, sub='user_w')}"},
            provider="paddle",
        )

    assert unsigned.status_code == with_token.status_code == 400
    assert unsigned.json()["error"] == with_token.json()["error"] == "InvalidWebhook"
