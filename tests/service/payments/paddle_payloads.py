"""Paddle webhook events as Paddle sends them, for a buyer of pdf2audiobook credits.

The shapes follow Paddle Billing's webhook reference (event envelope, transaction,
adjustment and subscription entities, amounts as strings of cents); the values are ours.
Each builder returns a fresh dict, so a test may change it freely.
"""

from __future__ import annotations

from typing import Any

from pdf2audiobook.service.payments.paddle.events import parse_envelope
from pdf2audiobook.service.payments.provider import VerifiedEvent
from tests.service.payments.conftest import CREDIT_PACK_PRICE, MONTHLY_PRICE, paddle_id

Payload = dict[str, Any]

USER_ID = "2f9c1d7e-5b0a-4c3e-9a1f-6d8e2b7c4a10"
CUSTOMER_ID = paddle_id("ctm", "01hzbuyer")
TRANSACTION_ID = paddle_id("txn", "01hzpack")
RENEWAL_ID = paddle_id("txn", "01hzrenewal")
SUBSCRIPTION_ID = paddle_id("sub", "01hzmonthly")
REFUND_ID = paddle_id("adj", "01hzrefund")


def event(event_type: str, data: Payload, *, number: int = 1) -> Payload:
    """The envelope Paddle wraps every entity in."""
    return {
        "event_id": paddle_id("evt", f"01hzevent{number}"),
        "event_type": event_type,
        "occurred_at": "2026-03-02T10:15:31.812046Z",
        "notification_id": paddle_id("ntf", f"01hznotice{number}"),
        "data": data,
    }


def verified(payload: Payload) -> VerifiedEvent:
    """`payload` as PaddleProvider.verify_webhook hands it on."""
    envelope = parse_envelope(payload)
    return VerifiedEvent(
        provider="paddle",
        event_id=envelope.event_id,
        event_type=envelope.event_type,
        occurred_at=envelope.occurred_at,
        payload=payload,
    )


def _price(price_id: str, amount: str, *, monthly: bool) -> Payload:
    return {
        "id": price_id,
        "product_id": paddle_id("pro", "01hzcredits"),
        "type": "standard",
        "name": "Monthly credits" if monthly else "Credit pack",
        "description": "Ten hours of audio",
        "tax_mode": "account_setting",
        "billing_cycle": {"interval": "month", "frequency": 1} if monthly else None,
        "trial_period": None,
        "unit_price": {"amount": amount, "currency_code": "EUR"},
        "unit_price_overrides": [],
        "quantity": {"minimum": 1, "maximum": 1},
        "status": "active",
        "custom_data": None,
        "import_meta": None,
        "created_at": "2026-01-05T09:00:00.000000Z",
        "updated_at": "2026-01-05T09:00:00.000000Z",
    }


def _totals(grand_total: str) -> Payload:
    tax = str(round(int(grand_total) * 19 / 119))
    return {
        "subtotal": str(int(grand_total) - int(tax)),
        "discount": "0",
        "tax": tax,
        "total": grand_total,
        "credit": "0",
        "credit_to_balance": "0",
        "balance": "0",
        "grand_total": grand_total,
        "fee": "150",
        "earnings": str(int(grand_total) - int(tax) - 150),
        "currency_code": "EUR",
    }


def completed_credit_pack(**changes: Any) -> Payload:
    """A one-off credit pack of 19.99 EUR, paid through our checkout (with our custom data)."""
    transaction: Payload = {
        "id": TRANSACTION_ID,
        "status": "completed",
        "customer_id": CUSTOMER_ID,
        "address_id": paddle_id("add", "01hzhome"),
        "business_id": None,
        "custom_data": {"user_id": USER_ID, "checkout_key": "purchase-41"},
        "currency_code": "EUR",
        "origin": "web",
        "subscription_id": None,
        "invoice_id": paddle_id("inv", "01hzinvoice"),
        "invoice_number": "325-10001",
        "collection_mode": "automatic",
        "discount_id": None,
        "billing_details": None,
        "billing_period": None,
        "items": [
            {
                "price": _price(CREDIT_PACK_PRICE, "1999", monthly=False),
                "quantity": 1,
                "proration": None,
            }
        ],
        "details": {
            "totals": _totals("1999"),
            "adjusted_totals": _totals("1999"),
            "payout_totals": None,
            "tax_rates_used": [],
            "line_items": [],
        },
        "payments": [
            {
                "amount": "1999",
                "status": "captured",
                "error_code": None,
                "method_details": {"type": "card", "card": {"type": "visa", "last4": "4242"}},
                "created_at": "2026-03-02T10:15:02.101000Z",
                "captured_at": "2026-03-02T10:15:20.517000Z",
            }
        ],
        "checkout": {"url": f"https://pdf2audiobook.test/pay?_ptxn={TRANSACTION_ID}"},
        "created_at": "2026-03-02T10:14:40.000000Z",
        "updated_at": "2026-03-02T10:15:31.000000Z",
        "billed_at": "2026-03-02T10:15:21.000000Z",
    }
    transaction.update(changes)
    return event("transaction.completed", transaction)


