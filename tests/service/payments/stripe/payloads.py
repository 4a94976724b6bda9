"""Stripe webhook events as Stripe sends them, for a buyer of pdf2audiobook credits.

The shapes follow Stripe's API reference for the event object and the Checkout Session,
Invoice, Charge and Subscription objects, in two API versions where they differ: before
2025-03-31 ("acacia", the endpoint created earlier) and since ("basil"). The values are
ours. Each builder returns a fresh dict, so a test may change it freely.
"""

from __future__ import annotations

from typing import Any

from pdf2audiobook.service.payments.provider import VerifiedEvent
from pdf2audiobook.service.payments.stripe.events import parse_envelope
from tests.service.payments.stripe.conftest import (
    CANCEL_URL,
    CREDIT_PACK_CENTS,
    MONTHLY_CENTS,
    MONTHLY_PRICE,
    SUCCESS_URL,
)

Payload = dict[str, Any]

USER_ID = "2f9c1d7e-5b0a-4c3e-9a1f-6d8e2b7c4a10"
CUSTOMER_ID = "cus_RbuyerPdf2Audio"
SESSION_ID = "cs_test_a1PackPurchase0000000000000000000000000000000000000000"
PAYMENT_INTENT_ID = "pi_3QpackPayment000000000001"
CHARGE_ID = "ch_3QpackPayment000000000001"
SUBSCRIPTION_ID = "sub_1QmonthlyPlan0000000000"
SUBSCRIPTION_ITEM_ID = "si_RmonthlyItem0001"
INVOICE_ID = "in_1QrenewalInvoice00000000"
RENEWAL_PAYMENT_INTENT_ID = "pi_3QrenewalPayment00000001"
PRODUCT_ID = "prod_Rpdf2audiobook"

MARCH_2 = 1_772_446_520
APRIL_2 = 1_775_124_920
EVENT_CREATED = 1_772_446_531

BASIL = "2025-03-31.basil"
ACACIA = "2024-09-30.acacia"


def event(
    event_type: str,
    data_object: Payload,
    *,
    previous_attributes: Payload | None = None,
    api_version: str = BASIL,
    number: int = 1,
) -> Payload:
    """The envelope Stripe wraps every object in."""
    data: Payload = {"object": data_object}
    if previous_attributes is not None:
        data["previous_attributes"] = previous_attributes
    return {
        "id": f"evt_1Qevent{number:017d}",
        "object": "event",
        "api_version": api_version,
        "created": EVENT_CREATED,
        "data": data,
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
    }


def verified(payload: Payload) -> VerifiedEvent:
    """`payload` as StripeProvider.verify_webhook hands it on."""
    envelope = parse_envelope(payload)
    return VerifiedEvent(
        provider="stripe",
        event_id=envelope.id,
        event_type=envelope.type,
        occurred_at=envelope.created,
        payload=payload,
    )


def price(price_id: str = MONTHLY_PRICE, amount: int = MONTHLY_CENTS) -> Payload:
    monthly = price_id == MONTHLY_PRICE
    return {
        "id": price_id,
        "object": "price",
        "active": True,
        "billing_scheme": "per_unit",
        "created": 1_767_603_600,
        "currency": "eur",
        "livemode": False,
        "lookup_key": None,
        "metadata": {},
        "nickname": None,
        "product": PRODUCT_ID,
        "recurring": (
            {"interval": "month", "interval_count": 1, "usage_type": "licensed"}
            if monthly
            else None
        ),
        "tax_behavior": "inclusive",
        "type": "recurring" if monthly else "one_time",
        "unit_amount": amount,
        "unit_amount_decimal": str(amount),
    }


