"""From an HTTP request's bearer token to a verified identity.

Two kinds of token are accepted: personal API tokens (`p2a_…`, for self-hosting and
scripts) and the identity provider's JWTs. There is deliberately no test or development
bypass: tests sign real tokens with their own keys.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi.openapi.models import HTTPBearer as HTTPBearerModel
from fastapi.security.base import SecurityBase
from starlette.requests import Request

from pdf2audiobook.service.auth.api_tokens import (
    API_TOKEN_PREFIX,
    hash_api_token,
    looks_like_api_token,
)
from pdf2audiobook.service.auth.jwt_verifier import JwtVerifier
from pdf2audiobook.service.auth.verified_identity import VerifiedIdentity
from pdf2audiobook.service.kit.errors import Unauthorized
from pdf2audiobook.service.kit.settings import Settings

ApiTokenHashResolver = Callable[[str], VerifiedIdentity | None]
"""Looks up an API token by `hash_api_token(token)`; None when no live token has that hash."""


class Authenticator:
    """Routes a bearer token to the check for its kind and returns who it belongs to."""

    def __init__(
        self,
        *,
        resolve_api_token_hash: ApiTokenHashResolver,
        jwt_verifier: JwtVerifier | None,
    ) -> None:
        """`jwt_verifier` is None when no JWT key is configured: then only API tokens work."""
        self._resolve_api_token_hash = resolve_api_token_hash
        self._jwt_verifier = jwt_verifier

    @classmethod
    def from_settings(
        cls, settings: Settings, *, resolve_api_token_hash: ApiTokenHashResolver
    ) -> Authenticator:
        """An authenticator that accepts JWTs if `settings` configure a key, else API tokens only.

        Raises `ValueError` for a JWT key configuration `JwtVerifier` refuses.
        """
        jwt_configured = bool(settings.clerk_jwks_url or settings.jwt_public_key_pem)
        return cls(
            resolve_api_token_hash=resolve_api_token_hash,
            jwt_verifier=JwtVerifier(settings) if jwt_configured else None,
        )

    def authenticate(self, token: str) -> VerifiedIdentity:
        """The identity behind `token`.

        Raises `Unauthorized` for an unknown, revoked, expired or malformed token, and
        `ServiceUnavailable` when a JWT cannot be checked because the JWKS is unreachable.
        The resolver only ever sees the token's hash, so the raw token never reaches the
        data layer (or its logs).
        """
        if token.startswith(API_TOKEN_PREFIX):
            # A malformed token cannot match a stored hash; skip the database round trip.
            identity = (
                self._resolve_api_token_hash(hash_api_token(token))
                if looks_like_api_token(token)
                else None
            )
            if identity is None:
                raise Unauthorized("API token is not valid")
            return identity
        if self._jwt_verifier is None:
            raise Unauthorized("Only API tokens are accepted by this server")
        return self._jwt_verifier.verify(token)


class BearerTokenScheme(SecurityBase):
    """FastAPI dependency returning the token from `Authorization: Bearer <token>`.

    Being a `SecurityBase`, it also declares the bearer scheme in the OpenAPI document.
    Raises `Unauthorized` (401 with `WWW-Authenticate: Bearer`) when the header is missing,
    uses another scheme, or carries no token or more than one part.
    """

    def __init__(self, *, scheme_name: str = "BearerToken") -> None:
        self.model = HTTPBearerModel(
            description="A Clerk session token (JWT) or a personal API token (p2a_…)."
        )
        self.scheme_name = scheme_name

    def __call__(self, request: Request) -> str:
        authorization = request.headers.get("Authorization")
        if authorization is None or not authorization.strip():
            raise Unauthorized("Missing bearer token")
        scheme, _, token = authorization.strip().partition(" ")
        # RFC 9110 §11.1: auth scheme names are case-insensitive.
        if scheme.lower() != "bearer":
            raise Unauthorized("Authorization must use the Bearer scheme")
        token = token.strip()
        if not token or any(character.isspace() for character in token):
            raise Unauthorized("Malformed bearer token")
        return token


bearer_token = BearerTokenScheme()
