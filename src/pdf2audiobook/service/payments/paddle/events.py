"""Paddle's webhook events in the service's terms.

A Paddle event is `{"event_id", "event_type", "occurred_at", "notification_id", "data"}`,
where `data` is the whole entity as it stood when the event occurred
(https://developer.paddle.com/webhooks/about/how-webhooks-work). Three kinds matter here:

- `transaction.completed`: money collected, for a credit pack or a subscription's period.
- `adjustment.created` / `adjustment.updated` with `action: "refund"`: a refund, which
  counts once Paddle has `approved` it (refunds start as `pending_approval`).
- `subscription.*`: the subscription's state, applied whole.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pydantic import AwareDatetime, StrictStr, ValidationError

from pdf2audiobook.service.payments.paddle.wire import MinorUnits, PaddleModel
from pdf2audiobook.service.payments.provider import (
    IgnoredEvent,
    PaymentCompleted,
    PaymentEvent,
    PaymentRefunded,
    SubscriptionChanged,
    SubscriptionState,
    VerifiedEvent,
)

PROVIDER_NAME = "paddle"

SUBSCRIPTION_EVENTS = frozenset(
    {
        "subscription.created",
        "subscription.activated",
        "subscription.updated",
        "subscription.past_due",
        "subscription.canceled",
        "subscription.paused",
        "subscription.resumed",
        "subscription.trialing",
    }
)
REFUND_EVENTS = frozenset({"adjustment.created", "adjustment.updated"})

TransactionTotal = Callable[[str], int]
"""Looks up a transaction's original grand total (minor units) by its Paddle id."""


class EventEnvelope(PaddleModel):
    """The part of every Paddle event that names it; `data` is checked per event type."""

    event_id: StrictStr
    event_type: StrictStr
    occurred_at: AwareDatetime
    data: dict[str, Any]


class _Price(PaddleModel):
    id: StrictStr


class _Item(PaddleModel):
    price: _Price


class _Period(PaddleModel):
    starts_at: AwareDatetime
    ends_at: AwareDatetime


class _TransactionTotals(PaddleModel):
    grand_total: MinorUnits
    currency_code: StrictStr


class _TransactionDetails(PaddleModel):
    totals: _TransactionTotals


class _Transaction(PaddleModel):
    id: StrictStr
    customer_id: StrictStr | None
    subscription_id: StrictStr | None = None
    custom_data: dict[str, Any] | None
    items: list[_Item]
    details: _TransactionDetails
    billing_period: _Period | None = None


class _AdjustmentTotals(PaddleModel):
    total: MinorUnits


class _Adjustment(PaddleModel):
    id: StrictStr
    action: StrictStr
    status: StrictStr
    transaction_id: StrictStr
    totals: _AdjustmentTotals


class _ScheduledChange(PaddleModel):
    action: StrictStr
    effective_at: AwareDatetime


class _Subscription(PaddleModel):
    id: StrictStr
    status: SubscriptionState
    customer_id: StrictStr | None
    custom_data: dict[str, Any] | None
    items: list[_Item]
    current_billing_period: _Period | None
    canceled_at: AwareDatetime | None = None
    scheduled_change: _ScheduledChange | None = None


def parse_envelope(payload: Mapping[str, Any]) -> EventEnvelope:
    """The id, type, time and data of a Paddle event. Raises ValueError when the payload does
    not have that shape."""
    try:
        return EventEnvelope.model_validate(payload)
    except ValidationError as error:
        raise ValueError(f"not a Paddle event: {_first_problem(error)}") from error


def translate_event(event: VerifiedEvent, *, transaction_total: TransactionTotal) -> PaymentEvent:
    """What the verified Paddle `event` means to the service.

    `transaction_total` is asked for the original total of a refunded transaction, because a
    Paddle adjustment carries only its own amount; it is called for approved refunds only.
    Raises ValueError for a payload without the documented shape (including a `user_id` in
    `custom_data` that is not a string), and whatever `transaction_total` raises.
    """
    if event.provider != PROVIDER_NAME:
        raise ValueError(f"not a Paddle event: it came from {event.provider!r}")
    data = parse_envelope(event.payload).data
    try:
        if event.event_type == "transaction.completed":
            return _payment_completed(_Transaction.model_validate(data))
        if event.event_type in REFUND_EVENTS:
            return _refund(_Adjustment.model_validate(data), transaction_total)
        if event.event_type in SUBSCRIPTION_EVENTS:
            return _subscription_changed(_Subscription.model_validate(data))
    except ValidationError as error:
        problem = _first_problem(error)
        raise ValueError(f"{event.event_type} without the documented shape: {problem}") from error
    return IgnoredEvent(f"Paddle's {event.event_type} is not an event the service acts on")


def _payment_completed(transaction: _Transaction) -> PaymentCompleted:
    period = transaction.billing_period
    return PaymentCompleted(
        transaction_id=transaction.id,
        user_id=_user_id(transaction.custom_data),
        customer_id=transaction.customer_id,
        price_ids=_price_ids(transaction.items),
        amount_minor=transaction.details.totals.grand_total,
        currency=transaction.details.totals.currency_code,
        subscription_id=transaction.subscription_id,
        period_start=period.starts_at if period else None,
        period_end=period.ends_at if period else None,
    )


def _refund(adjustment: _Adjustment, transaction_total: TransactionTotal) -> PaymentEvent:
    if adjustment.action != "refund":
        return IgnoredEvent(f"a Paddle {adjustment.action} adjustment, not a refund")
    if adjustment.status != "approved":
        # Paddle reviews refunds: only an approved one has given money back. The same refund
        # arrives again, approved, as adjustment.updated.
        return IgnoredEvent(f"a refund that is {adjustment.status}, not approved")
    return PaymentRefunded(
        refund_id=adjustment.id,
        transaction_id=adjustment.transaction_id,
        refunded_minor=adjustment.totals.total,
        total_minor=transaction_total(adjustment.transaction_id),
    )


def _subscription_changed(subscription: _Subscription) -> SubscriptionChanged:
    period = subscription.current_billing_period
    canceled_at = subscription.canceled_at
    change = subscription.scheduled_change
    if canceled_at is None and change is not None and change.action == "cancel":
        # A cancellation at the end of the period: the subscription is still active (its
        # status says so) and `canceled_at` is when it will end.
        canceled_at = change.effective_at
    return SubscriptionChanged(
        subscription_id=subscription.id,
        user_id=_user_id(subscription.custom_data),
        customer_id=subscription.customer_id,
        status=subscription.status,
        price_ids=_price_ids(subscription.items),
        period_start=period.starts_at if period else None,
        period_end=period.ends_at if period else None,
        canceled_at=canceled_at,
    )


def _user_id(custom_data: dict[str, Any] | None) -> str | None:
    # Our checkout puts the buyer's id here; Paddle copies a transaction's custom data to
    # the subscription it creates. Purchases made elsewhere have none.
    user_id = (custom_data or {}).get("user_id")
    if user_id is None:
        return None
    if not isinstance(user_id, str) or not user_id:
        raise ValueError(f"custom_data.user_id must be a non-empty string, not {user_id!r}")
    return user_id


def _price_ids(items: list[_Item]) -> tuple[str, ...]:
    return tuple(item.price.id for item in items)


def _first_problem(error: ValidationError) -> str:
    problem = error.errors()[0]
    where = ".".join(str(part) for part in problem["loc"]) or "payload"
    return f"{where}: {problem['msg']}"
