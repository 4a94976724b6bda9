"""Paddle Billing behind the service's PaymentProvider interface."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence

from pdf2audiobook.service.payments.paddle.client import PaddleClient
from pdf2audiobook.service.payments.paddle.events import (
    PROVIDER_NAME,
    parse_envelope,
    translate_event,
)
from pdf2audiobook.service.payments.paddle.signature import SIGNATURE_HEADER, SignatureVerifier
from pdf2audiobook.service.payments.provider import (
    Checkout,
    CheckoutRequest,
    InvalidSignature,
    PaymentEvent,
    ProviderError,
    VerifiedEvent,
)

PRODUCTION_API_URL = "https://api.paddle.com"
SANDBOX_API_URL = "https://sandbox-api.paddle.com"

CHECKOUT_KEY_FIELD = "checkout_key"
"""The custom-data field carrying `CheckoutRequest.idempotency_key`, so a Paddle transaction
can be traced to the purchase attempt that made it."""


class PaddleProvider:
    """Paddle Billing: checkouts through its API, events through its signed webhooks.

    `api_key` may be None where only webhooks are handled; checkouts and refund lookups then
    fail with a non-retryable ProviderError. `webhook_secrets` are the notification
    destination's secrets, more than one while ours rotate; at least one, none empty.
    `tolerance_seconds` bounds how far a webhook's signed timestamp may be from `clock()`, in
    the past or the future (Paddle's own SDKs allow 5 s; the default leaves room for clock
    skew and queues). `timeout_seconds` bounds every API call.
    """

    name: str = PROVIDER_NAME

    def __init__(
        self,
        api_key: str | None,
        api_url: str,
        webhook_secrets: Sequence[str],
        tolerance_seconds: float = 60,
        timeout_seconds: float = 10,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._api_key = api_key or None
        self._api_url = api_url
        self._timeout = timeout_seconds
        self._verifier = SignatureVerifier(
            webhook_secrets, tolerance_seconds=tolerance_seconds, clock=clock
        )

    def create_checkout(self, request: CheckoutRequest) -> Checkout:
        """Create a Paddle transaction for `request` and return its payment link.

        Without a `customer_id` but with an email, Paddle's customer for that email is found
        or created first, so the buyer's purchases stay together and the checkout knows them.
        `user_id` and the idempotency key travel in the transaction's custom data. Retrying
        after a failure may leave an unpaid transaction behind at Paddle (it documents no
        idempotency keys); the caller keeps one purchase per attempt. Raises ProviderError.
        """
        with self._client() as client:
            customer_id = request.customer_id
            if customer_id is None and request.email:
                customer_id = client.ensure_customer(request.email)
            created = client.create_transaction(
                price_id=request.price_id,
                customer_id=customer_id,
                custom_data={
                    "user_id": request.user_id,
                    CHECKOUT_KEY_FIELD: request.idempotency_key,
                },
            )
        return Checkout(
            url=created.checkout_url,
            checkout_id=created.transaction_id,
            customer_id=customer_id,
        )

    def verify_webhook(self, body: bytes, headers: Mapping[str, str]) -> VerifiedEvent:
        """Verify the `Paddle-Signature` header over the raw `body`, then parse the event.

        Raises InvalidSignature for a missing, malformed, wrong or stale signature, and for a
        signed body that is not a Paddle event.
        """
        self._verifier.verify(body, _header(headers, SIGNATURE_HEADER))
        try:
            payload = json.loads(body)
            if not isinstance(payload, dict):
                raise ValueError("the body is not a JSON object")
            envelope = parse_envelope(payload)
        except ValueError as error:
            raise InvalidSignature(f"The webhook body is not a Paddle event: {error}") from error
        return VerifiedEvent(
            provider=self.name,
            event_id=envelope.event_id,
            event_type=envelope.event_type,
            occurred_at=envelope.occurred_at,
            payload=payload,
        )

    def translate(self, event: VerifiedEvent) -> PaymentEvent:
        """What `event` means to the service (see `events.translate_event`).

        An approved refund needs the refunded transaction's original total, which Paddle's
        adjustment does not carry, so it is fetched from Paddle: for those events only, this
        raises ProviderError too (retryable when Paddle was busy or unreachable). Raises
        ValueError for a payload without the documented shape.
        """
        return translate_event(event, transaction_total=self._transaction_total)

    def _transaction_total(self, transaction_id: str) -> int:
        with self._client() as client:
            return client.transaction_total(transaction_id)

    def _client(self) -> PaddleClient:
        # A client per operation: nothing to close at shutdown, and no connection pool
        # carried into forked worker processes.
        if self._api_key is None:
            raise ProviderError("Payments are not configured: Paddle has no API key.")
        return PaddleClient(self._api_key, self._api_url, timeout_seconds=self._timeout)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None
