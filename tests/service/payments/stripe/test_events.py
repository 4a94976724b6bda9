"""Stripe's webhook events in the service's terms: payments, refunds, subscriptions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from pdf2audiobook.service.payments.provider import (
    IgnoredEvent,
    PaymentCompleted,
    PaymentEvent,
    PaymentRefunded,
    SubscriptionChanged,
    SubscriptionState,
    VerifiedEvent,
)
from pdf2audiobook.service.payments.stripe.events import translate_event
from tests.service.payments.stripe import payloads as stripe
from tests.service.payments.stripe.conftest import (
    CREDIT_PACK_CENTS,
    CREDIT_PACK_PRICE,
    MONTHLY_CENTS,
    MONTHLY_PRICE,
)

MARCH_2 = datetime.fromtimestamp(stripe.MARCH_2, UTC)
APRIL_2 = datetime.fromtimestamp(stripe.APRIL_2, UTC)


class StripeAnswers:
    """Stands in for the lookups at Stripe's API, and remembers what was asked."""

    def __init__(self, payment_intent: str | None = stripe.RENEWAL_PAYMENT_INTENT_ID) -> None:
        self.payment_intent = payment_intent
        self.asked: list[str] = []

    def session_price_ids(self, session_id: str) -> tuple[str, ...]:
        self.asked.append(session_id)
        return (CREDIT_PACK_PRICE,)

    def invoice_payment_intent(self, invoice_id: str) -> str | None:
        self.asked.append(invoice_id)
        return self.payment_intent


def translate(payload: dict[str, Any], answers: StripeAnswers | None = None) -> PaymentEvent:
    # Built field by field rather than parsed, so a payload missing its envelope's fields
    # reaches translate_event as it is.
    event = VerifiedEvent(
        provider="stripe",
        event_id=str(payload.get("id")),
        event_type=str(payload.get("type")),
        occurred_at=MARCH_2,
        payload=payload,
    )
    return translate_event(event, lookups=answers or StripeAnswers())


def test_paid_credit_pack_checkout_is_a_payment_named_by_its_payment_intent() -> None:
    answers = StripeAnswers()

    payment = translate(stripe.pack_paid(), answers)

    assert payment == PaymentCompleted(
        transaction_id=stripe.PAYMENT_INTENT_ID,
        user_id=stripe.USER_ID,
        customer_id=stripe.CUSTOMER_ID,
        price_ids=(CREDIT_PACK_PRICE,),
        amount_minor=CREDIT_PACK_CENTS,
        currency="EUR",
    )
    assert answers.asked == [stripe.SESSION_ID]


def test_checkout_paid_later_by_a_bank_debit_is_a_payment_too() -> None:
    payload = stripe.event("checkout.session.async_payment_succeeded", stripe.checkout_session())

    payment = translate(payload)

    assert isinstance(payment, PaymentCompleted)
    assert payment.transaction_id == stripe.PAYMENT_INTENT_ID


def test_checkout_completed_before_the_money_arrived_is_ignored_without_asking_stripe() -> None:
    answers = StripeAnswers()

    ignored = translate(stripe.pack_paid(payment_status="unpaid"), answers)

    assert isinstance(ignored, IgnoredEvent)
    assert "unpaid" in ignored.reason
    assert answers.asked == []


def test_subscription_checkout_is_ignored_because_its_invoice_reports_the_payment() -> None:
    ignored = translate(stripe.subscription_checkout_completed())

    assert isinstance(ignored, IgnoredEvent)
    assert "invoice.paid" in ignored.reason


def test_buyer_is_found_in_metadata_when_the_session_has_no_client_reference() -> None:
    payment = translate(stripe.pack_paid(client_reference_id=None))

    assert isinstance(payment, PaymentCompleted)
    assert payment.user_id == stripe.USER_ID


def test_payment_made_outside_our_checkout_has_no_user() -> None:
    payment = translate(stripe.pack_paid(client_reference_id=None, metadata={}))

    assert isinstance(payment, PaymentCompleted)
    assert payment.user_id is None


def test_renewal_invoice_names_its_payment_intent_subscription_and_period_paid_for() -> None:
    answers = StripeAnswers()

    payment = translate(stripe.invoice_paid(basil=False), answers)

    assert payment == PaymentCompleted(
        transaction_id=stripe.RENEWAL_PAYMENT_INTENT_ID,
        user_id=stripe.USER_ID,
        customer_id=stripe.CUSTOMER_ID,
        price_ids=(MONTHLY_PRICE,),
        amount_minor=MONTHLY_CENTS,
        currency="EUR",
        subscription_id=stripe.SUBSCRIPTION_ID,
        period_start=MARCH_2,
        period_end=APRIL_2,
    )
    assert answers.asked == []