def checkout_session(**changes: Any) -> Payload:
    """A paid credit-pack Checkout Session, as our checkout created it."""
    session: Payload = {
        "id": SESSION_ID,
        "object": "checkout.session",
        "after_expiration": None,
        "allow_promotion_codes": None,
        "amount_subtotal": CREDIT_PACK_CENTS,
        "amount_total": CREDIT_PACK_CENTS,
        "automatic_tax": {"enabled": False, "liability": None, "status": None},
        "billing_address_collection": None,
        "cancel_url": CANCEL_URL,
        "client_reference_id": USER_ID,
        "created": MARCH_2 - 60,
        "currency": "eur",
        "customer": CUSTOMER_ID,
        "customer_creation": None,
        "customer_details": {
            "email": "reader@example.com",
            "name": "Ada Reader",
            "address": {"country": "DE"},
        },
        "customer_email": None,
        "expires_at": MARCH_2 + 86_340,
        "invoice": None,
        "livemode": False,
        "locale": None,
        "metadata": {"user_id": USER_ID, "checkout_key": "purchase-7"},
        "mode": "payment",
        "payment_intent": PAYMENT_INTENT_ID,
        "payment_method_types": ["card"],
        "payment_status": "paid",
        "status": "complete",
        "subscription": None,
        "success_url": SUCCESS_URL,
        "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 319},
        "ui_mode": "hosted",
        "url": None,
    }
    session.update(changes)
    return session


def pack_paid(**changes: Any) -> Payload:
    return event("checkout.session.completed", checkout_session(**changes))


def subscription_checkout_completed() -> Payload:
    return pack_paid(
        mode="subscription",
        payment_intent=None,
        subscription=SUBSCRIPTION_ID,
        invoice="in_1QfirstInvoice0000000000",
        amount_total=MONTHLY_CENTS,
    )


def _invoice_line(*, basil: bool, proration: bool = False, amount: int = MONTHLY_CENTS) -> Payload:
    line: Payload = {
        "id": "il_1QrenewalLine0000000000",
        "object": "line_item",
        "amount": amount,
        "currency": "eur",
        "description": "1 x Monthly audiobook credits (at 9.99 EUR / month)",
        "discountable": True,
        "livemode": False,
        "metadata": {},
        "period": {"start": MARCH_2, "end": APRIL_2},
        "quantity": 1,
    }
    if basil:
        line["parent"] = {
            "type": "subscription_item_details",
            "invoice_item_details": None,
            "subscription_item_details": {
                "invoice_item": None,
                "proration": proration,
                "proration_details": {"credited_items": None},
                "subscription": SUBSCRIPTION_ID,
                "subscription_item": SUBSCRIPTION_ITEM_ID,
            },
        }
        line["pricing"] = {
            "type": "price_details",
            "price_details": {"price": MONTHLY_PRICE, "product": PRODUCT_ID},
            "unit_amount_decimal": str(amount),
        }
    else:
        line.update(
            {
                "type": "subscription",
                "subscription": SUBSCRIPTION_ID,
                "subscription_item": SUBSCRIPTION_ITEM_ID,
                "proration": proration,
                "price": price(),
                "plan": {"id": MONTHLY_PRICE, "object": "plan", "interval": "month"},
            }
        )
    return line


def invoice(*, basil: bool = True, lines: list[Payload] | None = None, **changes: Any) -> Payload:
    """A paid renewal invoice of the monthly plan."""
    body: Payload = {
        "id": INVOICE_ID,
        "object": "invoice",
        "account_country": "DE",
        "amount_due": MONTHLY_CENTS,
        "amount_paid": MONTHLY_CENTS,
        "amount_remaining": 0,
        "attempt_count": 1,
        "billing_reason": "subscription_cycle",
        "collection_method": "charge_automatically",
        "created": MARCH_2,
        "currency": "eur",
        "customer": CUSTOMER_ID,
        "customer_email": "reader@example.com",
        "hosted_invoice_url": "https://invoice.stripe.com/i/acct_1Q/test_renewal",
        "lines": {
            "object": "list",
            "data": lines if lines is not None else [_invoice_line(basil=basil)],
            "has_more": False,
            "total_count": 1,
            "url": f"/v1/invoices/{INVOICE_ID}/lines",
        },
        "livemode": False,
        "metadata": {},
        "number": "PDF2A-0007",
        "period_end": MARCH_2,
        "period_start": MARCH_2 - 2_678_400,
        "status": "paid",
        "status_transitions": {"paid_at": MARCH_2 + 3600, "finalized_at": MARCH_2},
        "subtotal": MONTHLY_CENTS,
        "total": MONTHLY_CENTS,
    }
    subscription_details = {"metadata": {"user_id": USER_ID}}
    if basil:
        body["parent"] = {
            "type": "subscription_details",
            "quote_details": None,
            "subscription_details": {**subscription_details, "subscription": SUBSCRIPTION_ID},
        }
    else:
        body.update(
            {
                "charge": "ch_3QrenewalPayment00000001",
                "paid": True,
                "paid_out_of_band": False,
                "payment_intent": RENEWAL_PAYMENT_INTENT_ID,
                "subscription": SUBSCRIPTION_ID,
                "subscription_details": subscription_details,
            }
        )
    body.update(changes)
    return body