def completed_renewal() -> Payload:
    """A month of the subscription, paid automatically: Paddle copied our custom data from
    the subscription, and the transaction names its billing period."""
    return completed_credit_pack(
        id=RENEWAL_ID,
        origin="subscription_recurring",
        subscription_id=SUBSCRIPTION_ID,
        billing_period={
            "starts_at": "2026-03-02T10:15:20.517000Z",
            "ends_at": "2026-04-02T10:15:20.517000Z",
        },
        items=[{"price": _price(MONTHLY_PRICE, "999", monthly=True), "quantity": 1}],
        details={"totals": _totals("999"), "line_items": []},
    )


def refund(*, status: str = "approved", action: str = "refund", total: str = "500") -> Payload:
    """A partial refund of `total` cents of the credit pack."""
    adjustment = {
        "id": REFUND_ID,
        "action": action,
        "type": "partial",
        "transaction_id": TRANSACTION_ID,
        "subscription_id": None,
        "customer_id": CUSTOMER_ID,
        "reason": "The book was not what I expected",
        "credit_applied_to_balance": None,
        "currency_code": "EUR",
        "status": status,
        "items": [
            {
                "id": paddle_id("adjitm", "01hzline"),
                "item_id": paddle_id("txnitm", "01hzline"),
                "type": "partial",
                "amount": total,
                "proration": None,
                "totals": {"subtotal": total, "tax": "0", "total": total},
            }
        ],
        "totals": {
            "subtotal": total,
            "tax": "0",
            "total": total,
            "fee": "0",
            "earnings": total,
            "currency_code": "EUR",
        },
        "payout_totals": None,
        "created_at": "2026-03-09T16:02:11.000000Z",
        "updated_at": "2026-03-09T16:40:54.000000Z",
    }
    event_type = "adjustment.updated" if status == "approved" else "adjustment.created"
    return event(event_type, adjustment)


def subscription(event_type: str = "subscription.updated", **changes: Any) -> Payload:
    """The monthly subscription, active in its second month."""
    data: Payload = {
        "id": SUBSCRIPTION_ID,
        "status": "active",
        "customer_id": CUSTOMER_ID,
        "address_id": paddle_id("add", "01hzhome"),
        "business_id": None,
        "currency_code": "EUR",
        "collection_mode": "automatic",
        "custom_data": {"user_id": USER_ID, "checkout_key": "purchase-7"},
        "items": [
            {
                "status": "active",
                "quantity": 1,
                "recurring": True,
                "price": _price(MONTHLY_PRICE, "999", monthly=True),
                "created_at": "2026-02-02T10:15:21.000000Z",
                "updated_at": "2026-03-02T10:15:21.000000Z",
                "previously_billed_at": "2026-03-02T10:15:20.517000Z",
                "next_billed_at": "2026-04-02T10:15:20.517000Z",
                "trial_dates": None,
            }
        ],
        "billing_cycle": {"interval": "month", "frequency": 1},
        "current_billing_period": {
            "starts_at": "2026-03-02T10:15:20.517000Z",
            "ends_at": "2026-04-02T10:15:20.517000Z",
        },
        "scheduled_change": None,
        "discount": None,
        "started_at": "2026-02-02T10:15:20.517000Z",
        "first_billed_at": "2026-02-02T10:15:20.517000Z",
        "next_billed_at": "2026-04-02T10:15:20.517000Z",
        "paused_at": None,
        "canceled_at": None,
        "created_at": "2026-02-02T10:15:21.000000Z",
        "updated_at": "2026-03-02T10:15:22.000000Z",
    }
    data.update(changes)
    return event(event_type, data)