def test_renewal_invoice_in_the_2025_shape_asks_stripe_which_payment_intent_paid_it() -> None:
    answers = StripeAnswers()

    payment = translate(stripe.invoice_paid(basil=True), answers)

    assert payment == PaymentCompleted(
        transaction_id=stripe.RENEWAL_PAYMENT_INTENT_ID,
        user_id=stripe.USER_ID,
        customer_id=stripe.CUSTOMER_ID,
        price_ids=(MONTHLY_PRICE,),
        amount_minor=MONTHLY_CENTS,
        currency="EUR",
        subscription_id=stripe.SUBSCRIPTION_ID,
        period_start=MARCH_2,
        period_end=APRIL_2,
    )
    assert answers.asked == [stripe.INVOICE_ID]


def test_invoice_paid_without_a_payment_intent_is_named_by_the_invoice() -> None:
    # Paid out of band or from the customer's balance: no charge exists to be refunded.
    payment = translate(stripe.invoice_paid(basil=True), StripeAnswers(payment_intent=None))

    assert isinstance(payment, PaymentCompleted)
    assert payment.transaction_id == stripe.INVOICE_ID


def test_period_paid_for_is_the_subscription_lines_not_a_prorations() -> None:
    proration = stripe.invoice_line(proration=True, amount=-333)
    proration["period"] = {"start": stripe.MARCH_2 + 864_000, "end": stripe.APRIL_2}
    payload = stripe.invoice_paid(lines=[proration, stripe.invoice_line()])

    payment = translate(payload)

    assert isinstance(payment, PaymentCompleted)
    assert (payment.period_start, payment.period_end) == (MARCH_2, APRIL_2)
    assert payment.price_ids == (MONTHLY_PRICE,)


@pytest.mark.parametrize("basil", [True, False])
def test_invoice_that_collected_no_money_is_ignored(basil: bool) -> None:
    answers = StripeAnswers()

    ignored = translate(stripe.invoice_paid(basil=basil, amount_paid=0), answers)

    assert isinstance(ignored, IgnoredEvent)
    assert answers.asked == []


def test_first_refund_of_a_charge_takes_back_its_share_of_the_payment() -> None:
    refunded = translate(stripe.charge_refunded(refunded=500, before=0))

    assert refunded == PaymentRefunded(
        refund_id=f"{stripe.CHARGE_ID}:500",
        transaction_id=stripe.PAYMENT_INTENT_ID,
        refunded_minor=500,
        total_minor=CREDIT_PACK_CENTS,
    )


def test_second_partial_refund_is_a_new_refund_of_only_the_difference() -> None:
    first = translate(stripe.charge_refunded(refunded=500, before=0))
    second = translate(stripe.charge_refunded(refunded=CREDIT_PACK_CENTS, before=500))

    assert isinstance(first, PaymentRefunded)
    assert isinstance(second, PaymentRefunded)
    assert second.refund_id != first.refund_id
    assert second.refunded_minor == CREDIT_PACK_CENTS - 500
    assert second.transaction_id == first.transaction_id


def test_the_same_refund_delivered_twice_has_the_same_id() -> None:
    payload = stripe.charge_refunded(refunded=CREDIT_PACK_CENTS)

    assert translate(payload) == translate(payload)


def test_refund_of_a_charge_without_a_payment_intent_names_the_charge() -> None:
    refunded = translate(stripe.charge_refunded(refunded=500, payment_intent=None))

    assert isinstance(refunded, PaymentRefunded)
    assert refunded.transaction_id == stripe.CHARGE_ID


def test_refund_event_with_nothing_more_refunded_is_ignored() -> None:
    ignored = translate(stripe.charge_refunded(refunded=500, before=500))

    assert isinstance(ignored, IgnoredEvent)


@pytest.mark.parametrize("basil", [True, False], ids=["period on items", "period on subscription"])
@pytest.mark.parametrize(
    ("event_type", "status", "state"),
    [
        ("customer.subscription.created", "active", SubscriptionState.ACTIVE),
        ("customer.subscription.updated", "trialing", SubscriptionState.TRIALING),
        ("customer.subscription.updated", "past_due", SubscriptionState.PAST_DUE),
        ("customer.subscription.updated", "unpaid", SubscriptionState.PAST_DUE),
        ("customer.subscription.paused", "paused", SubscriptionState.PAUSED),
        ("customer.subscription.resumed", "active", SubscriptionState.ACTIVE),
    ],
)
def test_subscription_event_carries_the_whole_subscription_state(
    event_type: str, status: str, state: SubscriptionState, basil: bool
) -> None:
    changed = translate(stripe.subscription_event(event_type, basil=basil, status=status))

    assert changed == SubscriptionChanged(
        subscription_id=stripe.SUBSCRIPTION_ID,
        user_id=stripe.USER_ID,
        customer_id=stripe.CUSTOMER_ID,
        status=state,
        price_ids=(MONTHLY_PRICE,),
        period_start=MARCH_2,
        period_end=APRIL_2,
        canceled_at=None,
    )


