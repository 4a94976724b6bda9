"""Short-lived secrets sealed with SECRET_KEY: readable by the service for a while, by no
one who holds only the database or the queue."""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Callable

from cryptography.fernet import Fernet, InvalidToken


class Sealer:
    """Fernet (AES-128-CBC and HMAC-SHA256, with a timestamp) under a key derived from
    SECRET_KEY for one purpose, so a token sealed for one use opens for no other."""

    def __init__(
        self, secret_key: str, purpose: str, *, clock: Callable[[], float] = time.time
    ) -> None:
        digest = hashlib.sha256(f"pdf2audiobook:{purpose}:{secret_key}".encode()).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))
        self._clock = clock

    def seal(self, text: str) -> str:
        return self._fernet.encrypt_at_time(text.encode(), int(self._clock())).decode("ascii")

    def unseal(self, token: str, max_age_seconds: int) -> str | None:
        """The sealed text, or None when the token is older than `max_age_seconds`, was
        sealed under another key or purpose, or is not a token at all."""
        try:
            opened = self._fernet.decrypt_at_time(
                token.encode("ascii"), max_age_seconds, int(self._clock())
            )
            return opened.decode()
        except (InvalidToken, UnicodeError, ValueError):
            return None
