"""Stripe's webhook events in the service's terms.

A Stripe event is `{"id": "evt_...", "object": "event", "type", "created", "data":
{"object", "previous_attributes"?}}`, where `data.object` is the whole object as it stood
when the event occurred (https://docs.stripe.com/api/events/object). What the service acts
on:

- `checkout.session.completed` (and `checkout.session.async_payment_succeeded`, for
  payment methods that settle later) of a `payment` mode session that is `paid`: a credit
  pack bought. The session does not list what was bought; its line items are fetched.
- `invoice.paid`: a subscription's first or renewed period paid (a subscription checkout's
  own `checkout.session.completed` is ignored: its invoice reports the payment).
- `charge.refunded`: money given back, in full or in part.
- `customer.subscription.*`: the subscription's state, applied whole.

Ids, chosen so a refund finds the payment it takes back:

- A payment's `transaction_id` is the PaymentIntent that collected it: a session's
  `payment_intent`, an invoice's PaymentIntent. A charge names its PaymentIntent, so a
  refund's `transaction_id` is the same id. When a payment has no PaymentIntent (an invoice
  paid from the customer's balance or out of band), it is the invoice id: there is no
  charge to refund.
- A charge's `amount_refunded` is cumulative and Stripe sends the value before the refund
  in `previous_attributes`; a refund is the difference. Its `refund_id` is the charge id
  and the new cumulative amount, so each partial refund has its own id and a redelivered
  event the same one. (The charge's own list of refunds is left out of its events since API
  version 2022-11-15, so the latest refund's id is not available from the event.) An event
  without the earlier amount is refused as a ValueError rather than guessed at: taking the
  whole cumulative amount would take a first partial refund back twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from pydantic import ValidationError

from pdf2audiobook.service.payments.provider import (
    IgnoredEvent,
    PaymentCompleted,
    PaymentEvent,
    PaymentRefunded,
    SubscriptionChanged,
    SubscriptionState,
    VerifiedEvent,
)
from pdf2audiobook.service.payments.stripe.objects import (
    CheckoutSession,
    EventEnvelope,
    Invoice,
    InvoiceLine,
    RefundedCharge,
    Subscription,
)

PROVIDER_NAME = "stripe"

CHECKOUT_PAID_EVENTS = frozenset(
    {"checkout.session.completed", "checkout.session.async_payment_succeeded"}
)
SUBSCRIPTION_EVENTS = frozenset(
    {
        "customer.subscription.created",
        "customer.subscription.updated",
        "customer.subscription.deleted",
        "customer.subscription.paused",
        "customer.subscription.resumed",
    }
)

_STATES = {
    "active": SubscriptionState.ACTIVE,
    "trialing": SubscriptionState.TRIALING,
    "past_due": SubscriptionState.PAST_DUE,
    # Stripe stopped retrying the payment and left the latest invoice open: still owed,
    # with no service to give meanwhile, which is what past_due means here.
    "unpaid": SubscriptionState.PAST_DUE,
    "paused": SubscriptionState.PAUSED,
    "canceled": SubscriptionState.CANCELED,
    # The first payment never succeeded and Stripe gave up: the subscription is over
    # without having started.
    "incomplete_expired": SubscriptionState.CANCELED,
}


class StripeLookups(Protocol):
    """What translating some events needs from Stripe's API."""

    def session_price_ids(self, session_id: str) -> tuple[str, ...]:
        """The price ids of a Checkout Session's line items."""
        ...

    def invoice_payment_intent(self, invoice_id: str) -> str | None:
        """The PaymentIntent that paid an invoice, if one did."""
        ...


def parse_envelope(payload: Mapping[str, Any]) -> EventEnvelope:
    """The id, type, time and data of a Stripe event. Raises ValueError when the payload does
    not have that shape."""
    try:
        return EventEnvelope.model_validate(payload)
    except ValidationError as error:
        raise ValueError(f"not a Stripe event: {_first_problem(error)}") from error


def translate_event(event: VerifiedEvent, *, lookups: StripeLookups) -> PaymentEvent:
    """What the verified Stripe `event` means to the service.

    `lookups` is asked for a paid credit-pack session's line items, and for the PaymentIntent
    of a paid invoice whose payload no longer names it (API versions since 2025-03-31).
    Raises ValueError for a payload without the documented shape (including a `user_id`
    that is not a non-empty string), and whatever `lookups` raises.
    """
    if event.provider != PROVIDER_NAME:
        raise ValueError(f"not a Stripe event: it came from {event.provider!r}")
    data = parse_envelope(event.payload).data
    try:
        if event.event_type in CHECKOUT_PAID_EVENTS:
            return _checkout_paid(CheckoutSession.model_validate(data.object), lookups)
        if event.event_type == "invoice.paid":
            return _invoice_paid(Invoice.model_validate(data.object), lookups)
        if event.event_type == "charge.refunded":
            return _charge_refunded(RefundedCharge.model_validate(data.model_dump()))
        if event.event_type in SUBSCRIPTION_EVENTS:
            return _subscription_changed(Subscription.model_validate(data.object))
    except ValidationError as error:
        problem = _first_problem(error)
        raise ValueError(f"{event.event_type} without the documented shape: {problem}") from error
    return IgnoredEvent(f"Stripe's {event.event_type} is not an event the service acts on")


