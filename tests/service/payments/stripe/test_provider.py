"""StripeProvider as the service sees it: verified webhooks in, payment events out."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest

from pdf2audiobook.service.payments.provider import (
    CheckoutRequest,
    InvalidSignature,
    PaymentCompleted,
    PaymentProvider,
    PaymentRefunded,
    ProviderError,
    SubscriptionChanged,
)
from pdf2audiobook.service.payments.stripe import API_URL, StripeProvider
from pdf2audiobook.service.payments.stripe.signature import sign
from tests.service.payments.fake_stripe.process import FakeStripe
from tests.service.payments.stripe import payloads as stripe_events
from tests.service.payments.stripe.conftest import (
    CREDIT_PACK_CENTS,
    CREDIT_PACK_PRICE,
    FAKE_API_KEY,
    MONTHLY_PRICE,
    SUCCESS_URL,
    WEBHOOK_SECRET,
)

NOW = stripe_events.EVENT_CREATED + 5


def signed(body: bytes, *, secret: str = WEBHOOK_SECRET, at: int = NOW) -> dict[str, str]:
    return {"Stripe-Signature": sign(body, secret, at)}


def webhook_provider(*, tolerance_seconds: float = 300) -> StripeProvider:
    return StripeProvider(
        None,
        API_URL,
        [WEBHOOK_SECRET],
        None,
        tolerance_seconds=tolerance_seconds,
        clock=lambda: NOW,
    )


def test_stripe_provider_is_a_payment_provider_named_stripe() -> None:
    provider: PaymentProvider = webhook_provider()

    assert provider.name == "stripe"
    assert API_URL == "https://api.stripe.com"


def test_signed_webhook_is_verified_into_an_event_with_stripes_id_type_and_time() -> None:
    payload = stripe_events.pack_paid()
    body = json.dumps(payload).encode()

    event = webhook_provider().verify_webhook(body, signed(body))

    assert event.provider == "stripe"
    assert event.event_id == payload["id"]
    assert event.event_type == "checkout.session.completed"
    assert event.occurred_at == datetime.fromtimestamp(stripe_events.EVENT_CREATED, UTC)
    assert event.payload == payload


def test_signature_header_is_found_whatever_its_case() -> None:
    body = json.dumps(stripe_events.pack_paid()).encode()
    header = signed(body)["Stripe-Signature"]

    webhook_provider().verify_webhook(body, {"stripe-signature": header})
    webhook_provider().verify_webhook(body, {"STRIPE-SIGNATURE": header})


def test_webhook_without_signature_is_rejected() -> None:
    body = json.dumps(stripe_events.pack_paid()).encode()

    with pytest.raises(InvalidSignature, match="missing"):
        webhook_provider().verify_webhook(body, {"Content-Type": "application/json"})


def test_webhook_signed_by_someone_else_is_rejected() -> None:
    body = json.dumps(stripe_events.pack_paid()).encode()

    with pytest.raises(InvalidSignature, match="does not match"):
        webhook_provider().verify_webhook(body, signed(body, secret="whsec_guess"))


def test_webhook_signed_long_ago_is_rejected_as_a_replay() -> None:
    body = json.dumps(stripe_events.pack_paid()).encode()

    with pytest.raises(InvalidSignature, match="too old"):
        webhook_provider().verify_webhook(body, signed(body, at=NOW - 301))


def test_tolerance_is_configurable_and_applies_to_future_timestamps() -> None:
    body = json.dumps(stripe_events.pack_paid()).encode()
    strict = webhook_provider(tolerance_seconds=5)

    with pytest.raises(InvalidSignature, match="in the future"):
        strict.verify_webhook(body, signed(body, at=NOW + 6))


def test_second_configured_secret_verifies_while_ours_rotate() -> None:
    body = json.dumps(stripe_events.pack_paid()).encode()
    rotating = StripeProvider(
        None, API_URL, ["whsec_new" + "n" * 32, WEBHOOK_SECRET], None, clock=lambda: NOW
    )

    rotating.verify_webhook(body, signed(body))


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1, 2]",
        b'{"type": "checkout.session.completed"}',
        b'{"id": "evt_1", "object": "v2.core.event", "type": "x", "created": 1772446531}',
        b"\xff\xfe",
    ],
)
def test_signed_body_that_is_not_a_stripe_event_is_rejected(body: bytes) -> None:
    with pytest.raises(InvalidSignature, match="not a Stripe event"):
        webhook_provider().verify_webhook(body, signed(body))


@pytest.mark.parametrize("secrets", [[], [""], ["   "]])
def test_provider_without_webhook_secrets_cannot_be_built(secrets: list[str]) -> None:
    with pytest.raises(ValueError, match="secret"):
        StripeProvider(FAKE_API_KEY, API_URL, secrets, SUCCESS_URL)


def test_paid_credit_pack_takes_its_prices_from_the_sessions_line_items_at_stripe(
    stripe_provider: StripeProvider, fake_stripe: FakeStripe
) -> None:
    checkout = stripe_provider.create_checkout(
        CheckoutRequest("user-7", None, None, CREDIT_PACK_PRICE, "purchase-7")
    )
    payload = stripe_events.pack_paid(id=checkout.checkout_id, client_reference_id="user-7")

    payment = stripe_provider.translate(stripe_events.verified(payload))

    assert payment == PaymentCompleted(
        transaction_id=stripe_events.PAYMENT_INTENT_ID,
        user_id="user-7",
        customer_id=stripe_events.CUSTOMER_ID,
        price_ids=(CREDIT_PACK_PRICE,),
        amount_minor=CREDIT_PACK_CENTS,
        currency="EUR",
    )
    lookup = fake_stripe.requests()[-1]
    assert (lookup.method, lookup.path) == (
        "GET",
        f"/v1/checkout/sessions/{checkout.checkout_id}/line_items",
    )


def test_paid_invoice_in_the_2025_shape_is_named_by_the_payment_intent_stripe_reports(
    stripe_provider: StripeProvider, fake_stripe: FakeStripe
) -> None:
    fake_stripe.add_invoice_payment(
        stripe_events.INVOICE_ID, stripe_events.RENEWAL_PAYMENT_INTENT_ID, 999
    )

    payment = stripe_provider.translate(stripe_events.verified(stripe_events.invoice_paid()))

    assert isinstance(payment, PaymentCompleted)
    assert payment.transaction_id == stripe_events.RENEWAL_PAYMENT_INTENT_ID
    assert payment.price_ids == (MONTHLY_PRICE,)
    lookup = fake_stripe.requests()[-1]
    assert (lookup.path, lookup.query["invoice"]) == (
        "/v1/invoice_payments",
        [stripe_events.INVOICE_ID],
    )


def test_refund_finds_the_payment_by_the_same_payment_intent(
    stripe_provider: StripeProvider,
) -> None:
    paid = stripe_provider.translate(
        stripe_events.verified(stripe_events.invoice_paid(basil=False))
    )
    refund = stripe_events.charge_refunded(
        refunded=999, amount=999, payment_intent=stripe_events.RENEWAL_PAYMENT_INTENT_ID
    )

    refunded = stripe_provider.translate(stripe_events.verified(refund))

    assert isinstance(paid, PaymentCompleted)
    assert isinstance(refunded, PaymentRefunded)
    assert refunded.transaction_id == paid.transaction_id


def test_paid_credit_pack_while_stripe_is_down_is_worth_retrying(
    stripe_provider: StripeProvider, fake_stripe: FakeStripe
) -> None:
    fake_stripe.fail_next(503)

    with pytest.raises(ProviderError) as raised:
        stripe_provider.translate(stripe_events.verified(stripe_events.pack_paid()))

    assert raised.value.retryable is True


def test_provider_without_an_api_key_refuses_checkouts_for_good() -> None:
    provider = StripeProvider(None, API_URL, [WEBHOOK_SECRET], SUCCESS_URL)
    request = CheckoutRequest("user-7", "reader@example.com", None, CREDIT_PACK_PRICE, "p-1")

    with pytest.raises(ProviderError) as raised:
        provider.create_checkout(request)

    assert raised.value.retryable is False
    assert "not configured" in raised.value.message


def test_provider_without_an_api_key_still_translates_refunds_and_subscriptions() -> None:
    provider = webhook_provider()

    refunded = provider.translate(
        stripe_events.verified(stripe_events.charge_refunded(refunded=500))
    )
    changed = provider.translate(stripe_events.verified(stripe_events.subscription_event()))

    assert isinstance(refunded, PaymentRefunded)
    assert isinstance(changed, SubscriptionChanged)


def test_signed_now_verifies_with_the_real_clock() -> None:
    provider = StripeProvider(None, API_URL, [WEBHOOK_SECRET], None)
    body = json.dumps(stripe_events.pack_paid()).encode()

    provider.verify_webhook(body, signed(body, at=int(time.time())))
