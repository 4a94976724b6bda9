"""JwtVerifier accepts exactly the tokens the configured provider signed and rejects the rest."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from pdf2audiobook.service.auth.jwt_verifier import JwtVerifier
from pdf2audiobook.service.kit.errors import Unauthorized
from tests.service.auth.conftest import PROVIDER_KID, auth_settings
from tests.service.auth.token_factory import (
    FRONTEND_ORIGIN,
    ISSUER,
    FakeClock,
    JwksServer,
    hs256_token_keyed_with,
    public_pem,
    rs256_token,
    standard_claims,
    unsigned_token,
    with_payload_replaced,
)


@pytest.fixture
def verifier(jwks_server: JwksServer, clock: FakeClock) -> JwtVerifier:
    return JwtVerifier(auth_settings(clerk_jwks_url=jwks_server.url), clock=clock)


def _rejection_reason(verifier: JwtVerifier, token: str) -> str:
    with pytest.raises(Unauthorized) as rejection:
        verifier.verify(token)
    assert rejection.value.status_code == 401
    assert rejection.value.headers == {"WWW-Authenticate": "Bearer"}
    return rejection.value.detail


def test_valid_token_yields_subject_email_and_claims(
    verifier: JwtVerifier, provider_key: rsa.RSAPrivateKey
) -> None:
    token = rs256_token(provider_key, kid=PROVIDER_KID, email="ada@example.com")

    identity = verifier.verify(token)

    assert identity.subject == "user_2abc"
    assert identity.email == "ada@example.com"
    assert identity.claims["sid"] == "sess_123"


def test_token_without_email_claim_has_no_email(
    verifier: JwtVerifier, provider_key: rsa.RSAPrivateKey
) -> None:
    identity = verifier.verify(rs256_token(provider_key, kid=PROVIDER_KID))

    assert identity.email is None


def test_alg_none_is_rejected_without_fetching_keys(
    verifier: JwtVerifier, jwks_server: JwksServer
) -> None:
    reason = _rejection_reason(verifier, unsigned_token(kid=PROVIDER_KID))

    assert reason == "Token algorithm is not accepted"
    assert jwks_server.request_count == 0


def test_hs256_signed_with_our_public_key_pem_is_rejected(
    verifier: JwtVerifier, provider_key: rsa.RSAPrivateKey
) -> None:
    forged = hs256_token_keyed_with(public_pem(provider_key).encode(), kid=PROVIDER_KID)

    assert _rejection_reason(verifier, forged) == "Token algorithm is not accepted"


@pytest.mark.parametrize("algorithm", ["RS512", "PS256"])
def test_other_asymmetric_algorithms_are_rejected(
    verifier: JwtVerifier, provider_key: rsa.RSAPrivateKey, algorithm: str
) -> None:
    token = jwt.encode(
        standard_claims(), provider_key, algorithm=algorithm, headers={"kid": PROVIDER_KID}
    )

    assert _rejection_reason(verifier, token) == "Token algorithm is not accepted"


def test_hs256_forgery_is_rejected_in_pem_mode_too(provider_key: rsa.RSAPrivateKey) -> None:
    pem = public_pem(provider_key)
    verifier = JwtVerifier(auth_settings(jwt_public_key_pem=pem))

    forged = hs256_token_keyed_with(pem.encode(), kid=PROVIDER_KID)

    assert _rejection_reason(verifier, forged) == "Token algorithm is not accepted"


@pytest.mark.parametrize(
    ("claim_overrides", "reason"),
    [
        pytest.param({"exp": int(time.time()) - 3600}, "Token has expired", id="expired"),
        pytest.param({"nbf": int(time.time()) + 3600}, "Token is not valid yet", id="future-nbf"),
        pytest.param({"iat": int(time.time()) + 3600}, "Token is not valid yet", id="future-iat"),
        pytest.param({"iat": None}, "Token lacks the 'iat' claim", id="iat-missing"),
        pytest.param({"exp": None}, "Token lacks the 'exp' claim", id="exp-missing"),
        pytest.param({"sub": None}, "Token lacks the 'sub' claim", id="sub-missing"),
        pytest.param({"sub": ""}, "Token subject is invalid", id="sub-empty"),
        pytest.param({"sub": 42}, "Token subject is invalid", id="sub-not-a-string"),
        pytest.param({"iss": None}, "Token lacks the 'iss' claim", id="iss-missing"),
        pytest.param(
            {"iss": "https://evil.example.com"}, "Token issuer is not accepted", id="wrong-iss"
        ),
        pytest.param(
            {"iss": f"{ISSUER}.evil"}, "Token issuer is not accepted", id="iss-extends-ours"
        ),
        pytest.param(
            {"iss": "https://clerk.example"},
            "Token issuer is not accepted",
            id="iss-prefix-of-ours",
        ),
    ],
)
def test_token_with_bad_time_or_identity_claims_is_rejected(
    verifier: JwtVerifier,
    provider_key: rsa.RSAPrivateKey,
    claim_overrides: dict[str, Any],
    reason: str,
) -> None:
    token = rs256_token(provider_key, kid=PROVIDER_KID, **claim_overrides)

    assert _rejection_reason(verifier, token) == reason


def test_leeway_accepts_token_expired_within_it(
    jwks_server: JwksServer, provider_key: rsa.RSAPrivateKey
) -> None:
    verifier = JwtVerifier(auth_settings(clerk_jwks_url=jwks_server.url, jwt_leeway_seconds=30))
    token = rs256_token(provider_key, kid=PROVIDER_KID, exp=int(time.time()) - 10)

    assert verifier.verify(token).subject == "user_2abc"


def test_leeway_does_not_cover_token_expired_beyond_it(
    jwks_server: JwksServer, provider_key: rsa.RSAPrivateKey
) -> None:
    verifier = JwtVerifier(auth_settings(clerk_jwks_url=jwks_server.url, jwt_leeway_seconds=30))
    token = rs256_token(provider_key, kid=PROVIDER_KID, exp=int(time.time()) - 60)

    assert _rejection_reason(verifier, token) == "Token has expired"


def test_issuer_is_not_checked_when_not_configured(
    jwks_server: JwksServer, provider_key: rsa.RSAPrivateKey
) -> None:
    verifier = JwtVerifier(auth_settings(clerk_jwks_url=jwks_server.url, jwt_issuer=None))
    token = rs256_token(provider_key, kid=PROVIDER_KID, iss="https://elsewhere.example.com")

    assert verifier.verify(token).subject == "user_2abc"


class TestAudience:
    @pytest.fixture
    def verifier(self, jwks_server: JwksServer) -> JwtVerifier:
        return JwtVerifier(
            auth_settings(clerk_jwks_url=jwks_server.url, jwt_audience="pdf2audiobook-api")
        )

    def test_matching_audience_is_accepted(
        self, verifier: JwtVerifier, provider_key: rsa.RSAPrivateKey
    ) -> None:
        token = rs256_token(provider_key, kid=PROVIDER_KID, aud=["other-api", "pdf2audiobook-api"])

        assert verifier.verify(token).subject == "user_2abc"

    def test_wrong_audience_is_rejected(
        self, verifier: JwtVerifier, provider_key: rsa.RSAPrivateKey
    ) -> None:
        token = rs256_token(provider_key, kid=PROVIDER_KID, aud="other-api")

        assert _rejection_reason(verifier, token) == "Token audience is not accepted"

    def test_missing_audience_is_rejected(
        self, verifier: JwtVerifier, provider_key: rsa.RSAPrivateKey
    ) -> None:
        token = rs256_token(provider_key, kid=PROVIDER_KID)

        assert _rejection_reason(verifier, token) == "Token lacks the 'aud' claim"


def test_audience_in_token_is_ignored_when_none_is_configured(
    verifier: JwtVerifier, provider_key: rsa.RSAPrivateKey
) -> None:
    token = rs256_token(provider_key, kid=PROVIDER_KID, aud="some-template-audience")

    assert verifier.verify(token).subject == "user_2abc"


class TestAuthorizedParty:
    @pytest.fixture
    def verifier(self, jwks_server: JwksServer) -> JwtVerifier:
        return JwtVerifier(
            auth_settings(clerk_jwks_url=jwks_server.url, jwt_authorized_parties=[FRONTEND_ORIGIN])
        )

    def test_listed_azp_is_accepted(
        self, verifier: JwtVerifier, provider_key: rsa.RSAPrivateKey
    ) -> None:
        assert verifier.verify(rs256_token(provider_key, kid=PROVIDER_KID)).subject == "user_2abc"

    @pytest.mark.parametrize(
        "azp",
        [
            pytest.param("https://evil.example.com", id="other-origin"),
            pytest.param(None, id="missing"),
            pytest.param([FRONTEND_ORIGIN], id="not-a-string"),
        ],
    )
    def test_other_azp_is_rejected(
        self, verifier: JwtVerifier, provider_key: rsa.RSAPrivateKey, azp: object
    ) -> None:
        token = rs256_token(provider_key, kid=PROVIDER_KID, azp=azp)

        assert _rejection_reason(verifier, token) == "Token authorised party is not accepted"


def test_azp_is_not_checked_when_no_parties_are_configured(
    verifier: JwtVerifier, provider_key: rsa.RSAPrivateKey
) -> None:
    token = rs256_token(provider_key, kid=PROVIDER_KID, azp="https://anything.example.com")

    assert verifier.verify(token).subject == "user_2abc"


def test_tampered_payload_fails_signature_check(
    verifier: JwtVerifier, provider_key: rsa.RSAPrivateKey
) -> None:
    genuine = rs256_token(provider_key, kid=PROVIDER_KID)
    tampered = with_payload_replaced(genuine, sub="user_admin")

    assert _rejection_reason(verifier, tampered) == "Token signature is invalid"


def test_token_signed_by_another_key_under_a_known_kid_is_rejected(
    verifier: JwtVerifier, attacker_key: rsa.RSAPrivateKey
) -> None:
    token = rs256_token(attacker_key, kid=PROVIDER_KID)

    assert _rejection_reason(verifier, token) == "Token signature is invalid"


def test_token_without_kid_is_rejected_in_jwks_mode(
    verifier: JwtVerifier, provider_key: rsa.RSAPrivateKey
) -> None:
    assert _rejection_reason(verifier, rs256_token(provider_key, kid=None)) == (
        "Token has no key id"
    )


@pytest.mark.parametrize(
    "garbage",
    ["", "abc", "a.b.c", "....", "eyJhbGciOiJSUzI1NiJ9", "eyJhbGciOiJSUzI1NiJ9.e30.", "é.é.é"],
)
def test_garbage_is_rejected_as_unauthorized(verifier: JwtVerifier, garbage: str) -> None:
    with pytest.raises(Unauthorized):
        verifier.verify(garbage)


class TestPemMode:
    def test_token_signed_by_the_configured_key_is_accepted(
        self, provider_key: rsa.RSAPrivateKey
    ) -> None:
        verifier = JwtVerifier(auth_settings(jwt_public_key_pem=public_pem(provider_key)))

        identity = verifier.verify(rs256_token(provider_key, kid=None))

        assert identity.subject == "user_2abc"

    def test_pem_with_escaped_newlines_from_an_env_file_is_accepted(
        self, provider_key: rsa.RSAPrivateKey
    ) -> None:
        escaped = public_pem(provider_key).replace("\n", "\\n")
        verifier = JwtVerifier(auth_settings(jwt_public_key_pem=escaped))

        assert verifier.verify(rs256_token(provider_key, kid="any")).subject == "user_2abc"

    def test_token_signed_by_another_key_is_rejected(
        self, provider_key: rsa.RSAPrivateKey, attacker_key: rsa.RSAPrivateKey
    ) -> None:
        verifier = JwtVerifier(auth_settings(jwt_public_key_pem=public_pem(provider_key)))

        reason = _rejection_reason(verifier, rs256_token(attacker_key, kid=None))

        assert reason == "Token signature is invalid"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        pytest.param({}, "Set CLERK_JWKS_URL or JWT_PUBLIC_KEY_PEM", id="neither"),
        pytest.param(
            {"clerk_jwks_url": "https://x/jwks", "jwt_public_key_pem": "pem"},
            "not both",
            id="both",
        ),
        pytest.param({"jwt_public_key_pem": "not a pem"}, "not a PEM public key", id="junk-pem"),
    ],
)
def test_misconfiguration_fails_at_construction(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        JwtVerifier(auth_settings(**overrides))


def test_short_rsa_pem_key_is_refused_at_construction() -> None:
    weak_key = rsa.generate_private_key(public_exponent=65537, key_size=1024)

    with pytest.raises(ValueError, match="at least 2048 bits"):
        JwtVerifier(auth_settings(jwt_public_key_pem=public_pem(weak_key)))
