"""Paddle's webhook signatures: the `Paddle-Signature` header checked against our secrets.

Paddle signs `f"{ts}:{raw_body}"` with HMAC-SHA256 under the notification destination's
secret and sends `Paddle-Signature: ts=<unix seconds>;h1=<hex digest>`, with several `h1`
values while Paddle rotates that secret
(https://developer.paddle.com/webhooks/signature-verification). We also accept several secrets
of our own, so a new secret can be deployed before the old one is retired.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from pdf2audiobook.service.payments.provider import InvalidSignature
from pdf2audiobook.service.payments.signed_webhooks import HmacSignatureVerifier, SignatureHeader

SIGNATURE_HEADER = "Paddle-Signature"

_TIMESTAMP_KEY = "ts"
_SIGNATURE_KEY = "h1"
_TIMESTAMP = re.compile(r"\d{1,12}")
_HEX_SHA256 = re.compile(r"[0-9a-f]{64}")


def parse_signature_header(value: str | None) -> SignatureHeader:
    """The timestamp and `h1` values of a `Paddle-Signature` header.

    Raises InvalidSignature, naming what is wrong, for a missing or empty header, a part
    without `=`, a missing, repeated or non-numeric `ts`, and no `h1` or one that is not a
    SHA-256 hex digest. Keys other than `ts` and `h1` are skipped: Paddle may add schemes
    beside `h1`, and a header still verifies on the `h1` it carries.
    """
    if value is None or not value.strip():
        raise InvalidSignature(f"The {SIGNATURE_HEADER} header is missing.")
    timestamp: str | None = None
    signatures: list[str] = []
    for part in value.split(";"):
        key, separator, item = (piece.strip() for piece in part.partition("="))
        if not separator or not key:
            raise InvalidSignature(f"The {SIGNATURE_HEADER} header is malformed.")
        if key == _TIMESTAMP_KEY:
            if timestamp is not None:
                raise InvalidSignature(f"The {SIGNATURE_HEADER} header has more than one ts.")
            if not _TIMESTAMP.fullmatch(item):
                raise InvalidSignature(f"The {SIGNATURE_HEADER} timestamp is not a number.")
            timestamp = item
        elif key == _SIGNATURE_KEY:
            if not _HEX_SHA256.fullmatch(item.lower()):
                raise InvalidSignature(f"The {SIGNATURE_HEADER} h1 is not a SHA-256 digest.")
            signatures.append(item.lower())
    if timestamp is None:
        raise InvalidSignature(f"The {SIGNATURE_HEADER} header has no timestamp (ts).")
    if not signatures:
        raise InvalidSignature(f"The {SIGNATURE_HEADER} header has no signature (h1).")
    return SignatureHeader(timestamp, tuple(signatures))


def _digest(body: bytes, secret: str, timestamp: str) -> str:
    signed = timestamp.encode("ascii") + b":" + body
    return hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()


def sign(body: bytes, secret: str, timestamp: int) -> str:
    """The `Paddle-Signature` value Paddle would send for `body` signed with `secret` at the
    unix time `timestamp`: `ts=<timestamp>;h1=<hex HMAC-SHA256 of "ts:body">`."""
    if not secret:
        raise ValueError("a webhook secret must not be empty")
    return f"{_TIMESTAMP_KEY}={timestamp};{_SIGNATURE_KEY}={_digest(body, secret, str(timestamp))}"


class SignatureVerifier(HmacSignatureVerifier):
    """Checks `Paddle-Signature` headers against one or more endpoint secrets (see
    `HmacSignatureVerifier` for the tolerance and the secrets it refuses)."""

    def parse(self, header: str | None) -> SignatureHeader:
        return parse_signature_header(header)

    def digest(self, body: bytes, secret: str, timestamp: str) -> str:
        return _digest(body, secret, timestamp)
