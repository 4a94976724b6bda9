"""JWKS keys are fetched lazily, cached, refreshed on rotation, and fetched at a bounded rate."""

from __future__ import annotations

import secrets
import threading
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from pdf2audiobook.service.auth.jwt_verifier import JwtVerifier
from pdf2audiobook.service.kit.errors import ServiceUnavailable, Unauthorized
from tests.service.auth.conftest import PROVIDER_KID, auth_settings
from tests.service.auth.token_factory import (
    FakeClock,
    JwksServer,
    jwk_for,
    new_rsa_key,
    rs256_token,
    unused_local_url,
)

REFETCH_INTERVAL = 60.0
MAX_AGE = 300.0


@pytest.fixture
def verifier(jwks_server: JwksServer, clock: FakeClock) -> JwtVerifier:
    return JwtVerifier(auth_settings(clerk_jwks_url=jwks_server.url), clock=clock)


@pytest.fixture(scope="module")
def rotated_key() -> rsa.RSAPrivateKey:
    return new_rsa_key()


def test_keys_are_fetched_once_and_reused(
    verifier: JwtVerifier, jwks_server: JwksServer, provider_key: rsa.RSAPrivateKey
) -> None:
    for _ in range(10):
        verifier.verify(rs256_token(provider_key, kid=PROVIDER_KID))

    assert jwks_server.request_count == 1


def test_flood_of_unknown_kids_causes_bounded_fetches(
    verifier: JwtVerifier, jwks_server: JwksServer, attacker_key: rsa.RSAPrivateKey
) -> None:
    for _ in range(100):
        token = rs256_token(attacker_key, kid=secrets.token_hex(8))
        with pytest.raises(Unauthorized, match="Token signing key is not known"):
            verifier.verify(token)

    assert jwks_server.request_count <= 2


