"""Paddle's webhook events in the service's terms: payments, refunds, subscriptions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from pdf2audiobook.service.payments.paddle.events import translate_event
from pdf2audiobook.service.payments.provider import (
    IgnoredEvent,
    PaymentCompleted,
    PaymentEvent,
    PaymentRefunded,
    SubscriptionChanged,
    SubscriptionState,
    VerifiedEvent,
)
from tests.service.payments import paddle_payloads as paddle
from tests.service.payments.conftest import CREDIT_PACK_PRICE, MONTHLY_PRICE

MARCH_2 = datetime(2026, 3, 2, 10, 15, 20, 517000, tzinfo=UTC)
APRIL_2 = datetime(2026, 4, 2, 10, 15, 20, 517000, tzinfo=UTC)


class TotalsAtPaddle:
    """Stands in for the lookup of a transaction's original total, and remembers the asks."""

    def __init__(self, total: int = 1999) -> None:
        self.total = total
        self.asked: list[str] = []

    def __call__(self, transaction_id: str) -> int:
        self.asked.append(transaction_id)
        return self.total


def translate(payload: dict[str, Any], totals: TotalsAtPaddle | None = None) -> PaymentEvent:
    # Built field by field rather than parsed, so a payload missing its envelope's fields
    # reaches translate_event as it is.
    event = VerifiedEvent(
        provider="paddle",
        event_id=str(payload.get("event_id")),
        event_type=str(payload.get("event_type")),
        occurred_at=MARCH_2,
        payload=payload,
    )
    return translate_event(event, transaction_total=totals or TotalsAtPaddle())


def test_completed_credit_pack_is_a_payment_by_our_user_with_amount_and_price() -> None:
    assert translate(paddle.completed_credit_pack()) == PaymentCompleted(
        transaction_id=paddle.TRANSACTION_ID,
        user_id=paddle.USER_ID,
        customer_id=paddle.CUSTOMER_ID,
        price_ids=(CREDIT_PACK_PRICE,),
        amount_minor=1999,
        currency="EUR",
    )


def test_completed_renewal_names_its_subscription_and_the_period_it_pays_for() -> None:
    payment = translate(paddle.completed_renewal())

    assert isinstance(payment, PaymentCompleted)
    assert payment.subscription_id == paddle.SUBSCRIPTION_ID
    assert (payment.period_start, payment.period_end) == (MARCH_2, APRIL_2)
    assert (payment.price_ids, payment.amount_minor) == ((MONTHLY_PRICE,), 999)


def test_payment_made_outside_our_checkout_has_no_user() -> None:
    payment = translate(paddle.completed_credit_pack(custom_data=None))

    assert isinstance(payment, PaymentCompleted)
    assert payment.user_id is None


def test_approved_refund_is_a_refund_of_part_of_the_transactions_original_total() -> None:
    totals = TotalsAtPaddle(total=1999)

    refunded = translate(paddle.refund(status="approved", total="500"), totals)

    assert refunded == PaymentRefunded(
        refund_id=paddle.REFUND_ID,
        transaction_id=paddle.TRANSACTION_ID,
        refunded_minor=500,
        total_minor=1999,
    )
    assert totals.asked == [paddle.TRANSACTION_ID]


@pytest.mark.parametrize("status", ["pending_approval", "rejected", "reversed"])
def test_refund_not_approved_is_ignored_without_asking_paddle(status: str) -> None:
    totals = TotalsAtPaddle()

    ignored = translate(paddle.refund(status=status), totals)

    assert isinstance(ignored, IgnoredEvent)
    assert status in ignored.reason
    assert totals.asked == []


@pytest.mark.parametrize("action", ["credit", "chargeback", "chargeback_warning"])
def test_adjustment_other_than_a_refund_is_ignored(action: str) -> None:
    ignored = translate(paddle.refund(action=action))

    assert isinstance(ignored, IgnoredEvent)
    assert action in ignored.reason


