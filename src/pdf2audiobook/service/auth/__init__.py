"""Authentication: bearer tokens (identity-provider JWTs or personal API tokens) to identities."""

from pdf2audiobook.service.auth.api_tokens import (
    API_TOKEN_PREFIX,
    generate_api_token,
    hash_api_token,
    looks_like_api_token,
)
from pdf2audiobook.service.auth.identity import (
    ApiTokenHashResolver,
    Authenticator,
    BearerTokenScheme,
    bearer_token,
)
from pdf2audiobook.service.auth.jwt_verifier import JwtVerifier
from pdf2audiobook.service.auth.verified_identity import VerifiedIdentity

__all__ = [
    "API_TOKEN_PREFIX",
    "ApiTokenHashResolver",
    "Authenticator",
    "BearerTokenScheme",
    "JwtVerifier",
    "VerifiedIdentity",
    "bearer_token",
    "generate_api_token",
    "hash_api_token",
    "looks_like_api_token",
]
