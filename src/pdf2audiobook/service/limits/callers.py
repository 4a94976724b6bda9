"""Whom a request counts against: its user when its token is valid, else its address."""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence

from starlette.requests import Request

from pdf2audiobook.service.auth import VerifiedIdentity, bearer_token
from pdf2audiobook.service.kit.errors import ServiceError
from pdf2audiobook.service.limits.client import Network, client_address

REMEMBER_SECONDS = 60.0
MAX_REMEMBERED = 10_000


def user_caller(identity: VerifiedIdentity) -> str:
    return f"user:{identity.external_id}"


class Callers:
    """Names the caller of a request for counting, before the route checks its token.

    A valid token counts against its user wherever the user connects from; a missing or
    invalid one against the client's address, so a flood of made-up tokens from one
    address is counted as one caller. Tokens already checked are remembered briefly (by
    digest) so polling does not verify every token twice; what is remembered only names a
    counter, the route still checks the token itself.
    """

    def __init__(
        self,
        authenticate: Callable[[str], VerifiedIdentity],
        trusted_proxies: Sequence[Network],
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._authenticate = authenticate
        self._trusted_proxies = list(trusted_proxies)
        self._clock = clock
        self._remembered: OrderedDict[bytes, tuple[float, str]] = OrderedDict()
        self._lock = threading.Lock()

    def address_of(self, request: Request) -> str:
        return f"address:{client_address(request, self._trusted_proxies)}"

    def of_request(self, request: Request) -> str:
        """ "user:<subject>" for a valid bearer token, else "address:<client address>"."""
        try:
            token = bearer_token(request)
        except ServiceError:
            return self.address_of(request)
        digest = hashlib.sha256(token.encode()).digest()
        caller = self._recall(digest)
        if caller is not None:
            return caller
        try:
            identity = self._authenticate(token)
        except ServiceError:
            return self.address_of(request)
        caller = user_caller(identity)
        self._remember(digest, caller)
        return caller

    def _recall(self, digest: bytes) -> str | None:
        with self._lock:
            entry = self._remembered.get(digest)
            if entry is None:
                return None
            if entry[0] <= self._clock():
                del self._remembered[digest]
                return None
            return entry[1]

    def _remember(self, digest: bytes, caller: str) -> None:
        with self._lock:
            self._remembered[digest] = (self._clock() + REMEMBER_SECONDS, caller)
            self._remembered.move_to_end(digest)
            while len(self._remembered) > MAX_REMEMBERED:
                self._remembered.popitem(last=False)
