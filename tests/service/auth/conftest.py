"""Fixtures for the auth tests: signing keys, a live JWKS endpoint and a controllable clock."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from pdf2audiobook.service.kit.settings import Settings
from tests.service.auth.token_factory import (
    ISSUER,
    FakeClock,
    JwksServer,
    jwk_for,
    new_rsa_key,
    running_jwks_server,
)

PROVIDER_KID = "ins_key_1"


@pytest.fixture(scope="session")
def provider_key() -> rsa.RSAPrivateKey:
    """The identity provider's signing key, published in the JWKS as `PROVIDER_KID`."""
    return new_rsa_key()


@pytest.fixture(scope="session")
def attacker_key() -> rsa.RSAPrivateKey:
    return new_rsa_key()


@pytest.fixture
def jwks_server(provider_key: rsa.RSAPrivateKey) -> Iterator[JwksServer]:
    with running_jwks_server() as server:
        server.publish(jwk_for(provider_key, PROVIDER_KID))
        yield server


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def auth_settings(**overrides: Any) -> Settings:
    """Settings with every JWT field explicit, so a developer's `.env` cannot leak in."""
    fields: dict[str, Any] = {
        "clerk_jwks_url": None,
        "jwt_public_key_pem": None,
        "jwt_issuer": ISSUER,
        "jwt_audience": None,
        "jwt_authorized_parties": [],
        "jwt_leeway_seconds": 30,
    }
    fields.update(overrides)
    return Settings(_env_file=None, **fields)
