"""Bearer tokens are extracted strictly and routed to the right check for their kind."""

from __future__ import annotations

from typing import Annotated

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import Depends, FastAPI
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from starlette.requests import Request

from pdf2audiobook.service.auth.api_tokens import generate_api_token, hash_api_token
from pdf2audiobook.service.auth.identity import Authenticator, bearer_token
from pdf2audiobook.service.auth.verified_identity import VerifiedIdentity
from pdf2audiobook.service.kit.errors import ServiceError, Unauthorized
from tests.service.auth.conftest import PROVIDER_KID, auth_settings
from tests.service.auth.token_factory import public_pem, rs256_token


class FakeTokenStore:
    """Stands in for the repository: maps stored hashes to identities, records lookups."""

    def __init__(self) -> None:
        self.identities_by_hash: dict[str, VerifiedIdentity] = {}
        self.looked_up: list[str] = []

    def issue(self, subject: str) -> str:
        token = generate_api_token()
        self.identities_by_hash[hash_api_token(token)] = VerifiedIdentity(subject=subject)
        return token

    def resolve(self, token_hash: str) -> VerifiedIdentity | None:
        self.looked_up.append(token_hash)
        return self.identities_by_hash.get(token_hash)


@pytest.fixture
def store() -> FakeTokenStore:
    return FakeTokenStore()


@pytest.fixture
def authenticator(store: FakeTokenStore, provider_key: rsa.RSAPrivateKey) -> Authenticator:
    settings = auth_settings(jwt_public_key_pem=public_pem(provider_key))
    return Authenticator.from_settings(settings, resolve_api_token_hash=store.resolve)


def test_api_token_is_resolved_by_its_hash(
    authenticator: Authenticator, store: FakeTokenStore
) -> None:
    token = store.issue("user_selfhost")

    identity = authenticator.authenticate(token)

    assert identity.subject == "user_selfhost"
    assert store.looked_up == [hash_api_token(token)]


def test_unknown_api_token_is_unauthorized(
    authenticator: Authenticator, store: FakeTokenStore
) -> None:
    store.issue("user_selfhost")
    stranger = generate_api_token()

    with pytest.raises(Unauthorized, match="API token is not valid") as rejection:
        authenticator.authenticate(stranger)

    assert rejection.value.status_code == 401
    assert store.looked_up == [hash_api_token(stranger)]


def test_malformed_api_token_is_rejected_without_a_lookup(
    authenticator: Authenticator, store: FakeTokenStore
) -> None:
    with pytest.raises(Unauthorized, match="API token is not valid"):
        authenticator.authenticate("p2a_short")

    assert store.looked_up == []


def test_jwt_goes_to_the_jwt_verifier_not_the_token_store(
    authenticator: Authenticator, store: FakeTokenStore, provider_key: rsa.RSAPrivateKey
) -> None:
    identity = authenticator.authenticate(rs256_token(provider_key, kid=PROVIDER_KID))

    assert identity.subject == "user_2abc"
    assert store.looked_up == []


def test_invalid_jwt_is_unauthorized(
    authenticator: Authenticator, attacker_key: rsa.RSAPrivateKey
) -> None:
    with pytest.raises(Unauthorized, match="Token signature is invalid"):
        authenticator.authenticate(rs256_token(attacker_key, kid=PROVIDER_KID))


def test_without_jwt_configuration_only_api_tokens_are_accepted(
    store: FakeTokenStore, provider_key: rsa.RSAPrivateKey
) -> None:
    authenticator = Authenticator.from_settings(
        auth_settings(), resolve_api_token_hash=store.resolve
    )
    api_token = store.issue("user_selfhost")

    assert authenticator.authenticate(api_token).subject == "user_selfhost"
    with pytest.raises(Unauthorized, match="Only API tokens are accepted"):
        authenticator.authenticate(rs256_token(provider_key, kid=PROVIDER_KID))


def _request_with_authorization(value: str | None) -> Request:
    headers = [] if value is None else [(b"authorization", value.encode("latin-1"))]
    return Request({"type": "http", "method": "GET", "path": "/", "headers": headers})


@pytest.mark.parametrize(
    ("authorization", "token"),
    [
        pytest.param("Bearer abc.def.ghi", "abc.def.ghi", id="canonical"),
        pytest.param("bearer p2a_xyz", "p2a_xyz", id="lowercase-scheme"),
        pytest.param("  Bearer   abc  ", "abc", id="extra-spaces"),
    ],
)
def test_bearer_token_is_extracted(authorization: str, token: str) -> None:
    assert bearer_token(_request_with_authorization(authorization)) == token


@pytest.mark.parametrize(
    ("authorization", "reason"),
    [
        pytest.param(None, "Missing bearer token", id="missing"),
        pytest.param("", "Missing bearer token", id="empty"),
        pytest.param("   ", "Missing bearer token", id="blank"),
        pytest.param("Basic dXNlcjpwYXNz", "must use the Bearer scheme", id="basic"),
        pytest.param("Token abc", "must use the Bearer scheme", id="other-scheme"),
        pytest.param("abc.def.ghi", "must use the Bearer scheme", id="no-scheme"),
        pytest.param("Bearer", "Malformed bearer token", id="scheme-only"),
        pytest.param("Bearer ", "Malformed bearer token", id="scheme-and-space"),
        pytest.param("Bearer abc def", "Malformed bearer token", id="two-tokens"),
    ],
)
def test_bearer_token_rejects_bad_header_with_www_authenticate(
    authorization: str | None, reason: str
) -> None:
    with pytest.raises(Unauthorized, match=reason) as rejection:
        bearer_token(_request_with_authorization(authorization))

    assert rejection.value.status_code == 401
    assert rejection.value.headers == {"WWW-Authenticate": "Bearer"}


def _app_echoing_the_bearer_token() -> FastAPI:
    app = FastAPI()

    @app.exception_handler(ServiceError)
    def render(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, ServiceError)
        return JSONResponse(
            {"error": type(error).__name__, "detail": error.detail},
            status_code=error.status_code,
            headers=error.headers,
        )

    @app.get("/whoami")
    def whoami(token: Annotated[str, Depends(bearer_token)]) -> dict[str, str]:
        return {"token": token}

    return app


def test_bearer_token_works_as_a_fastapi_dependency() -> None:
    client = TestClient(_app_echoing_the_bearer_token())

    accepted = client.get("/whoami", headers={"Authorization": "Bearer abc"})
    refused = client.get("/whoami")

    assert accepted.json() == {"token": "abc"}
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"] == "Bearer"
    assert refused.json() == {"error": "Unauthorized", "detail": "Missing bearer token"}


def test_bearer_token_declares_the_scheme_in_openapi() -> None:
    schema = _app_echoing_the_bearer_token().openapi()

    assert schema["components"]["securitySchemes"]["BearerToken"]["scheme"] == "bearer"
    assert schema["paths"]["/whoami"]["get"]["security"] == [{"BearerToken": []}]


def test_a_jwt_user_is_keyed_by_issuer_and_subject_and_never_names_a_local_user() -> None:
    local = VerifiedIdentity(subject="local:reader@example.com")
    forged = VerifiedIdentity(subject="local:reader@example.com", issuer="https://idp.example")
    other_issuer = VerifiedIdentity(subject="user_1", issuer="https://other.example")
    assert local.external_id == "local:reader@example.com"
    assert forged.external_id != local.external_id
    assert forged.external_id == "jwt:https://idp.example|local:reader@example.com"
    assert (
        other_issuer.external_id
        != VerifiedIdentity("user_1", issuer="https://idp.example").external_id
    )