def test_concurrent_first_requests_share_one_fetch(
    verifier: JwtVerifier, jwks_server: JwksServer, provider_key: rsa.RSAPrivateKey
) -> None:
    token = rs256_token(provider_key, kid=PROVIDER_KID)
    subjects: list[str] = []
    start = threading.Barrier(20)

    def verify_once() -> None:
        start.wait()
        subjects.append(verifier.verify(token).subject)

    threads = [threading.Thread(target=verify_once) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert subjects == ["user_2abc"] * 20
    assert jwks_server.request_count == 1


def test_rotated_key_is_picked_up_once_the_refetch_interval_has_passed(
    verifier: JwtVerifier,
    jwks_server: JwksServer,
    clock: FakeClock,
    provider_key: rsa.RSAPrivateKey,
    rotated_key: rsa.RSAPrivateKey,
) -> None:
    verifier.verify(rs256_token(provider_key, kid=PROVIDER_KID))
    jwks_server.publish(jwk_for(provider_key, PROVIDER_KID), jwk_for(rotated_key, "ins_key_2"))
    token_with_new_kid = rs256_token(rotated_key, kid="ins_key_2")

    clock.advance(REFETCH_INTERVAL - 1)
    with pytest.raises(Unauthorized, match="Token signing key is not known"):
        verifier.verify(token_with_new_kid)
    assert jwks_server.request_count == 1

    clock.advance(1)
    assert verifier.verify(token_with_new_kid).subject == "user_2abc"
    assert jwks_server.request_count == 2


def _assert_unavailable(verifier: JwtVerifier, token: str) -> None:
    with pytest.raises(ServiceUnavailable) as unavailable:
        verifier.verify(token)
    assert unavailable.value.status_code == 503
    assert unavailable.value.detail == "Cannot verify sign-in tokens right now"


def test_unreachable_jwks_endpoint_is_service_unavailable(
    provider_key: rsa.RSAPrivateKey,
) -> None:
    verifier = JwtVerifier(auth_settings(clerk_jwks_url=unused_local_url()))

    _assert_unavailable(verifier, rs256_token(provider_key, kid=PROVIDER_KID))


@pytest.mark.parametrize(
    "broken_response",
    [
        pytest.param({"status": 500}, id="server-error"),
        pytest.param({"raw_body": b"<html>maintenance</html>"}, id="not-json"),
        pytest.param({"raw_body": b'{"keys": "nope"}'}, id="keys-not-a-list"),
        pytest.param({"raw_body": b'{"keys": []}'}, id="no-keys"),
        pytest.param(
            {"raw_body": b'{"keys": [{"kid": "k", "kty": "EC", "crv": "P-256"}]}'},
            id="no-rsa-keys",
        ),
    ],
)
def test_broken_jwks_response_is_service_unavailable(
    verifier: JwtVerifier,
    jwks_server: JwksServer,
    provider_key: rsa.RSAPrivateKey,
    broken_response: dict[str, Any],
) -> None:
    for attribute, value in broken_response.items():
        setattr(jwks_server, attribute, value)

    _assert_unavailable(verifier, rs256_token(provider_key, kid=PROVIDER_KID))


def test_failed_fetch_is_not_retried_before_the_interval(
    verifier: JwtVerifier,
    jwks_server: JwksServer,
    clock: FakeClock,
    provider_key: rsa.RSAPrivateKey,
) -> None:
    jwks_server.status = 500
    token = rs256_token(provider_key, kid=PROVIDER_KID)
    for _ in range(50):
        _assert_unavailable(verifier, token)
    assert jwks_server.request_count == 1

    jwks_server.status = 200
    clock.advance(REFETCH_INTERVAL)

    assert verifier.verify(token).subject == "user_2abc"
    assert jwks_server.request_count == 2


def test_cached_keys_keep_working_when_a_refresh_fails(
    verifier: JwtVerifier,
    jwks_server: JwksServer,
    clock: FakeClock,
    provider_key: rsa.RSAPrivateKey,
) -> None:
    token = rs256_token(provider_key, kid=PROVIDER_KID)
    verifier.verify(token)
    jwks_server.status = 500
    clock.advance(MAX_AGE)

    assert verifier.verify(token).subject == "user_2abc"
    assert jwks_server.request_count == 2


def test_unknown_kid_during_an_outage_is_service_unavailable(
    verifier: JwtVerifier,
    jwks_server: JwksServer,
    clock: FakeClock,
    provider_key: rsa.RSAPrivateKey,
    rotated_key: rsa.RSAPrivateKey,
) -> None:
    verifier.verify(rs256_token(provider_key, kid=PROVIDER_KID))
    jwks_server.status = 500
    clock.advance(REFETCH_INTERVAL)

    _assert_unavailable(verifier, rs256_token(rotated_key, kid="ins_key_2"))


def test_key_withdrawn_from_the_jwks_stops_working_after_max_age(
    verifier: JwtVerifier,
    jwks_server: JwksServer,
    clock: FakeClock,
    provider_key: rsa.RSAPrivateKey,
    rotated_key: rsa.RSAPrivateKey,
) -> None:
    token = rs256_token(provider_key, kid=PROVIDER_KID)
    verifier.verify(token)
    jwks_server.publish(jwk_for(rotated_key, "ins_key_2"))

    clock.advance(MAX_AGE)

    with pytest.raises(Unauthorized, match="Token signing key is not known"):
        verifier.verify(token)


# The 1024-bit key is only ever used to sign a token that must be refused.
@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
def test_unusable_jwks_entries_are_skipped(
    verifier: JwtVerifier, jwks_server: JwksServer, provider_key: rsa.RSAPrivateKey
) -> None:
    weak_key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    good = jwk_for(provider_key, PROVIDER_KID)
    jwks_server.publish(
        "not an object",
        {**good, "kid": ""},
        {**good, "kid": "encryption", "use": "enc"},
        {**good, "kid": "other-alg", "alg": "RS512"},
        {**good, "kid": "private", "d": "AQAB"},
        {**good, "kid": "bad-modulus", "n": 12345},
        jwk_for(weak_key, "weak"),
        good,
    )

    assert verifier.verify(rs256_token(provider_key, kid=PROVIDER_KID)).subject == "user_2abc"
    for skipped_kid in ("encryption", "other-alg", "private", "bad-modulus"):
        with pytest.raises(Unauthorized, match="Token signing key is not known"):
            verifier.verify(rs256_token(provider_key, kid=skipped_kid))
    with pytest.raises(Unauthorized, match="Token signing key is not known"):
        verifier.verify(rs256_token(weak_key, kid="weak"))
