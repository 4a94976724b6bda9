"""A small client for Stripe's API: customers, prices, Checkout Sessions and invoice
payments, failures as ProviderErrors.

Requests are form-encoded with Stripe's bracketed keys and authenticated with the secret
key as a Bearer token. Every POST carries an `Idempotency-Key`: Stripe saves the outcome of
the first request with a key and replays it (`Idempotent-Replayed: true`) to any retry with
the same parameters for at least 24 hours, and refuses the key with different parameters
(https://docs.stripe.com/api/idempotent_requests). GETs carry none; they are idempotent.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Literal, TypeVar

import httpx
from pydantic import StrictBool, StrictStr, ValidationError

from pdf2audiobook.service.payments.stripe.errors import (
    PRICE_NOT_VALID,
    StripeApiError,
    refusal,
)
from pdf2audiobook.service.payments.stripe.wire import (
    STRIPE_ID,
    FormValue,
    StripeModel,
    form_encode,
)

logger = logging.getLogger(__name__)

API_VERSION = "2025-03-31.basil"
"""Sent as `Stripe-Version`, so the account's default version (which an operator may
upgrade) never changes the replies we read. It is the first with `/v1/invoice_payments`."""

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"

Shape = TypeVar("Shape", bound=StripeModel)


@dataclass(frozen=True, slots=True)
class Price:
    id: str
    active: bool
    recurring: bool
    """A subscription's price (Stripe's `type: recurring`), or a one-time one."""


@dataclass(frozen=True, slots=True)
class CreatedSession:
    session_id: str
    url: str
    """Stripe's hosted checkout page for the session."""


class _Entity(StripeModel):
    id: StrictStr


class _EntityList(StripeModel):
    data: list[_Entity]


class _Recurring(StripeModel):
    interval: StrictStr


class _Price(StripeModel):
    id: StrictStr
    active: StrictBool
    type: Literal["one_time", "recurring"]
    recurring: _Recurring | None = None


class _Session(StripeModel):
    id: StrictStr
    url: StrictStr | None = None


class _LineItem(StripeModel):
    price: _Entity | None


class _LineItemList(StripeModel):
    data: list[_LineItem]


class _InvoicePaymentTarget(StripeModel):
    type: StrictStr
    payment_intent: StrictStr | None = None


class _InvoicePayment(StripeModel):
    status: StrictStr
    is_default: StrictBool = False
    payment: _InvoicePaymentTarget


class _InvoicePaymentList(StripeModel):
    data: list[_InvoicePayment]


