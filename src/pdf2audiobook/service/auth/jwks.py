"""The identity provider's signing keys, fetched from its JWKS URL and cached by key id.

Fetches are rate-limited so that tokens naming unknown key ids — which anyone can
mint — cannot turn this service into a request amplifier against the provider.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from jwt.algorithms import RSAAlgorithm
from jwt.exceptions import InvalidKeyError

_log = logging.getLogger(__name__)

MIN_RSA_KEY_BITS = 2048


class SigningKeysUnavailableError(Exception):
    """The key set could not be fetched, so no verdict on the token is possible."""


class UnknownSigningKeyError(Exception):
    """A freshly fetched key set has no key with the token's key id."""


class _UnusableKeySetError(Exception):
    """The JWKS response arrived but holds no key we can verify RS256 signatures with."""


class JwksKeySet:
    """RSA verification keys from a JWKS URL, selected by `kid`.

    Keys are fetched lazily on first use and kept for `max_age_seconds`; after that the next
    lookup refreshes them. A key id not in the cache also triggers a refresh, because the
    provider may have rotated keys. Whatever the trigger, fetches start at most once per
    `min_refetch_interval_seconds`, measured on `clock`, whether they succeeded or not.

    When a refresh fails, the keys from the last successful fetch stay in use, so a
    provider outage does not lock out users whose tokens we can still check.

    Thread-safe: FastAPI runs sync dependencies on a thread pool and they share one instance.
    """

    def __init__(
        self,
        url: str,
        *,
        clock: Callable[[], float] = time.monotonic,
        min_refetch_interval_seconds: float = 60.0,
        max_age_seconds: float = 300.0,
        timeout_seconds: float = 5.0,
    ) -> None:
        self._url = url
        self._clock = clock
        self._min_refetch_interval = min_refetch_interval_seconds
        self._max_age = max_age_seconds
        self._timeout = timeout_seconds
        self._lock = threading.Lock()
        self._keys: dict[str, RSAPublicKey] | None = None
        self._fetched_at: float | None = None
        self._last_attempt_at: float | None = None
        self._last_attempt_failed = False

    def key_for(self, kid: str) -> RSAPublicKey:
        """The public key with id `kid`.

        Raises `UnknownSigningKeyError` when the current key set lacks `kid`, and
        `SigningKeysUnavailableError` when we have no current key set to judge by: none was
        ever fetched, or the latest fetch failed and `kid` is not among the older keys.
        May block for up to the fetch timeout while a refresh runs.
        """
        keys = self._keys
        if keys is not None and kid in keys and not self._is_stale(self._clock()):
            return keys[kid]

        with self._lock:
            now = self._clock()
            # Another thread may have refreshed while this one waited for the lock.
            keys = self._keys
            needs_refresh = keys is None or kid not in keys or self._is_stale(now)
            if needs_refresh and self._may_fetch(now):
                self._refresh(now)
                keys = self._keys
            if keys is not None and kid in keys:
                return keys[kid]
            if keys is None or self._last_attempt_failed:
                raise SigningKeysUnavailableError
            raise UnknownSigningKeyError

    def _is_stale(self, now: float) -> bool:
        return self._fetched_at is None or now - self._fetched_at >= self._max_age

    def _may_fetch(self, now: float) -> bool:
        return (
            self._last_attempt_at is None
            or now - self._last_attempt_at >= self._min_refetch_interval
        )

    def _refresh(self, now: float) -> None:
        self._last_attempt_at = now
        try:
            keys = self._fetch()
        except (httpx.HTTPError, ValueError, _UnusableKeySetError) as error:
            self._last_attempt_failed = True
            _log.warning("Could not refresh JWKS from %s: %r", self._url, error)
            return
        self._keys = keys
        self._fetched_at = now
        self._last_attempt_failed = False

    def _fetch(self) -> dict[str, RSAPublicKey]:
        # The URL is configuration, never taken from a token (no `jku`/`x5u`), and
        # redirects are not followed, so the fetch cannot be steered elsewhere.
        response = httpx.get(self._url, timeout=self._timeout, follow_redirects=False)
        response.raise_for_status()
        document = response.json()
        entries = document.get("keys") if isinstance(document, dict) else None
        if not isinstance(entries, list):
            raise _UnusableKeySetError("response has no 'keys' list")
        keys = {
            entry["kid"]: key for entry in entries if (key := _rs256_public_key(entry)) is not None
        }
        if not keys:
            raise _UnusableKeySetError("no usable RS256 keys")
        return keys


def _rs256_public_key(entry: Any) -> RSAPublicKey | None:
    """The verification key a JWKS entry describes, or None if we must not use it for RS256."""
    if not isinstance(entry, dict):
        return None
    kid = entry.get("kid")
    if not isinstance(kid, str) or not kid:
        return None
    if entry.get("kty") != "RSA" or entry.get("use", "sig") != "sig":
        return None
    if entry.get("alg", "RS256") != "RS256":
        return None
    # A published private exponent means the provider is misconfigured; trust none of it.
    if "d" in entry or not all(isinstance(entry.get(part), str) for part in ("n", "e")):
        return None
    try:
        key = RSAAlgorithm.from_jwk({"kty": "RSA", "n": entry["n"], "e": entry["e"]})
    except (InvalidKeyError, ValueError):
        return None
    if not isinstance(key, RSAPublicKey) or key.key_size < MIN_RSA_KEY_BITS:
        return None
    return key
