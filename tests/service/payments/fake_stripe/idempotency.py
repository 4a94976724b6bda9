"""The fake Stripe's idempotency layer, as Stripe documents its own
(https://docs.stripe.com/api/idempotent_requests):

- a POST's `Idempotency-Key` is remembered with the request's method, path and parameters
  and, once the endpoint ran, the reply it got;
- the same key with the same request gets that reply again, with `Idempotent-Replayed:
  true`, whether it was a success or a 500;
- the same key with a different request is a 400 `idempotency_error`;
- the same key while its first request is still running is a 409 `idempotency_key_in_use`;
- a request refused before the endpoint ran (authentication, rate limiting, invalid
  parameters) leaves no reply behind, and its key can be used again.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from tests.service.payments.fake_stripe.replies import Body, Reply, error_reply


@dataclass(slots=True)
class _Use:
    method: str
    path: str
    params: Body
    reply: Reply | None = None


class IdempotencyLayer:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._uses: dict[str, _Use] = {}

    def reset(self) -> None:
        with self._lock:
            self._uses.clear()

    def begin(self, key: str, method: str, path: str, params: Body) -> Reply | None:
        """None when the request is to run (its key is now in use); otherwise the reply to
        give instead of running it."""
        with self._lock:
            use = self._uses.get(key)
            if use is None:
                self._uses[key] = _Use(method, path, params)
                return None
            if (use.method, use.path, use.params) != (method, path, params):
                return error_reply(
                    400,
                    "Keys for idempotent requests can only be used with the same parameters "
                    f"they were first used with. Use a key other than '{key}' for a "
                    "different request.",
                    kind="idempotency_error",
                )
            if use.reply is None:
                return error_reply(
                    409,
                    "Another request with this idempotency key is still in progress. "
                    "Please try again later.",
                    code="idempotency_key_in_use",
                )
            status, body, headers = use.reply
            return status, body, {**headers, "Idempotent-Replayed": "true"}

    def finish(self, key: str, reply: Reply, *, keep: bool) -> None:
        """Save `reply` for the key when `keep` (the endpoint ran); free the key otherwise."""
        with self._lock:
            if key not in self._uses:
                return
            if keep:
                self._uses[key].reply = reply
            else:
                del self._uses[key]
