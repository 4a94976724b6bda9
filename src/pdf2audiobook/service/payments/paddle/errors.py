"""Paddle's error replies as ProviderErrors whose messages are ours.

Paddle answers a failed request with `{"error": {"type", "code", "detail",
"documentation_url", "errors"?}, "meta": {"request_id"}}`
(https://developer.paddle.com/api-reference/about/errors). Its `detail` is written for
developers and may name our configuration, so it goes to the log; users read our message.
"""

from __future__ import annotations

import logging

import httpx
from pydantic import ValidationError

from pdf2audiobook.service.payments.paddle.wire import PaddleModel
from pdf2audiobook.service.payments.provider import ProviderError

logger = logging.getLogger(__name__)

_CREDENTIAL_CODES = frozenset(
    {"invalid_token", "authentication_missing", "authentication_malformed", "forbidden"}
)
_UNAVAILABLE_CREDENTIALS = "Payments are unavailable: the payment provider refused our API key."

NO_CHECKOUT_LINK = (
    "Checkout is not set up: Paddle has no default payment link for this account "
    "(Paddle > Checkout > Checkout settings)."
)

# The Paddle error codes a checkout can run into, in words a user reads and an operator can
# act on.
_MESSAGES_BY_CODE = {
    "transaction_price_not_found": "This product's price is not on sale at the payment provider.",
    "transaction_default_checkout_url_not_set": NO_CHECKOUT_LINK,
    "transaction_checkout_not_enabled": "Checkout is not enabled for this Paddle account yet.",
    "transaction_checkout_url_domain_is_not_approved": (
        "Checkout is not set up: Paddle has not approved the checkout page's domain."
    ),
    "too_many_requests": "The payment provider is busy. Please try again in a moment.",
}


class PaddleApiError(ProviderError):
    """A ProviderError that keeps Paddle's error `code`, `detail` and `request_id` for our own
    decisions and logs. None of them is part of `message`."""

    def __init__(
        self,
        message: str,
        *,
        retryable: bool,
        status: int | None,
        code: str | None = None,
        detail: str | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message, retryable=retryable, status=status)
        self.code = code
        self.detail = detail
        self.request_id = request_id


class _FieldError(PaddleModel):
    field: str = ""


class _ErrorBody(PaddleModel):
    code: str | None = None
    detail: str | None = None
    errors: tuple[_FieldError, ...] = ()


class _Meta(PaddleModel):
    request_id: str | None = None


class _ErrorReply(PaddleModel):
    error: _ErrorBody
    meta: _Meta | None = None


def refusal(method: str, path: str, response: httpx.Response) -> PaddleApiError:
    """Paddle's error `response` as a PaddleApiError, logged with Paddle's detail.

    Retryable for 429 (rate limited) and 5xx, as Paddle's error reference advises; any other
    refusal will be refused again.
    """
    status = response.status_code
    try:
        reply: _ErrorReply | None = _ErrorReply.model_validate_json(response.content)
    except ValidationError:
        # A proxy's HTML page, or an empty body: the status code is all there is.
        reply = None
    error = reply.error if reply else _ErrorBody()
    request_id = reply.meta.request_id if reply and reply.meta else None
    logger.warning(
        "Paddle refused %s %s with %s %s: %s (request %s)",
        method,
        path,
        status,
        error.code,
        error.detail,
        request_id,
    )
    return PaddleApiError(
        _message(status, error),
        retryable=status == 429 or status >= 500,
        status=status,
        code=error.code,
        detail=error.detail,
        request_id=request_id,
    )


def _message(status: int, error: _ErrorBody) -> str:
    if error.code in _MESSAGES_BY_CODE:
        return _MESSAGES_BY_CODE[error.code]
    if error.code in _CREDENTIAL_CODES or status in (401, 403):
        return _UNAVAILABLE_CREDENTIALS
    if error.code == "invalid_field":
        fields = [field_error.field for field_error in error.errors]
        if any(field.startswith("items") for field in fields):
            return "This product's price is not valid at the payment provider."
        if "email" in fields:
            return "The payment provider did not accept this email address."
    if status == 429:
        return _MESSAGES_BY_CODE["too_many_requests"]
    if status >= 500:
        return "The payment provider is having trouble. Please try again shortly."
    return "The payment provider refused this purchase."