def test_deleted_subscription_is_canceled_when_it_ended() -> None:
    ended = stripe.MARCH_2 + 1_555_200
    changed = translate(
        stripe.subscription_event(
            "customer.subscription.deleted",
            status="canceled",
            canceled_at=ended - 60,
            ended_at=ended,
        )
    )

    assert isinstance(changed, SubscriptionChanged)
    assert changed.status is SubscriptionState.CANCELED
    assert changed.canceled_at == datetime.fromtimestamp(ended, UTC)


def test_cancellation_at_the_period_end_stays_active_until_then() -> None:
    changed = translate(
        stripe.subscription_event(
            cancel_at_period_end=True, cancel_at=stripe.APRIL_2, canceled_at=stripe.MARCH_2
        )
    )

    assert isinstance(changed, SubscriptionChanged)
    assert changed.status is SubscriptionState.ACTIVE
    assert changed.canceled_at == APRIL_2


def test_subscription_whose_first_payment_is_incomplete_is_not_recorded_yet() -> None:
    ignored = translate(
        stripe.subscription_event("customer.subscription.created", status="incomplete")
    )

    assert isinstance(ignored, IgnoredEvent)
    assert "incomplete" in ignored.reason


def test_subscription_whose_first_payment_never_came_is_over() -> None:
    changed = translate(
        stripe.subscription_event(status="incomplete_expired", ended_at=stripe.APRIL_2)
    )

    assert isinstance(changed, SubscriptionChanged)
    assert changed.status is SubscriptionState.CANCELED


@pytest.mark.parametrize(
    "event_type",
    [
        "customer.created",
        "payment_intent.succeeded",
        "invoice.created",
        "checkout.session.expired",
        "customer.subscription.trial_will_end",
    ],
)
def test_event_the_service_has_no_use_for_is_ignored(event_type: str) -> None:
    assert isinstance(translate(stripe.event(event_type, {"id": "x"})), IgnoredEvent)


def _without(payload: dict[str, Any], *path: str) -> dict[str, Any]:
    inner = payload
    for key in path[:-1]:
        inner = inner[key]
    del inner[path[-1]]
    return payload


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(_without(stripe.pack_paid(), "data"), id="no data"),
        pytest.param(_without(stripe.pack_paid(), "id"), id="no event id"),
        pytest.param(_without(stripe.pack_paid(), "created"), id="no time"),
        pytest.param({**stripe.pack_paid(), "created": "2026-03-02"}, id="time as text"),
        pytest.param({**stripe.pack_paid(), "object": "v2.core.event"}, id="not an event"),
        pytest.param(stripe.pack_paid(amount_total=None), id="paid without amount"),
        pytest.param(stripe.pack_paid(amount_total="19.99"), id="amount as text"),
        pytest.param(stripe.pack_paid(payment_intent=None), id="paid without payment intent"),
        pytest.param(stripe.pack_paid(mode="bank"), id="unknown mode"),
        pytest.param(stripe.pack_paid(object="invoice"), id="another object"),
        pytest.param(stripe.pack_paid(client_reference_id=42), id="user id not a string"),
        pytest.param(
            stripe.pack_paid(client_reference_id=None, metadata={"user_id": 42}),
            id="metadata user id not a string",
        ),
        pytest.param(stripe.invoice_paid(lines=[]), id="invoice without lines"),
        pytest.param(
            _without(stripe.invoice_paid(), "data", "object", "amount_paid"),
            id="invoice without amount",
        ),
        pytest.param(
            stripe.invoice_paid(lines=[{**stripe.invoice_line(), "period": {"start": 1}}]),
            id="line period without end",
        ),
        pytest.param(
            _without(stripe.charge_refunded(refunded=500), "data", "previous_attributes"),
            id="refund without the amount before",
        ),
        pytest.param(
            _without(stripe.charge_refunded(refunded=500), "data", "object", "amount"),
            id="refund without the charge amount",
        ),
        pytest.param(stripe.subscription_event(status="expired"), id="unknown status"),
        pytest.param(
            _without(stripe.subscription_event(), "data", "object", "items"), id="no items"
        ),
    ],
)
def test_payload_without_the_documented_shape_raises_value_error(payload: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=r"Stripe event|documented shape|user_id"):
        translate(payload)


def test_event_verified_for_another_provider_is_refused() -> None:
    paddle_event = VerifiedEvent(
        provider="paddle",
        event_id="evt_1",
        event_type="checkout.session.completed",
        occurred_at=MARCH_2,
        payload=stripe.pack_paid(),
    )

    with pytest.raises(ValueError, match="paddle"):
        translate_event(paddle_event, lookups=StripeAnswers())
