"""The objects the fake Stripe answers with, in the shapes of Stripe's API reference: prices,
Checkout Sessions, their line items, and lists."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tests.service.payments.fake_stripe.replies import Body, new_id, now


@dataclass(frozen=True, slots=True)
class PriceSpec:
    """A price on the fake account: its amount in cents, and `interval` for a recurring one."""

    unit_amount: int
    interval: str | None = None
    active: bool = True
    currency: str = "eur"

    @classmethod
    def parse(cls, value: Mapping[str, Any]) -> PriceSpec:
        return cls(
            unit_amount=int(value["unit_amount"]),
            interval=value.get("interval"),
            active=bool(value.get("active", True)),
            currency=str(value.get("currency", "eur")),
        )


def list_of(url: str, data: list[Body]) -> Body:
    return {"object": "list", "data": data, "has_more": False, "url": url}


def price(price_id: str, spec: PriceSpec) -> Body:
    recurring = (
        None
        if spec.interval is None
        else {
            "interval": spec.interval,
            "interval_count": 1,
            "meter": None,
            "trial_period_days": None,
            "usage_type": "licensed",
        }
    )
    return {
        "id": price_id,
        "object": "price",
        "active": spec.active,
        "billing_scheme": "per_unit",
        "created": 1_767_225_600,
        "currency": spec.currency,
        "custom_unit_amount": None,
        "livemode": False,
        "lookup_key": None,
        "metadata": {},
        "nickname": None,
        "product": "prod_" + price_id.removeprefix("price_")[:14],
        "recurring": recurring,
        "tax_behavior": "unspecified",
        "tiers_mode": None,
        "transform_quantity": None,
        "type": "one_time" if spec.interval is None else "recurring",
        "unit_amount": spec.unit_amount,
        "unit_amount_decimal": str(spec.unit_amount),
    }


def line_item(price_id: str, spec: PriceSpec, quantity: int) -> Body:
    total = spec.unit_amount * quantity
    return {
        "id": new_id("li", 24),
        "object": "item",
        "amount_discount": 0,
        "amount_subtotal": total,
        "amount_tax": 0,
        "amount_total": total,
        "currency": spec.currency,
        "description": "pdf2audiobook credits",
        "price": price(price_id, spec),
        "quantity": quantity,
    }


def session(
    session_id: str, params: Body, priced: list[tuple[str, PriceSpec, int]], pay_url: str
) -> Body:
    total = sum(spec.unit_amount * quantity for _, spec, quantity in priced)
    created = now()
    return {
        "id": session_id,
        "object": "checkout.session",
        "amount_subtotal": total,
        "amount_total": total,
        "cancel_url": params.get("cancel_url"),
        "client_reference_id": params.get("client_reference_id"),
        "created": created,
        "currency": priced[0][1].currency if priced else None,
        "customer": params.get("customer"),
        "customer_email": params.get("customer_email"),
        "expires_at": created + 24 * 3600,
        "invoice": None,
        "livemode": False,
        "metadata": params.get("metadata", {}),
        "mode": params["mode"],
        "payment_intent": None,
        "payment_status": "unpaid",
        "status": "open",
        "subscription": None,
        "success_url": params["success_url"],
        "ui_mode": "hosted",
        "url": f"{pay_url}/{session_id}",
    }
