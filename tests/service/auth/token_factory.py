"""Test doubles for an identity provider: RSA keys, a JWKS served over real HTTP, minted tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

ISSUER = "https://clerk.example.com"
FRONTEND_ORIGIN = "https://app.example.com"
JWKS_PATH = "/.well-known/jwks.json"


def new_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_pem(key: rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


def jwk_for(key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    """The public JWK a provider would publish for `key`, in Clerk's shape."""
    public_jwk = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    return {**public_jwk, "kid": kid, "use": "sig", "alg": "RS256"}


def standard_claims(**overrides: Any) -> dict[str, Any]:
    """Claims of a fresh Clerk-like session token; an override of None removes the claim."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": "user_2abc",
        "iat": now,
        "nbf": now,
        "exp": now + 300,
        "iss": ISSUER,
        "azp": FRONTEND_ORIGIN,
        "sid": "sess_123",
    }
    claims.update(overrides)
    return {name: value for name, value in claims.items() if value is not None}


def rs256_token(key: rsa.RSAPrivateKey, *, kid: str | None, **claim_overrides: Any) -> str:
    headers = {"kid": kid} if kid is not None else None
    return jwt.encode(standard_claims(**claim_overrides), key, algorithm="RS256", headers=headers)


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _segment(document: dict[str, Any]) -> str:
    return _b64url(json.dumps(document, separators=(",", ":")).encode("utf-8"))


def unsigned_token(*, kid: str, **claim_overrides: Any) -> str:
    """An `alg: none` token with an empty signature."""
    header = _segment({"alg": "none", "typ": "JWT", "kid": kid})
    return f"{header}.{_segment(standard_claims(**claim_overrides))}."


def hs256_token_keyed_with(secret: bytes, *, kid: str, **claim_overrides: Any) -> str:
    """An HS256 token built by hand, since pyjwt refuses to use a PEM as an HMAC secret."""
    signing_input = (
        f"{_segment({'alg': 'HS256', 'typ': 'JWT', 'kid': kid})}."
        f"{_segment(standard_claims(**claim_overrides))}"
    )
    signature = hmac.new(secret, signing_input.encode("ascii"), hashlib.sha256).digest()
    return f"{signing_input}.{_b64url(signature)}"


def with_payload_replaced(token: str, **claim_overrides: Any) -> str:
    """`token` with a different payload but its original header and signature."""
    header, _, signature = token.split(".")
    return f"{header}.{_segment(standard_claims(**claim_overrides))}.{signature}"


class FakeClock:
    """A monotonic clock that moves only when told to."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class JwksServer:
    """A JWKS endpoint on 127.0.0.1 that counts the requests it answers."""

    def __init__(self) -> None:
        self.keys: list[Any] = []
        self.status = 200
        self.raw_body: bytes | None = None
        """When set, served instead of the key set (for malformed responses)."""
        self._request_count = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        # A short poll interval keeps `shutdown()` — once per test — from costing half a second.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}{JWKS_PATH}"

    @property
    def request_count(self) -> int:
        with self._lock:
            return self._request_count

    def publish(self, *entries: Any) -> None:
        """Serve these JWKS entries from now on; junk is allowed, to test that it is skipped."""
        self.keys = list(entries)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def _respond(self, handler: BaseHTTPRequestHandler) -> None:
        with self._lock:
            self._request_count += 1
        body = self.raw_body or json.dumps({"keys": self.keys}).encode("utf-8")
        handler.send_response(self.status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server._respond(self)

            def log_message(self, format: str, *args: Any) -> None:
                """Keep test output quiet."""

        return Handler


@contextmanager
def running_jwks_server() -> Iterator[JwksServer]:
    server = JwksServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def unused_local_url() -> str:
    """A URL on 127.0.0.1 where nothing listens, so connections are refused at once."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    host, port = server.server_address[:2]
    server.server_close()
    return f"http://{host!s}:{port}{JWKS_PATH}"