def invoice_line(*, basil: bool = True, proration: bool = False, amount: int = 999) -> Payload:
    return _invoice_line(basil=basil, proration=proration, amount=amount)


def invoice_paid(*, basil: bool = True, **changes: Any) -> Payload:
    return event(
        "invoice.paid", invoice(basil=basil, **changes), api_version=BASIL if basil else ACACIA
    )


def charge(*, amount_refunded: int, **changes: Any) -> Payload:
    body: Payload = {
        "id": CHARGE_ID,
        "object": "charge",
        "amount": CREDIT_PACK_CENTS,
        "amount_captured": CREDIT_PACK_CENTS,
        "amount_refunded": amount_refunded,
        "balance_transaction": "txn_3QpackPayment00000001",
        "captured": True,
        "created": MARCH_2,
        "currency": "eur",
        "customer": CUSTOMER_ID,
        "description": None,
        "livemode": False,
        "metadata": {},
        "paid": True,
        "payment_intent": PAYMENT_INTENT_ID,
        "payment_method": "pm_1QcardOfTheReader0000",
        "receipt_url": "https://pay.stripe.com/receipts/payment/test_pack",
        "refunded": amount_refunded == CREDIT_PACK_CENTS,
        "status": "succeeded",
    }
    body.update(changes)
    return body


def charge_refunded(*, refunded: int, before: int = 0, **changes: Any) -> Payload:
    """`charge.refunded` after a refund took the charge's refunded total from `before` to
    `refunded`, with the previous values Stripe sends alongside."""
    return event(
        "charge.refunded",
        charge(amount_refunded=refunded, **changes),
        previous_attributes={
            "amount_refunded": before,
            "refunded": before == CREDIT_PACK_CENTS,
        },
    )


def subscription(*, basil: bool = True, **changes: Any) -> Payload:
    """The monthly plan's subscription, active in its first period."""
    item: Payload = {
        "id": SUBSCRIPTION_ITEM_ID,
        "object": "subscription_item",
        "created": MARCH_2,
        "metadata": {},
        "price": price(),
        "quantity": 1,
        "subscription": SUBSCRIPTION_ID,
    }
    body: Payload = {
        "id": SUBSCRIPTION_ID,
        "object": "subscription",
        "billing_cycle_anchor": MARCH_2,
        "cancel_at": None,
        "cancel_at_period_end": False,
        "canceled_at": None,
        "cancellation_details": {"comment": None, "feedback": None, "reason": None},
        "collection_method": "charge_automatically",
        "created": MARCH_2,
        "currency": "eur",
        "customer": CUSTOMER_ID,
        "ended_at": None,
        "items": {
            "object": "list",
            "data": [item],
            "has_more": False,
            "total_count": 1,
            "url": f"/v1/subscription_items?subscription={SUBSCRIPTION_ID}",
        },
        "latest_invoice": INVOICE_ID,
        "livemode": False,
        "metadata": {"user_id": USER_ID},
        "pause_collection": None,
        "start_date": MARCH_2,
        "status": "active",
        "trial_end": None,
        "trial_start": None,
    }
    period = {"current_period_start": MARCH_2, "current_period_end": APRIL_2}
    if basil:
        item.update(period)
    else:
        body.update(period)
    body.update(changes)
    return body


def subscription_event(
    event_type: str = "customer.subscription.updated", *, basil: bool = True, **changes: Any
) -> Payload:
    return event(
        event_type, subscription(basil=basil, **changes), api_version=BASIL if basil else ACACIA
    )
