"""Personal API tokens through the API: made once, listed without their secret, revoked or
expired into uselessness."""

from __future__ import annotations

from datetime import timedelta

from pdf2audiobook.service.kit.db import session_scope
from pdf2audiobook.service.models import ApiToken, utc_now
from tests.service.api.conftest import Api


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_token_made_through_the_api_signs_in_until_revoked(api: Api) -> None:
    created = api.client.post(
        "/api/v1/auth/tokens",
        json={"name": "backup script", "expires_in_days": 30},
        headers=api.headers(api.alice),
    )
    assert created.status_code == 201
    body = created.json()
    assert body["token"].startswith("p2a_")
    assert body["expires_at"] is not None
    assert body["name"] == "backup script"
    me = api.client.get("/api/v1/auth/me", headers=_bearer(body["token"]))
    alice = api.client.get("/api/v1/auth/me", headers=api.headers(api.alice))
    assert me.json()["id"] == alice.json()["id"]

    listed = api.client.get("/api/v1/auth/tokens", headers=api.headers(api.alice)).json()
    assert [item["id"] for item in listed] == [body["id"]]
    assert "token" not in listed[0]

    revoked = api.client.delete(f"/api/v1/auth/tokens/{body['id']}", headers=api.headers(api.alice))
    assert revoked.status_code == 204
    assert api.client.get("/api/v1/auth/me", headers=_bearer(body["token"])).status_code == 401
    assert api.client.get("/api/v1/auth/tokens", headers=api.headers(api.alice)).json() == []


def test_an_expired_token_no_longer_signs_in(api: Api) -> None:
    body = api.client.post(
        "/api/v1/auth/tokens",
        json={"name": "short-lived", "expires_in_days": 1},
        headers=api.headers(api.alice),
    ).json()
    with session_scope(api.app.state.service.sessions) as session:
        token = session.get(ApiToken, body["id"])
        assert token is not None
        token.expires_at = utc_now() - timedelta(seconds=1)
    assert api.client.get("/api/v1/auth/me", headers=_bearer(body["token"])).status_code == 401
    assert api.client.get("/api/v1/auth/tokens", headers=api.headers(api.alice)).json() == []


def test_a_token_request_with_unknown_fields_or_a_silly_expiry_is_a_422(api: Api) -> None:
    for body in (
        {"name": "x", "scope": "admin"},
        {"name": "x", "expires_in_days": 0},
        {"name": "x", "expires_in_days": True},
        {},
    ):
        response = api.client.post("/api/v1/auth/tokens", json=body, headers=api.headers(api.alice))
        assert response.status_code == 422
