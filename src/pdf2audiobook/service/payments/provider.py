"""What every payment provider offers the service, in the service's own terms.

A provider module (Paddle, Stripe) turns its own wire format into these: a checkout to send
the buyer to, and verified webhook events translated into `PaymentEvent`s. The service
grants and takes back credits only from these events, never from a browser redirect.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol


class InvalidSignature(Exception):
    """A webhook whose signature, timestamp or header does not verify. `reason` is safe to
    show to the sender (it names no secret)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ProviderError(Exception):
    """The provider refused a request or could not be reached. `message` is written for the
    user; `retryable` says whether the same request may succeed later."""

    def __init__(self, message: str, *, retryable: bool = False, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        self.status = status


@dataclass(frozen=True, slots=True)
class VerifiedEvent:
    """A webhook delivery whose signature checked out: the provider's event id (the inbox
    key), its type, when the provider says it happened, and the parsed JSON body."""

    provider: str
    event_id: str
    event_type: str
    occurred_at: datetime
    payload: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class CheckoutRequest:
    """A purchase to start. `idempotency_key` is ours and stable across retries of the same
    purchase attempt; `user_id` travels in the provider's custom data so its webhooks can be
    matched back to the buyer."""

    user_id: str
    email: str | None
    customer_id: str | None
    """The provider's id for this buyer, when we already have one."""
    price_id: str
    """The provider's price id of the product bought."""
    idempotency_key: str


@dataclass(frozen=True, slots=True)
class Checkout:
    url: str
    """The provider's own hosted checkout page for this purchase."""
    checkout_id: str
    """The provider's id of the purchase (a Paddle transaction, a Stripe session)."""
    customer_id: str | None
    """The provider's id for the buyer, to store with the user."""


class SubscriptionState(StrEnum):
    ACTIVE = "active"
    TRIALING = "trialing"
    PAST_DUE = "past_due"
    PAUSED = "paused"
    CANCELED = "canceled"


@dataclass(frozen=True, slots=True)
class PaymentCompleted:
    """Money was collected: a credit pack bought, or a subscription's period paid."""

    transaction_id: str
    user_id: str | None
    customer_id: str | None
    price_ids: tuple[str, ...]
    amount_minor: int
    """Total paid, in the currency's minor unit (cents)."""
    currency: str
    subscription_id: str | None = None
    period_start: datetime | None = None
    """For a subscription's payment: the billing period it pays for."""
    period_end: datetime | None = None


@dataclass(frozen=True, slots=True)
class PaymentRefunded:
    """Money was given back for a completed transaction, in full or in part."""

    refund_id: str
    transaction_id: str
    refunded_minor: int
    total_minor: int
    """The original transaction's total, so a partial refund takes back its share."""


@dataclass(frozen=True, slots=True)
class SubscriptionChanged:
    """A subscription's whole state as of the event (providers send the whole object), so
    applying the newest one is enough whatever order events arrive in."""

    subscription_id: str
    user_id: str | None
    customer_id: str | None
    status: SubscriptionState
    price_ids: tuple[str, ...]
    period_start: datetime | None
    period_end: datetime | None
    canceled_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class IgnoredEvent:
    """An event the service has no use for; stored and marked handled all the same."""

    reason: str = field(default="not an event the service acts on")


PaymentEvent = PaymentCompleted | PaymentRefunded | SubscriptionChanged | IgnoredEvent


class PaymentProvider(Protocol):
    """One payment provider. Implementations live in their own module and are named in
    `payments/registry.py`."""

    name: str

    def create_checkout(self, request: CheckoutRequest) -> Checkout:
        """Create the purchase at the provider and return its hosted checkout.

        Raises ProviderError when the provider refuses or cannot be reached.
        """
        ...

    def verify_webhook(self, body: bytes, headers: Mapping[str, str]) -> VerifiedEvent:
        """Check the signature over the raw `body` (headers matched case-insensitively) and
        parse it. Raises InvalidSignature for a missing, malformed, wrong or stale signature,
        and for a body that is not the provider's event JSON."""
        ...

    def translate(self, event: VerifiedEvent) -> PaymentEvent:
        """What the verified event means to the service. Raises ValueError for a payload that
        does not have the documented shape."""
        ...
