"""Stripe's webhook signatures: the `Stripe-Signature` header checked against our secrets.

Stripe signs `f"{t}.{raw_body}"` with HMAC-SHA256 under the endpoint's signing secret
(`whsec_...`) and sends `Stripe-Signature: t=<unix seconds>,v1=<hex digest>`. While Stripe
rolls an endpoint's secret, the header carries one `v1` per active secret; test-mode
deliveries may add a `v0` scheme, which is not a signature we check
(https://docs.stripe.com/webhooks#verify-manually). We also accept several secrets of our
own, so a new endpoint secret can be deployed before the old one is retired.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pdf2audiobook.service.payments.provider import InvalidSignature

SIGNATURE_HEADER = "Stripe-Signature"

_TIMESTAMP_KEY = "t"
_SIGNATURE_KEY = "v1"
_TIMESTAMP = re.compile(r"\d{1,12}")
_HEX_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class SignatureHeader:
    """A parsed `Stripe-Signature` value: the timestamp exactly as sent (it is part of the
    signed text) and every `v1` signature in it."""

    timestamp: str
    signatures: tuple[str, ...]

    @property
    def timestamp_seconds(self) -> int:
        return int(self.timestamp)


def parse_signature_header(value: str | None) -> SignatureHeader:
    """The timestamp and `v1` values of a `Stripe-Signature` header.

    Raises InvalidSignature, naming what is wrong, for a missing or empty header, a part
    without `=`, a missing, repeated or non-numeric `t`, and no `v1` or one that is not a
    SHA-256 hex digest. Other schemes (`v0`) are skipped: a header verifies on its `v1`.
    """
    if value is None or not value.strip():
        raise InvalidSignature(f"The {SIGNATURE_HEADER} header is missing.")
    timestamp: str | None = None
    signatures: list[str] = []
    for part in value.split(","):
        key, separator, item = (piece.strip() for piece in part.partition("="))
        if not separator or not key:
            raise InvalidSignature(f"The {SIGNATURE_HEADER} header is malformed.")
        if key == _TIMESTAMP_KEY:
            if timestamp is not None:
                raise InvalidSignature(f"The {SIGNATURE_HEADER} header has more than one t.")
            if not _TIMESTAMP.fullmatch(item):
                raise InvalidSignature(f"The {SIGNATURE_HEADER} timestamp is not a number.")
            timestamp = item
        elif key == _SIGNATURE_KEY:
            if not _HEX_SHA256.fullmatch(item.lower()):
                raise InvalidSignature(f"The {SIGNATURE_HEADER} v1 is not a SHA-256 digest.")
            signatures.append(item.lower())
    if timestamp is None:
        raise InvalidSignature(f"The {SIGNATURE_HEADER} header has no timestamp (t).")
    if not signatures:
        raise InvalidSignature(f"The {SIGNATURE_HEADER} header has no signature (v1).")
    return SignatureHeader(timestamp, tuple(signatures))


def _digest(body: bytes, secret: str, timestamp: str) -> str:
    signed = timestamp.encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()


def sign(body: bytes, secret: str, timestamp: int) -> str:
    """The `Stripe-Signature` value Stripe would send for `body` signed with `secret` at the
    unix time `timestamp`: `t=<timestamp>,v1=<hex HMAC-SHA256 of "t.body">`."""
    if not secret:
        raise ValueError("a webhook secret must not be empty")
    return f"{_TIMESTAMP_KEY}={timestamp},{_SIGNATURE_KEY}={_digest(body, secret, str(timestamp))}"


class SignatureVerifier:
    """Checks `Stripe-Signature` headers against one or more endpoint secrets.

    A delivery verifies when any configured secret produces any of its `v1` values, and its
    timestamp is within `tolerance_seconds` of `clock()` in either direction. Stripe's own
    libraries reject only timestamps that are too old; a timestamp further ahead than the
    clock skew we allow is refused too, because Stripe signs at the moment it sends and a
    far-future signature would stay replayable for longer than the tolerance. The
    constructor refuses an empty secret list and empty secrets: an HMAC under an empty key
    can be computed by anyone.
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

    def verify(self, body: bytes, header: str | None) -> SignatureHeader:
        """Verify the raw request `body` against its `Stripe-Signature` header value.

        Returns the parsed header. Raises InvalidSignature for a missing or malformed header,
        for no matching signature, and for a timestamp outside the tolerance.
        """
        parsed = parse_signature_header(header)
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
        expected = [_digest(body, secret, parsed.timestamp) for secret in self._secrets]
        # Every pair is compared, with compare_digest, so the time taken says nothing about
        # which secret or which v1 came close.
        found = False
        for digest in expected:
            for signature in parsed.signatures:
                found |= hmac.compare_digest(digest, signature)
        return found
