"""Stripe's error replies as ProviderErrors whose messages are ours.

Stripe answers a failed request with `{"error": {"type", "code"?, "message"?, "param"?,
"doc_url"?, ...}}` and a `Request-Id` header (https://docs.stripe.com/api/errors). Its
`message` is written for developers and can quote part of our API key or name our
configuration, so it goes to the log; users read our message.

Whether the same request may succeed later follows Stripe's advice for clients
(https://docs.stripe.com/error-low-level): the `Stripe-Should-Retry` header decides when
Stripe sends it; otherwise 409 (another request with the same idempotency key is still
running), 429 (rate limiters run before the idempotency layer) and 5xx are worth
retrying, other refusals are not. A reply marked `Idempotent-Replayed: true` is Stripe
repeating the saved outcome of an earlier request with the same key, and will be repeated
for as long as Stripe keeps the key (24 hours): an error replayed is final for that key.
"""

from __future__ import annotations

import logging

import httpx
from pydantic import ValidationError

from pdf2audiobook.service.payments.provider import ProviderError
from pdf2audiobook.service.payments.stripe.wire import StripeModel

logger = logging.getLogger(__name__)

UNAVAILABLE_CREDENTIALS = "Payments are unavailable: the payment provider refused our API key."
PRICE_NOT_ON_SALE = "This product's price is not on sale at the payment provider."
PRICE_NOT_VALID = "This product's price is not valid at the payment provider."
UNKNOWN_CUSTOMER = "The payment provider could not find this buyer's account."
BUSY = "The payment provider is busy. Please try again in a moment."
MISSING_SUCCESS_URL = (
    "Checkout is not set up: Stripe needs an address to send the buyer back to after paying "
    "(set CHECKOUT_SUCCESS_URL)."
)
_REFUSED_RETURN_URL = (
    "Checkout is not set up: Stripe refused the address buyers are sent back to "
    "(check CHECKOUT_SUCCESS_URL)."
)
_KEY_REUSED = (
    "This purchase attempt was already used for a different checkout. "
    "Please start the purchase again."
)
_IN_PROGRESS = "The payment provider is still working on this purchase. Please try again shortly."
_FAILED_FOR_GOOD = (
    "The payment provider could not complete this purchase attempt. "
    "Please start the purchase again."
)
_TROUBLE = "The payment provider is having trouble. Please try again shortly."
_REFUSED = "The payment provider refused this purchase."


class StripeApiError(ProviderError):
    """A ProviderError that keeps Stripe's error `type`, `code`, `param`, `detail` (Stripe's
    message) and `request_id` for our own decisions and logs. None of them is part of
    `message`."""

    def __init__(
        self,
        message: str,
        *,
        retryable: bool,
        status: int | None,
        kind: str | None = None,
        code: str | None = None,
        param: str | None = None,
        detail: str | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message, retryable=retryable, status=status)
        self.kind = kind
        self.code = code
        self.param = param
        self.detail = detail
        self.request_id = request_id


class _ErrorBody(StripeModel):
    type: str | None = None
    code: str | None = None
    message: str | None = None
    param: str | None = None


class _ErrorReply(StripeModel):
    error: _ErrorBody


def refusal(method: str, path: str, response: httpx.Response) -> StripeApiError:
    """Stripe's error `response` as a StripeApiError, logged with Stripe's own message."""
    status = response.status_code
    try:
        error = _ErrorReply.model_validate_json(response.content).error
    except ValidationError:
        # A proxy's HTML page, or an empty body: the status code is all there is.
        error = _ErrorBody()
    request_id = response.headers.get("Request-Id")
    replayed = response.headers.get("Idempotent-Replayed") == "true"
    logger.warning(
        "Stripe refused %s %s with %s %s/%s (param %s%s): %s (request %s)",
        method,
        path,
        status,
        error.type,
        error.code,
        error.param,
        ", replayed" if replayed else "",
        error.message,
        request_id,
    )
    retryable = _retryable(status, response.headers.get("Stripe-Should-Retry"), replayed)
    return StripeApiError(
        _message(status, error, retryable=retryable),
        retryable=retryable,
        status=status,
        kind=error.type,
        code=error.code,
        param=error.param,
        detail=error.message,
        request_id=request_id,
    )


def _retryable(status: int, should_retry: str | None, replayed: bool) -> bool:
    if replayed:
        return False
    if should_retry in ("true", "false"):
        return should_retry == "true"
    return status in (409, 429) or status >= 500


def _message(status: int, error: _ErrorBody, *, retryable: bool) -> str:
    param = error.param or ""
    if status in (401, 403) or error.type == "authentication_error":
        return UNAVAILABLE_CREDENTIALS
    if error.type == "idempotency_error":
        return _KEY_REUSED
    if error.code == "idempotency_key_in_use":
        return _IN_PROGRESS
    if error.code == "resource_missing" and "price" in param:
        return PRICE_NOT_ON_SALE
    if error.code == "resource_missing" and param == "customer":
        return UNKNOWN_CUSTOMER
    if param in ("success_url", "cancel_url"):
        return _REFUSED_RETURN_URL
    if error.code == "email_invalid" or param == "email":
        return "The payment provider did not accept this email address."
    if status == 429:
        return BUSY
    if status >= 500 or status == 409:
        return _TROUBLE if retryable else _FAILED_FOR_GOOD
    return _REFUSED
