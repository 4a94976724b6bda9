"""The Stripe objects the service reads from webhook events, as much of them as it uses.

An event's `data.object` has the shape of the API version of the webhook endpoint that
received it, which the operator chose when creating the endpoint, not the version our
client pins. So where API version 2025-03-31 ("basil") moved a field, both places are
read:

- an invoice's subscription and its metadata: `subscription` and `subscription_details`
  before, `parent.subscription_details` since;
- an invoice line's price: `price.id` before, `pricing.price_details.price` since; and
  whether it is a proration: `proration` before, `parent.subscription_item_details` since;
- an invoice's PaymentIntent: `payment_intent` before, only through its payments since;
- a subscription's current period: on the subscription before, on each item since.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import StrictBool, StrictInt, StrictStr

from pdf2audiobook.service.payments.stripe.wire import StripeModel, UnixTime


class EventData(StripeModel):
    object: dict[str, Any]
    previous_attributes: dict[str, Any] | None = None


class EventEnvelope(StripeModel):
    """The part of every Stripe event that names it; `data.object` is checked per type."""

    id: StrictStr
    object: Literal["event"]
    type: StrictStr
    created: UnixTime
    data: EventData


class CheckoutSession(StripeModel):
    id: StrictStr
    object: Literal["checkout.session"]
    mode: Literal["payment", "setup", "subscription"]
    payment_status: Literal["paid", "unpaid", "no_payment_required"]
    client_reference_id: StrictStr | None = None
    customer: StrictStr | None = None
    metadata: dict[str, Any] | None = None
    amount_total: StrictInt | None = None
    currency: StrictStr | None = None
    payment_intent: StrictStr | None = None


class _Period(StripeModel):
    start: UnixTime
    end: UnixTime


class _Reference(StripeModel):
    id: StrictStr


class _PriceDetails(StripeModel):
    price: StrictStr | None = None


class _Pricing(StripeModel):
    price_details: _PriceDetails | None = None


class _SubscriptionItemDetails(StripeModel):
    proration: StrictBool = False


class _LineParent(StripeModel):
    subscription_item_details: _SubscriptionItemDetails | None = None


class InvoiceLine(StripeModel):
    period: _Period
    price: _Reference | None = None
    pricing: _Pricing | None = None
    proration: StrictBool = False
    parent: _LineParent | None = None

    @property
    def price_id(self) -> str | None:
        if self.price is not None:
            return self.price.id
        details = self.pricing.price_details if self.pricing else None
        return details.price if details else None

    @property
    def is_proration(self) -> bool:
        details = self.parent.subscription_item_details if self.parent else None
        return self.proration or (details is not None and details.proration)


class _InvoiceLines(StripeModel):
    data: list[InvoiceLine]


class SubscriptionDetails(StripeModel):
    subscription: StrictStr | None = None
    metadata: dict[str, Any] | None = None


class _InvoiceParent(StripeModel):
    subscription_details: SubscriptionDetails | None = None


class Invoice(StripeModel):
    id: StrictStr
    object: Literal["invoice"]
    status: StrictStr | None
    customer: StrictStr | None
    amount_paid: StrictInt
    currency: StrictStr
    lines: _InvoiceLines
    subscription: StrictStr | None = None
    subscription_details: SubscriptionDetails | None = None
    parent: _InvoiceParent | None = None
    payment_intent: StrictStr | None = None

    @property
    def subscription_id(self) -> str | None:
        details = self.parent.subscription_details if self.parent else None
        return self.subscription or (details.subscription if details else None)

    @property
    def subscription_metadata(self) -> dict[str, Any] | None:
        details = self.parent.subscription_details if self.parent else None
        details = details or self.subscription_details
        return details.metadata if details else None

    @property
    def names_payment_intent(self) -> bool:
        """Whether the payload has the `payment_intent` field (API versions before
        2025-03-31), even when it is null."""
        return "payment_intent" in self.model_fields_set


class Charge(StripeModel):
    id: StrictStr
    object: Literal["charge"]
    amount: StrictInt
    amount_refunded: StrictInt
    payment_intent: StrictStr | None = None


class _PreviousRefundState(StripeModel):
    amount_refunded: StrictInt


class RefundedCharge(StripeModel):
    """A `charge.refunded` event's data: the charge, and its refunded amount before."""

    object: Charge
    previous_attributes: _PreviousRefundState


SubscriptionStatus = Literal[
    "active",
    "trialing",
    "past_due",
    "unpaid",
    "paused",
    "canceled",
    "incomplete",
    "incomplete_expired",
]


class _SubscriptionItem(StripeModel):
    price: _Reference
    current_period_start: UnixTime | None = None
    current_period_end: UnixTime | None = None


class _SubscriptionItems(StripeModel):
    data: list[_SubscriptionItem]


class Subscription(StripeModel):
    id: StrictStr
    object: Literal["subscription"]
    status: SubscriptionStatus
    customer: StrictStr | None
    metadata: dict[str, Any] | None = None
    items: _SubscriptionItems
    current_period_start: UnixTime | None = None
    current_period_end: UnixTime | None = None
    cancel_at: UnixTime | None = None
    canceled_at: UnixTime | None = None
    ended_at: UnixTime | None = None