@pytest.mark.parametrize(
    ("event_type", "status"),
    [
        ("subscription.created", "active"),
        ("subscription.activated", "active"),
        ("subscription.updated", "active"),
        ("subscription.trialing", "trialing"),
        ("subscription.past_due", "past_due"),
        ("subscription.paused", "paused"),
        ("subscription.resumed", "active"),
    ],
)
def test_subscription_event_carries_the_whole_subscription_state(
    event_type: str, status: str
) -> None:
    changed = translate(paddle.subscription(event_type, status=status))

    assert changed == SubscriptionChanged(
        subscription_id=paddle.SUBSCRIPTION_ID,
        user_id=paddle.USER_ID,
        customer_id=paddle.CUSTOMER_ID,
        status=SubscriptionState(status),
        price_ids=(MONTHLY_PRICE,),
        period_start=MARCH_2,
        period_end=APRIL_2,
        canceled_at=None,
    )


def test_canceled_subscription_says_when_it_was_canceled_and_has_no_period() -> None:
    changed = translate(
        paddle.subscription(
            "subscription.canceled",
            status="canceled",
            canceled_at="2026-03-20T08:00:00.000000Z",
            current_billing_period=None,
        )
    )

    assert isinstance(changed, SubscriptionChanged)
    assert changed.status is SubscriptionState.CANCELED
    assert changed.canceled_at == datetime(2026, 3, 20, 8, tzinfo=UTC)
    assert (changed.period_start, changed.period_end) == (None, None)


def test_cancellation_scheduled_for_the_period_end_stays_active_until_then() -> None:
    changed = translate(
        paddle.subscription(
            scheduled_change={"action": "cancel", "effective_at": "2026-04-02T10:15:20.517Z"}
        )
    )

    assert isinstance(changed, SubscriptionChanged)
    assert changed.status is SubscriptionState.ACTIVE
    assert changed.canceled_at == APRIL_2


def test_scheduled_pause_leaves_the_subscription_uncanceled() -> None:
    changed = translate(
        paddle.subscription(
            scheduled_change={"action": "pause", "effective_at": "2026-04-02T10:15:20.517Z"}
        )
    )

    assert isinstance(changed, SubscriptionChanged)
    assert changed.canceled_at is None


@pytest.mark.parametrize(
    "event_type", ["customer.created", "transaction.paid", "transaction.created", "address.updated"]
)
def test_event_the_service_has_no_use_for_is_ignored(event_type: str) -> None:
    assert isinstance(translate(paddle.event(event_type, {"id": "x"})), IgnoredEvent)


def _without(payload: dict[str, Any], *path: str) -> dict[str, Any]:
    inner = payload
    for key in path[:-1]:
        inner = inner[key]
    del inner[path[-1]]
    return payload


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(_without(paddle.completed_credit_pack(), "data"), id="no data"),
        pytest.param(_without(paddle.completed_credit_pack(), "event_id"), id="no event id"),
        pytest.param(_without(paddle.completed_credit_pack(), "data", "items"), id="no items"),
        pytest.param(
            _without(paddle.completed_credit_pack(), "data", "details", "totals", "grand_total"),
            id="no grand total",
        ),
        pytest.param(
            paddle.completed_credit_pack(details={"totals": {"grand_total": 19.99}}),
            id="total as a number",
        ),
        pytest.param(
            paddle.completed_credit_pack(items=[{"price_id": CREDIT_PACK_PRICE}]),
            id="items without price objects",
        ),
        pytest.param(
            paddle.completed_credit_pack(custom_data={"user_id": 42}), id="user id not a string"
        ),
        pytest.param(paddle.subscription(status="expired"), id="unknown subscription status"),
        pytest.param(
            paddle.subscription(current_billing_period={"starts_at": "2026-03-02"}),
            id="period without end",
        ),
        pytest.param(
            paddle.subscription(canceled_at="2026-03-20T08:00:00"), id="time without zone"
        ),
        pytest.param(_without(paddle.refund(), "data", "totals", "total"), id="refund no total"),
    ],
)
def test_payload_without_the_documented_shape_raises_value_error(payload: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=r"Paddle event|documented shape|user_id"):
        translate(payload)


def test_event_verified_for_another_provider_is_refused() -> None:
    stripe_event = VerifiedEvent(
        provider="stripe",
        event_id="evt_1",
        event_type="transaction.completed",
        occurred_at=MARCH_2,
        payload=paddle.completed_credit_pack(),
    )

    with pytest.raises(ValueError, match="stripe"):
        translate_event(stripe_event, transaction_total=TotalsAtPaddle())
