"""What Paddle's and Stripe's webhook signatures share: an HMAC-SHA256 over a timestamp and
the raw body, several signatures and several secrets accepted, and a timestamp tolerance.
Each provider supplies how its header reads and what exactly it signs."""

from __future__ import annotations

import hmac
import math
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pdf2audiobook.service.payments.provider import InvalidSignature


@dataclass(frozen=True, slots=True)
class SignatureHeader:
    """A parsed signature header: the timestamp exactly as sent (it is part of the signed
    text) and every signature in it."""

    timestamp: str
    signatures: tuple[str, ...]

    @property
    def timestamp_seconds(self) -> int:
        return int(self.timestamp)


class HmacSignatureVerifier(ABC):
    """Checks a provider's signature header against one or more endpoint secrets.

    A delivery verifies when any configured secret produces any of its signatures, and its
    timestamp is within `tolerance_seconds` of `clock()` in either direction: older ones may
    be replays, and one further ahead than the clock skew we allow cannot come from a
    provider, which signs at the moment it sends. The constructor refuses an empty secret
    list and empty secrets, because an HMAC under an empty key can be computed by anyone.
    """

    def __init__(
        self,
        secrets: Sequence[str],
        *,
        tolerance_seconds: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if isinstance(secrets, str):
            raise TypeError("secrets must be a sequence of strings, not one string")
        if not secrets:
            raise ValueError("at least one webhook secret is required")
        if any(not secret or not secret.strip() for secret in secrets):
            raise ValueError("webhook secrets must not be empty")
        if not (math.isfinite(tolerance_seconds) and tolerance_seconds > 0):
            raise ValueError(f"tolerance_seconds must be positive: {tolerance_seconds}")
        self._secrets = tuple(secrets)
        self._tolerance = tolerance_seconds
        self._clock = clock

    @abstractmethod
    def parse(self, header: str | None) -> SignatureHeader:
        """The header's timestamp and signatures; raises InvalidSignature when malformed."""

    @abstractmethod
    def digest(self, body: bytes, secret: str, timestamp: str) -> str:
        """The hex signature the provider would send for `body` at `timestamp`."""

    def verify(self, body: bytes, header: str | None) -> SignatureHeader:
        """Verify the raw request `body` against its signature header value.

        Returns the parsed header. Raises InvalidSignature for a missing or malformed header,
        for no matching signature, and for a timestamp outside the tolerance.
        """
        parsed = self.parse(header)
        if not self._matches(body, parsed):
            raise InvalidSignature("The webhook signature does not match.")
        # Checked after the signature, so a timestamp reason is only ever given about a
        # delivery that really was signed with one of our secrets.
        age = self._clock() - parsed.timestamp_seconds
        if age > self._tolerance:
            raise InvalidSignature("The webhook timestamp is too old.")
        if -age > self._tolerance:
            raise InvalidSignature("The webhook timestamp is in the future.")
        return parsed

    def _matches(self, body: bytes, parsed: SignatureHeader) -> bool:
        expected = [self.digest(body, secret, parsed.timestamp) for secret in self._secrets]
        # Every pair is compared, with compare_digest, so the time taken says nothing about
        # which secret or which signature came close.
        found = False
        for digest in expected:
            for signature in parsed.signatures:
                found |= hmac.compare_digest(digest, signature)
        return found
