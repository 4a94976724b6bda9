"""Stripe Checkout behind the service's PaymentProvider interface."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Mapping, Sequence

from pdf2audiobook.service.payments.provider import (
    Checkout,
    CheckoutRequest,
    InvalidSignature,
    PaymentEvent,
    ProviderError,
    VerifiedEvent,
)
from pdf2audiobook.service.payments.stripe.client import StripeClient
from pdf2audiobook.service.payments.stripe.errors import (
    MISSING_SUCCESS_URL,
    PRICE_NOT_ON_SALE,
    StripeApiError,
)
from pdf2audiobook.service.payments.stripe.events import (
    PROVIDER_NAME,
    parse_envelope,
    translate_event,
)
from pdf2audiobook.service.payments.stripe.signature import SIGNATURE_HEADER, SignatureVerifier

API_URL = "https://api.stripe.com"

CHECKOUT_KEY_FIELD = "checkout_key"
"""The session metadata field carrying `CheckoutRequest.idempotency_key`, so a Stripe
session can be traced to the purchase attempt that made it."""

_MAX_IDEMPOTENCY_KEY = 255


class StripeProvider:
    """Stripe: hosted Checkout Sessions through its API, events through its signed webhooks.

    `api_key` (a secret or restricted key) may be None where only webhooks are handled;
    checkouts and the lookups some events need then fail with a non-retryable
    ProviderError. `webhook_secrets` are the endpoint's signing secrets (`whsec_...`), more
    than one while ours rotate; at least one, none empty. `success_url` is where Stripe's
    page sends the buyer after paying (Stripe fills in `{CHECKOUT_SESSION_ID}`), required
    for checkouts; `cancel_url` where it sends one who goes back. `tolerance_seconds` bounds
    how far a webhook's signed timestamp may be from `clock()`, in the past or the future
    (Stripe's libraries allow 300 s in the past). `timeout_seconds` bounds every API call.
    """

    name: str = PROVIDER_NAME

    def __init__(
        self,
        api_key: str | None,
        api_url: str,
        webhook_secrets: Sequence[str],
        success_url: str | None,
        cancel_url: str | None = None,
        tolerance_seconds: float = 300,
        timeout_seconds: float = 10,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._api_key = api_key or None
        self._api_url = api_url
        self._success_url = success_url or None
        self._cancel_url = cancel_url or None
        self._timeout = timeout_seconds
        self._verifier = SignatureVerifier(
            webhook_secrets, tolerance_seconds=tolerance_seconds, clock=clock
        )

    def create_checkout(self, request: CheckoutRequest) -> Checkout:
        """Create a Stripe Checkout Session for `request` and return its hosted page.

        The price is fetched first: a recurring price starts a `subscription` session, a
        one-time price a `payment` one, and a price no longer on sale is refused here.
        Without a `customer_id` but with an email, Stripe's customer for that email is found
        or created, so the buyer's purchases stay together. Each POST carries an idempotency
        key derived from the request's (see `_stripe_key`), so retrying a failed attempt
        reuses what the first one created; Stripe replays an attempt's session for 24 hours.
        Raises ProviderError, naming CHECKOUT_SUCCESS_URL when no success URL is set.
        """
        if self._success_url is None:
            raise StripeApiError(MISSING_SUCCESS_URL, retryable=False, status=None)
        success_url = self._success_url
        with self._client() as client:
            price = client.price(request.price_id)
            if not price.active:
                raise StripeApiError(PRICE_NOT_ON_SALE, retryable=False, status=None)
            customer_id = request.customer_id
            if customer_id is None and request.email:
                customer_id = client.ensure_customer(
                    request.email,
                    user_id=request.user_id,
                    idempotency_key=_stripe_key(request, "customer"),
                )
            session = client.create_checkout_session(
                price=price,
                user_id=request.user_id,
                customer_id=customer_id,
                success_url=success_url,
                cancel_url=self._cancel_url,
                metadata={CHECKOUT_KEY_FIELD: request.idempotency_key},
                idempotency_key=_stripe_key(request, "session"),
            )
        return Checkout(url=session.url, checkout_id=session.session_id, customer_id=customer_id)

    def verify_webhook(self, body: bytes, headers: Mapping[str, str]) -> VerifiedEvent:
        """Verify the `Stripe-Signature` header over the raw `body`, then parse the event.

        Raises InvalidSignature for a missing, malformed, wrong or stale signature, and for a
        signed body that is not a Stripe event.
        """
        self._verifier.verify(body, _header(headers, SIGNATURE_HEADER))
        try:
            payload = json.loads(body)
            if not isinstance(payload, dict):
                raise ValueError("the body is not a JSON object")
            envelope = parse_envelope(payload)
        except ValueError as error:
            raise InvalidSignature(f"The webhook body is not a Stripe event: {error}") from error
        return VerifiedEvent(
            provider=self.name,
            event_id=envelope.id,
            event_type=envelope.type,
            occurred_at=envelope.created,
            payload=payload,
        )

    def translate(self, event: VerifiedEvent) -> PaymentEvent:
        """What `event` means to the service (see `events.translate_event`).

        A paid credit-pack checkout needs its line items, and a paid invoice from a webhook
        endpoint on API version 2025-03-31 or later its PaymentIntent; both are fetched from
        Stripe, so for those events this raises ProviderError too (retryable when Stripe was
        busy or unreachable). Raises ValueError for a payload without the documented shape.
        """
        return translate_event(event, lookups=self)

    def session_price_ids(self, session_id: str) -> tuple[str, ...]:
        """The prices a Checkout Session sold (`events.StripeLookups`). Raises ProviderError."""
        with self._client() as client:
            return client.session_price_ids(session_id)

    def invoice_payment_intent(self, invoice_id: str) -> str | None:
        """The PaymentIntent that paid an invoice (`events.StripeLookups`). Raises
        ProviderError."""
        with self._client() as client:
            return client.invoice_payment_intent(invoice_id)

    def _client(self) -> StripeClient:
        # A client per operation: nothing to close at shutdown, and no connection pool
        # carried into forked worker processes.
        if self._api_key is None:
            raise ProviderError("Payments are not configured: Stripe has no API key.")
        return StripeClient(self._api_key, self._api_url, timeout_seconds=self._timeout)


def _stripe_key(request: CheckoutRequest, step: str) -> str:
    """The `Idempotency-Key` of one step of a checkout.

    Stripe keys are unique across the whole account and ours only per user, so the user's
    id is part of it; each step gets its own, because Stripe refuses a key reused for a
    different request. A key longer than Stripe's 255 characters, or not printable ASCII
    (it travels in a header), is replaced by its SHA-256, which stays stable across retries.
    """
    key = f"{request.user_id}:{request.idempotency_key}:{step}"
    if len(key) <= _MAX_IDEMPOTENCY_KEY and key.isascii() and key.isprintable():
        return key
    digest = hashlib.sha256(f"{request.user_id}:{request.idempotency_key}".encode()).hexdigest()
    return f"{digest}:{step}"


def _header(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None
