"""Google service-account credentials: a signed JWT assertion exchanged for bearer tokens.

The OAuth 2.0 JWT-bearer flow Google documents for server-to-server calls: sign an RS256
assertion with the key file's private key, post it to the key's `token_uri`, and reuse the
access token until shortly before it expires.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt

from pdf2audiobook.pipeline.voices.cloud.errors import ProviderAuthError, ProviderRequestError
from pdf2audiobook.pipeline.voices.cloud.http import RetryPolicy, request_with_retries
from pdf2audiobook.pipeline.voices.errors import VoiceUnavailableError

NO_CREDENTIALS = (
    "set GOOGLE_API_KEY, or GOOGLE_APPLICATION_CREDENTIALS to a service-account key file"
)

CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform"
JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
_ASSERTION_LIFETIME_SECONDS = 3600
"""Google accepts assertions valid for at most one hour."""
_TOKEN_REFRESH_MARGIN_SECONDS = 300.0
"""Fetch a new token this long before the old one expires, so no request carries a token
that dies in flight or on a server whose clock runs a little ahead."""


@dataclass(frozen=True)
class ServiceAccountKey:
    """The fields of a service-account key file that the token exchange needs."""

    client_email: str
    token_uri: str
    private_key_id: str | None
    private_key: str = field(repr=False)
    """PEM; kept out of `repr` so it never reaches a log or a traceback."""

    @classmethod
    def load(cls, path: Path) -> ServiceAccountKey:
        """The key in `path`; raises ValueError saying what is wrong with the file."""
        try:
            fields = json.loads(path.read_text(encoding="utf-8"))
        except OSError as error:
            raise ValueError(f"cannot read {path}: {error.strerror or error}") from None
        except json.JSONDecodeError:
            raise ValueError(f"{path} is not a JSON key file") from None
        if not isinstance(fields, dict) or fields.get("type") != "service_account":
            raise ValueError(
                f"{path} is not a service-account key (its type must be service_account)"
            )
        values = {name: fields.get(name) for name in ("client_email", "private_key", "token_uri")}
        missing = [
            name for name, value in values.items() if not isinstance(value, str) or not value
        ]
        if missing:
            raise ValueError(f"{path} lacks {', '.join(missing)}")
        key_id = fields.get("private_key_id")
        return cls(
            client_email=str(values["client_email"]),
            private_key=str(values["private_key"]),
            private_key_id=key_id if isinstance(key_id, str) else None,
            token_uri=str(values["token_uri"]),
        )


class ServiceAccountTokens:
    """Bearer tokens for the service account in `key_path`, each reused until shortly
    before it expires; thread-safe. `http` gives the client to post assertions with."""

    def __init__(
        self,
        key_path: Path | None,
        http: Callable[[], httpx.Client],
        policy: RetryPolicy,
        clock: Callable[[], float],
    ) -> None:
        self._key_path = key_path
        self._http = http
        self._policy = policy
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires_at = 0.0

    def token(self) -> str:
        """A valid access token, fetched from the key's token_uri when none is cached.

        Raises `VoiceUnavailableError` for a missing or unreadable key file and
        `ProviderAuthError` when the key cannot sign or Google refuses the assertion.
        """
        with self._lock:
            if self._token is not None and self._clock() < self._expires_at:
                return self._token
            key = self._key()
            issued_at = self._clock()
            token, lifetime = self._exchange(key, issued_at)
            self._token = token
            self._expires_at = issued_at + lifetime - _TOKEN_REFRESH_MARGIN_SECONDS
            return token

    def forget(self) -> None:
        """Drop the cached token, so the next `token()` fetches a new one."""
        with self._lock:
            self._token = None
            self._expires_at = 0.0

    def _exchange(self, key: ServiceAccountKey, now: float) -> tuple[str, float]:
        claims = {
            "iss": key.client_email,
            "scope": CLOUD_PLATFORM_SCOPE,
            "aud": key.token_uri,
            "iat": int(now),
            "exp": int(now) + _ASSERTION_LIFETIME_SECONDS,
        }
        # The key id lets Google pick the right public key when the account has several.
        header = {"kid": key.private_key_id} if key.private_key_id else None
        try:
            assertion = jwt.encode(claims, key.private_key, algorithm="RS256", headers=header)
        except (ValueError, TypeError, jwt.PyJWTError) as error:
            raise ProviderAuthError(
                f"The private key of the Google service account {key.client_email} cannot "
                f"sign a token ({type(error).__name__}); check GOOGLE_APPLICATION_CREDENTIALS."
            ) from None
        try:
            response = request_with_retries(
                self._http(),
                "POST",
                key.token_uri,
                provider="google",
                policy=self._policy,
                headers={"Content-Type": "application/x-www-form-urlencoded"},
                content=urlencode(
                    {"grant_type": JWT_BEARER_GRANT, "assertion": assertion}
                ).encode(),
            )
        except ProviderRequestError as error:
            # 400 invalid_grant and friends: the account or its key was refused.
            raise ProviderAuthError(
                f"google refused the service account {key.client_email} ({error.message})."
            ) from None
        return _token_of(response)

    def _key(self) -> ServiceAccountKey:
        path = self._key_path
        if path is None:
            raise VoiceUnavailableError(f"The Google voices cannot be used: {NO_CREDENTIALS}.")
        try:
            return ServiceAccountKey.load(path)
        except ValueError as error:
            raise VoiceUnavailableError(
                f"The Google voices cannot be used: GOOGLE_APPLICATION_CREDENTIALS: {error}."
            ) from None


def _token_of(response: httpx.Response) -> tuple[str, float]:
    try:
        fields = json_object(response)
        token, lifetime = fields.get("access_token"), fields.get("expires_in")
        if not isinstance(token, str) or not token or not isinstance(lifetime, int | float):
            raise ValueError("it lacks access_token or expires_in")
    except ValueError as error:
        raise ProviderAuthError(f"google's token endpoint answered unreadably: {error}.") from None
    return token, float(lifetime)


def json_object(response: httpx.Response) -> dict[str, Any]:
    try:
        fields = response.json()
    except ValueError:
        raise ValueError("it is not JSON") from None
    if not isinstance(fields, dict):
        raise ValueError("it is not a JSON object")
    return fields