def _checkout_paid(session: CheckoutSession, lookups: StripeLookups) -> PaymentEvent:
    if session.mode != "payment":
        return IgnoredEvent(
            f"a {session.mode} checkout: a subscription's payments arrive as invoice.paid"
        )
    if session.payment_status != "paid":
        # Bank debits and vouchers settle later: checkout.session.async_payment_succeeded
        # brings the same session, paid.
        return IgnoredEvent(f"a checkout whose payment is {session.payment_status}, not paid")
    if session.payment_intent is None or session.amount_total is None or not session.currency:
        raise ValueError(
            f"checkout session {session.id} is paid but without the documented shape: "
            "it lacks a payment_intent, amount_total or currency"
        )
    return PaymentCompleted(
        transaction_id=session.payment_intent,
        user_id=_user_id(session.client_reference_id, session.metadata),
        customer_id=session.customer,
        price_ids=lookups.session_price_ids(session.id),
        amount_minor=session.amount_total,
        currency=session.currency.upper(),
    )


def _invoice_paid(invoice: Invoice, lookups: StripeLookups) -> PaymentEvent:
    if invoice.status != "paid":
        return IgnoredEvent(f"an invoice that is {invoice.status}, not paid")
    if invoice.amount_paid == 0:
        # A trial's first invoice, or one a discount or the customer's balance covered: no
        # money was collected, so nothing is bought. The subscription's own events say
        # that it is trialing or active.
        return IgnoredEvent("an invoice paid without collecting any money")
    if not invoice.lines.data:
        raise ValueError(f"invoice {invoice.id} without the documented shape: it has no lines")
    payment_intent = (
        invoice.payment_intent
        if invoice.names_payment_intent
        else lookups.invoice_payment_intent(invoice.id)
    )
    subscription_id = invoice.subscription_id
    # The period paid for is the subscription line's: a proration line covers only the
    # part of a period left when the plan changed.
    line = _period_line(invoice.lines.data)
    return PaymentCompleted(
        transaction_id=payment_intent or invoice.id,
        user_id=_user_id(None, invoice.subscription_metadata),
        customer_id=invoice.customer,
        price_ids=tuple(
            dict.fromkeys(line.price_id for line in invoice.lines.data if line.price_id)
        ),
        amount_minor=invoice.amount_paid,
        currency=invoice.currency.upper(),
        subscription_id=subscription_id,
        period_start=line.period.start if subscription_id else None,
        period_end=line.period.end if subscription_id else None,
    )


def _period_line(lines: list[InvoiceLine]) -> InvoiceLine:
    return next((line for line in lines if not line.is_proration), lines[0])


def _charge_refunded(data: RefundedCharge) -> PaymentEvent:
    charge = data.object
    refunded = charge.amount_refunded - data.previous_attributes.amount_refunded
    if refunded <= 0:
        return IgnoredEvent(f"charge {charge.id} had no more money refunded")
    return PaymentRefunded(
        refund_id=f"{charge.id}:{charge.amount_refunded}",
        transaction_id=charge.payment_intent or charge.id,
        refunded_minor=refunded,
        total_minor=charge.amount,
    )


def _subscription_changed(subscription: Subscription) -> PaymentEvent:
    state = _STATES.get(subscription.status)
    if state is None:
        # `incomplete`: the first payment has not succeeded yet (Stripe gives it 23 hours),
        # so there is no subscription to record; its next event says how that ended.
        return IgnoredEvent(f"a subscription that is {subscription.status}")
    items = subscription.items.data
    start = subscription.current_period_start or (items[0].current_period_start if items else None)
    end = subscription.current_period_end or (items[0].current_period_end if items else None)
    if state is SubscriptionState.CANCELED:
        canceled_at = subscription.ended_at or subscription.canceled_at
    else:
        # A cancellation scheduled (at the period's end, or a set date): the subscription
        # stays as it is until then, and `canceled_at` says when it will end.
        canceled_at = subscription.cancel_at
    return SubscriptionChanged(
        subscription_id=subscription.id,
        user_id=_user_id(None, subscription.metadata),
        customer_id=subscription.customer,
        status=state,
        price_ids=tuple(item.price.id for item in items),
        period_start=start,
        period_end=end,
        canceled_at=canceled_at,
    )


def _user_id(client_reference_id: str | None, metadata: dict[str, Any] | None) -> str | None:
    # Our checkout puts the buyer's id in the session's client_reference_id and in the
    # metadata of the session and of the subscription it starts (which Stripe copies onto
    # the subscription's invoices). Purchases made elsewhere have neither.
    user_id = client_reference_id or (metadata or {}).get("user_id")
    if user_id is None:
        return None
    if not isinstance(user_id, str) or not user_id:
        raise ValueError(f"metadata.user_id must be a non-empty string, not {user_id!r}")
    return user_id


def _first_problem(error: ValidationError) -> str:
    problem = error.errors()[0]
    where = ".".join(str(part) for part in problem["loc"]) or "payload"
    return f"{where}: {problem['msg']}"
