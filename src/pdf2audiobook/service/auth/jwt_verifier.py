"""Verification of identity-provider JWTs (Clerk session tokens or any RS256 issuer)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from jwt.exceptions import InvalidSubjectError

from pdf2audiobook.service.auth.jwks import (
    MIN_RSA_KEY_BITS,
    JwksKeySet,
    SigningKeysUnavailableError,
    UnknownSigningKeyError,
)
from pdf2audiobook.service.auth.verified_identity import VerifiedIdentity
from pdf2audiobook.service.kit.errors import ServiceUnavailable, Unauthorized
from pdf2audiobook.service.kit.settings import Settings

# The only algorithm accepted, fixed here and never read from the token (RFC 8725 §2.1):
# that alone rules out `none`, and HS256 "signed" with our public key as the HMAC secret.
ACCEPTED_ALGORITHM = "RS256"
_ALWAYS_REQUIRED_CLAIMS = ("exp", "iat", "sub")

# Most specific first: several of these subclass InvalidTokenError or DecodeError.
_REASONS: tuple[tuple[type[jwt.PyJWTError], str], ...] = (
    (jwt.ExpiredSignatureError, "Token has expired"),
    (jwt.ImmatureSignatureError, "Token is not valid yet"),
    (jwt.InvalidSignatureError, "Token signature is invalid"),
    (jwt.InvalidIssuerError, "Token issuer is not accepted"),
    (InvalidSubjectError, "Token subject is invalid"),
    (jwt.InvalidAudienceError, "Token audience is not accepted"),
    (jwt.InvalidAlgorithmError, "Token algorithm is not accepted"),
    (jwt.InvalidKeyError, "Token signing key is not accepted"),
    (jwt.DecodeError, "Token is malformed"),
)


class JwtVerifier:
    """Checks bearer JWTs against the configured key and claim rules.

    Keys come from exactly one of `settings.clerk_jwks_url` (fetched and cached, see
    `JwksKeySet`) or `settings.jwt_public_key_pem`. The constructor raises `ValueError`
    when neither or both are set, or when the PEM is not an RSA public key of at least
    2048 bits, so a misconfiguration stops the service at start-up rather than at a request.
    """

    def __init__(self, settings: Settings, *, clock: Callable[[], float] = time.monotonic) -> None:
        """`clock` drives only the JWKS refetch rate limit; token times use the wall clock."""
        if settings.clerk_jwks_url and settings.jwt_public_key_pem:
            raise ValueError("Set either CLERK_JWKS_URL or JWT_PUBLIC_KEY_PEM, not both.")
        self._jwks: JwksKeySet | None = None
        self._pem_key: RSAPublicKey | None = None
        if settings.clerk_jwks_url:
            self._jwks = JwksKeySet(settings.clerk_jwks_url, clock=clock)
        elif settings.jwt_public_key_pem:
            self._pem_key = _load_rsa_public_key(settings.jwt_public_key_pem)
        else:
            raise ValueError("Set CLERK_JWKS_URL or JWT_PUBLIC_KEY_PEM to accept JWTs.")

        self._issuer = settings.jwt_issuer
        self._audience = settings.jwt_audience
        self._authorized_parties = frozenset(settings.jwt_authorized_parties)
        self._leeway_seconds = settings.jwt_leeway_seconds
        required = list(_ALWAYS_REQUIRED_CLAIMS)
        if self._issuer is not None:
            required.append("iss")
        if self._audience is not None:
            required.append("aud")
        self._required_claims = required

    def verify(self, token: str) -> VerifiedIdentity:
        """The identity a valid token asserts.

        Raises `Unauthorized` with a short reason for any token that is not valid now, and
        `ServiceUnavailable` when the JWKS cannot be fetched and no cached key applies:
        the token may well be valid, so telling the client to sign in again would be wrong.
        Never raises anything else for untrusted input. May block on a JWKS fetch.
        """
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise Unauthorized("Token is malformed") from None
        # Checked before any key lookup so that junk tokens never cause a JWKS fetch.
        if header.get("alg") != ACCEPTED_ALGORITHM:
            raise Unauthorized("Token algorithm is not accepted")
        key = self._signing_key(header)

        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[ACCEPTED_ALGORITHM],
                issuer=self._issuer,
                audience=self._audience,
                leeway=self._leeway_seconds,
                options={
                    "require": self._required_claims,
                    # With no audience configured, pyjwt would reject every token that
                    # carries one; Clerk's JWT templates may add `aud`.
                    "verify_aud": self._audience is not None,
                    "enforce_minimum_key_length": True,
                },
            )
        except jwt.MissingRequiredClaimError as error:
            raise Unauthorized(f"Token lacks the '{error.claim}' claim") from None
        except jwt.PyJWTError as error:
            raise Unauthorized(_reason_for(error)) from None

        return self._identity_from(claims)

    def _signing_key(self, header: dict[str, Any]) -> RSAPublicKey:
        if self._pem_key is not None:
            return self._pem_key
        assert self._jwks is not None  # the constructor set exactly one key source
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise Unauthorized("Token has no key id")
        try:
            return self._jwks.key_for(kid)
        except UnknownSigningKeyError:
            raise Unauthorized("Token signing key is not known") from None
        except SigningKeysUnavailableError:
            raise ServiceUnavailable("Cannot verify sign-in tokens right now") from None

    def _identity_from(self, claims: dict[str, Any]) -> VerifiedIdentity:
        subject = claims["sub"]
        if not isinstance(subject, str) or not subject.strip():
            raise Unauthorized("Token subject is invalid")
        if self._authorized_parties:
            # Clerk's `azp` is the origin of the front end the session token was minted
            # for; requiring it (rather than checking only when present) keeps a token
            # minted for some other site on the same Clerk instance out.
            authorized_party = claims.get("azp")
            if (
                not isinstance(authorized_party, str)
                or authorized_party not in self._authorized_parties
            ):
                raise Unauthorized("Token authorised party is not accepted")
        email = claims.get("email")
        issuer = claims.get("iss")
        return VerifiedIdentity(
            subject=subject,
            email=email if isinstance(email, str) else None,
            claims=claims,
            issuer=issuer if isinstance(issuer, str) else "",
        )


def _reason_for(error: jwt.PyJWTError) -> str:
    for error_type, reason in _REASONS:
        if isinstance(error, error_type):
            return reason
    return "Token is invalid"


def _load_rsa_public_key(pem: str) -> RSAPublicKey:
    # Environment variables often carry a PEM with its newlines written as "\n".
    pem_bytes = pem.replace("\\n", "\n").strip().encode("ascii", errors="replace")
    try:
        key = load_pem_public_key(pem_bytes)
    except ValueError as error:
        raise ValueError("JWT_PUBLIC_KEY_PEM is not a PEM public key.") from error
    if not isinstance(key, RSAPublicKey):
        raise ValueError("JWT_PUBLIC_KEY_PEM must be an RSA public key (RS256).")
    if key.key_size < MIN_RSA_KEY_BITS:
        raise ValueError(f"JWT_PUBLIC_KEY_PEM must be at least {MIN_RSA_KEY_BITS} bits.")
    return key
