"""A small client for the Paddle Billing API: customers and transactions, failures as
ProviderErrors.

Paddle documents no idempotency header for its API, so none is sent. The calls are safe to
repeat by design instead: creating a customer whose email Paddle already knows answers 409
`customer_already_exists` naming that customer, which we reuse; and a repeated transaction
is only an unpaid checkout (the buyer pays at most the one they complete), which the
service's own purchase record keeps to one per attempt.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, TypeVar

import httpx
from pydantic import StrictStr, ValidationError

from pdf2audiobook.service.payments.paddle.errors import NO_CHECKOUT_LINK, PaddleApiError, refusal
from pdf2audiobook.service.payments.paddle.wire import MinorUnits, PaddleModel

logger = logging.getLogger(__name__)

API_VERSION = "1"
"""Sent as `Paddle-Version`, so a later breaking API version is never applied to us unasked."""

_CONFLICTING_CUSTOMER = re.compile(r"\bctm_[a-z\d]+\b")
_TRANSACTION_ID = re.compile(r"txn_[a-z\d]+")

Shape = TypeVar("Shape", bound=PaddleModel)


@dataclass(frozen=True, slots=True)
class CreatedTransaction:
    transaction_id: str
    checkout_url: str
    """Paddle's payment link: the default payment link with `?_ptxn=<transaction id>`."""


class _Entity(PaddleModel):
    id: StrictStr


class _CustomerReply(PaddleModel):
    data: _Entity


class _CustomerList(PaddleModel):
    data: list[_Entity]


class _Checkout(PaddleModel):
    url: StrictStr | None = None


class _Transaction(PaddleModel):
    id: StrictStr
    checkout: _Checkout | None = None


class _TransactionReply(PaddleModel):
    data: _Transaction


class _GrandTotal(PaddleModel):
    grand_total: MinorUnits


class _Details(PaddleModel):
    totals: _GrandTotal


class _TransactionTotals(PaddleModel):
    details: _Details


class _TransactionTotalsReply(PaddleModel):
    data: _TransactionTotals


class PaddleClient:
    """Paddle's API at `api_url` (production or sandbox) with the secret `api_key`.

    Every call has `timeout_seconds` for connecting, sending, waiting and reading. Calls do
    not retry: a ProviderError with `retryable=True` (429, 5xx, timeouts, unreachable) tells
    the caller that the same call may succeed later. Use as a context manager, or `close()`.
    """

    def __init__(self, api_key: str, api_url: str, *, timeout_seconds: float = 10.0) -> None:
        if not api_key:
            raise ValueError("a Paddle API key is required")
        self._http = httpx.Client(
            base_url=api_url,
            timeout=httpx.Timeout(timeout_seconds),
            headers={
                "Authorization": f"Bearer {api_key}",
                "Accept": "application/json",
                "Paddle-Version": API_VERSION,
            },
        )

    def __enter__(self) -> PaddleClient:
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

    def ensure_customer(self, email: str) -> str:
        """The id of Paddle's customer with `email`, created when Paddle has none.

        Safe to repeat: Paddle refuses a second customer with the same email (409
        `customer_already_exists`, naming the existing one), and that customer is returned.
        When the conflict names no id, the customer is looked up by email. Raises
        ProviderError.
        """
        try:
            reply = self._call("POST", "/customers", _CustomerReply, json={"email": email})
        except PaddleApiError as error:
            if error.code != "customer_already_exists":
                raise
            named = _CONFLICTING_CUSTOMER.search(error.detail or "")
            if named:
                return named.group(0)
            found = self.find_customer(email)
            if found is None:
                # Paddle lists active customers only: the email belongs to an archived one,
                # which an operator has to restore or change.
                raise PaddleApiError(
                    "The payment provider could not find this buyer's account.",
                    retryable=False,
                    status=error.status,
                    code=error.code,
                ) from error
            return found
        return reply.data.id

    def find_customer(self, email: str) -> str | None:
        """The id of Paddle's active customer whose email is exactly `email`, if any."""
        reply = self._call("GET", "/customers", _CustomerList, params={"email": email})
        return reply.data[0].id if reply.data else None

    def create_transaction(
        self, *, price_id: str, customer_id: str | None, custom_data: Mapping[str, str]
    ) -> CreatedTransaction:
        """A new transaction for one unit of `price_id`, and its checkout link.

        `custom_data` comes back in the transaction's webhooks. Without a `customer_id`,
        Paddle's checkout asks the buyer for an email. Every call creates a new transaction
        (see the module's note on idempotency). Raises ProviderError, also when Paddle
        returns no checkout link.
        """
        body: dict[str, Any] = {
            "items": [{"price_id": price_id, "quantity": 1}],
            "custom_data": dict(custom_data),
        }
        if customer_id is not None:
            body["customer_id"] = customer_id
        transaction = self._call("POST", "/transactions", _TransactionReply, json=body).data
        if transaction.checkout is None or not transaction.checkout.url:
            logger.error("Paddle created %s without a checkout URL", transaction.id)
            raise PaddleApiError(NO_CHECKOUT_LINK, retryable=False, status=None)
        return CreatedTransaction(transaction.id, transaction.checkout.url)

    def transaction_total(self, transaction_id: str) -> int:
        """What the transaction `transaction_id` charged in all, in minor units: Paddle's
        `details.totals.grand_total`, which later adjustments such as refunds leave as it
        was. Raises ProviderError."""
        if not _TRANSACTION_ID.fullmatch(transaction_id):
            raise ValueError(f"not a Paddle transaction id: {transaction_id!r}")
        path = f"/transactions/{transaction_id}"
        return self._call("GET", path, _TransactionTotalsReply).data.details.totals.grand_total

    def _call(
        self,
        method: str,
        path: str,
        shape: type[Shape],
        *,
        json: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
    ) -> Shape:
        try:
            response = self._http.request(method, path, json=json, params=params)
        except httpx.TimeoutException as error:
            logger.warning("Paddle %s %s timed out: %s", method, path, error)
            raise PaddleApiError(
                "The payment provider did not answer in time. Please try again.",
                retryable=True,
                status=None,
            ) from error
        except httpx.TransportError as error:
            logger.warning("Paddle %s %s failed: %s", method, path, error)
            raise PaddleApiError(
                "The payment provider could not be reached. Please try again.",
                retryable=True,
                status=None,
            ) from error
        if response.is_success:
            try:
                return shape.model_validate_json(response.content)
            except ValidationError as error:
                logger.error("Paddle %s %s answered an unexpected body: %s", method, path, error)
                raise PaddleApiError(
                    "The payment provider gave an answer we do not understand.",
                    retryable=False,
                    status=response.status_code,
                ) from error
        raise refusal(method, path, response)
