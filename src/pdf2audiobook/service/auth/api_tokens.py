"""Personal API tokens for self-hosted use: opaque random strings, stored only as hashes.

A token is shown to its owner once, at creation; the database keeps `hash_api_token(token)`
and nothing that could be turned back into the token.
"""

from __future__ import annotations

import hashlib
import re
import secrets

API_TOKEN_PREFIX = "p2a_"
_RANDOM_BYTES = 32
# 32 bytes of URL-safe base64 without padding is always 43 characters.
_API_TOKEN_SHAPE = re.compile(rf"{API_TOKEN_PREFIX}[A-Za-z0-9_-]{{43}}")


def generate_api_token() -> str:
    """A new token: `p2a_` followed by 32 bytes from the OS's CSPRNG, URL-safe base64."""
    return API_TOKEN_PREFIX + secrets.token_urlsafe(_RANDOM_BYTES)


def hash_api_token(token: str) -> str:
    """The value to store and look tokens up by: the SHA-256 hex digest of the token.

    A fast unsalted hash is enough here, unlike for passwords: a token carries 256 bits
    from a CSPRNG, so a leaked digest cannot be brute-forced back to its token, and there
    is no low-entropy input for a slow KDF or a salt to protect. Not keying it with
    SECRET_KEY also means rotating that secret does not invalidate every token.
    """
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def looks_like_api_token(token: str) -> bool:
    """True if `token` has exactly the shape `generate_api_token` produces."""
    return _API_TOKEN_SHAPE.fullmatch(token) is not None