class StripeClient:
    """Stripe's API at `api_url` with the secret key `api_key`.

    Every call has `timeout_seconds` for connecting, sending, waiting and reading. Calls do
    not retry: a ProviderError with `retryable=True` tells the caller that the same call,
    with the same idempotency key, may succeed later. Use as a context manager, or
    `close()`.
    """

    def __init__(self, api_key: str, api_url: str, *, timeout_seconds: float = 10.0) -> None:
        if not api_key:
            raise ValueError("a Stripe API key is required")
        self._http = httpx.Client(
            base_url=api_url,
            timeout=httpx.Timeout(timeout_seconds),
            headers={
                "Authorization": f"Bearer {api_key}",
                "Accept": "application/json",
                "Stripe-Version": API_VERSION,
            },
        )

    def __enter__(self) -> StripeClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def ensure_customer(self, email: str, *, user_id: str, idempotency_key: str) -> str:
        """The id of Stripe's customer with exactly `email`, created when Stripe has none.

        Stripe allows any number of customers with one email, so it is looked up first (the
        newest such customer is reused); creating carries `idempotency_key`, so a retry after
        a lost reply gets the customer the first attempt made. Raises ProviderError.
        """
        found = self.find_customer(email)
        if found is not None:
            return found
        form: dict[str, FormValue] = {"email": email, "metadata": {"user_id": user_id}}
        return self._post("/v1/customers", _Entity, form, idempotency_key).id

    def find_customer(self, email: str) -> str | None:
        """The id of the newest Stripe customer whose email is exactly `email`, if any."""
        params = {"email": email, "limit": "1"}
        reply = self._call("GET", "/v1/customers", _EntityList, params=params)
        return reply.data[0].id if reply.data else None

    def price(self, price_id: str) -> Price:
        """Stripe's price `price_id`: whether it is on sale and whether it recurs. Raises
        ProviderError, also for an id Stripe could not have issued."""
        path = f"/v1/prices/{_path_id(price_id, PRICE_NOT_VALID)}"
        price = self._call("GET", path, _Price)
        return Price(price.id, price.active, price.type == "recurring")

    def create_checkout_session(
        self,
        *,
        price: Price,
        user_id: str,
        customer_id: str | None,
        success_url: str,
        cancel_url: str | None,
        metadata: Mapping[str, str],
        idempotency_key: str,
    ) -> CreatedSession:
        """A hosted Checkout Session for one unit of `price`: `subscription` mode for a
        recurring price, `payment` mode otherwise.

        `user_id` becomes the session's `client_reference_id` and, with `metadata`, its
        metadata; a subscription's metadata gets the `user_id` too, so its own events name
        the buyer. Without a `customer_id`, Stripe's page asks the buyer for an email.
        Raises ProviderError, also when Stripe returns no checkout URL.
        """
        form: dict[str, FormValue] = {
            "mode": "subscription" if price.recurring else "payment",
            "line_items": [{"price": price.id, "quantity": 1}],
            "client_reference_id": user_id,
            "metadata": {**metadata, "user_id": user_id},
            "customer": customer_id,
            "success_url": success_url,
            "cancel_url": cancel_url,
        }
        if price.recurring:
            form["subscription_data"] = {"metadata": {"user_id": user_id}}
        session = self._post("/v1/checkout/sessions", _Session, form, idempotency_key)
        if not session.url:
            logger.error("Stripe created %s without a checkout URL", session.id)
            raise StripeApiError(
                "The payment provider did not give a checkout page for this purchase.",
                retryable=False,
                status=None,
            )
        return CreatedSession(session.id, session.url)

    def session_price_ids(self, session_id: str) -> tuple[str, ...]:
        """The price ids of a Checkout Session's line items, which Stripe leaves out of the
        session object (webhooks included). Raises ProviderError."""
        path = f"/v1/checkout/sessions/{_webhook_id(session_id)}/line_items"
        reply = self._call("GET", path, _LineItemList, params={"limit": "100"})
        return tuple(item.price.id for item in reply.data if item.price is not None)

    def invoice_payment_intent(self, invoice_id: str) -> str | None:
        """The PaymentIntent that paid invoice `invoice_id`, if a PaymentIntent did.

        Since API version 2025-03-31 an invoice no longer names its PaymentIntent; its
        payments do. Raises ProviderError.
        """
        params = {"invoice": _webhook_id(invoice_id), "limit": "100"}
        reply = self._call("GET", "/v1/invoice_payments", _InvoicePaymentList, params=params)
        paid = [
            payment
            for payment in reply.data
            if payment.status == "paid" and payment.payment.payment_intent is not None
        ]
        paid.sort(key=lambda payment: not payment.is_default)
        return paid[0].payment.payment_intent if paid else None

    def _post(
        self, path: str, shape: type[Shape], form: Mapping[str, FormValue], idempotency_key: str
    ) -> Shape:
        headers = {"Content-Type": FORM_CONTENT_TYPE, "Idempotency-Key": idempotency_key}
        return self._call("POST", path, shape, content=form_encode(form), headers=headers)

    def _call(
        self,
        method: str,
        path: str,
        shape: type[Shape],
        *,
        params: Mapping[str, str] | None = None,
        content: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Shape:
        try:
            response = self._http.request(
                method, path, params=params, content=content, headers=headers
            )
        except httpx.TimeoutException as error:
            logger.warning("Stripe %s %s timed out: %s", method, path, error)
            raise StripeApiError(
                "The payment provider did not answer in time. Please try again.",
                retryable=True,
                status=None,
            ) from error
        except httpx.TransportError as error:
            logger.warning("Stripe %s %s failed: %s", method, path, error)
            raise StripeApiError(
                "The payment provider could not be reached. Please try again.",
                retryable=True,
                status=None,
            ) from error
        if response.is_success:
            try:
                return shape.model_validate_json(response.content)
            except ValidationError as error:
                logger.error("Stripe %s %s answered an unexpected body: %s", method, path, error)
                raise StripeApiError(
                    "The payment provider gave an answer we do not understand.",
                    retryable=False,
                    status=response.status_code,
                ) from error
        raise refusal(method, path, response)


def _path_id(value: str, message: str) -> str:
    # An id from our own configuration: one Stripe could not have issued is a refusal the
    # user reads about, not a request sent.
    if not STRIPE_ID.fullmatch(value):
        raise StripeApiError(message, retryable=False, status=None)
    return value


def _webhook_id(value: str) -> str:
    if not STRIPE_ID.fullmatch(value):
        raise ValueError(f"not a Stripe object id: {value!r}")
    return value
