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
import re

from pdf2audiobook.service.payments.provider import InvalidSignature
from pdf2audiobook.service.payments.signed_webhooks import HmacSignatureVerifier, SignatureHeader

SIGNATURE_HEADER = "Stripe-Signature"

_TIMESTAMP_KEY = "t"
_SIGNATURE_KEY = "v1"
_TIMESTAMP = re.compile(r"\d{1,12}")
_HEX_SHA256 = re.compile(r"[0-9a-f]{64}")


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


class SignatureVerifier(HmacSignatureVerifier):
    """Checks `Stripe-Signature` headers against one or more endpoint secrets (see
    `HmacSignatureVerifier` for the tolerance and the secrets it refuses)."""

    def parse(self, header: str | None) -> SignatureHeader:
        return parse_signature_header(header)

    def digest(self, body: bytes, secret: str, timestamp: str) -> str:
        return _digest(body, secret, timestamp)
