"""PaddleProvider as the service sees it: verified webhooks in, payment events out."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest

from pdf2audiobook.service.payments.paddle import PRODUCTION_API_URL, PaddleProvider
from pdf2audiobook.service.payments.paddle.signature import sign
from pdf2audiobook.service.payments.provider import (
    CheckoutRequest,
    InvalidSignature,
    PaymentProvider,
    PaymentRefunded,
    ProviderError,
)
from tests.service.payments import paddle_payloads as paddle_events
from tests.service.payments.conftest import CREDIT_PACK_PRICE, FAKE_API_KEY, WEBHOOK_SECRET
from tests.service.payments.fake_paddle.process import FakePaddle


def signed(body: bytes, *, secret: str = WEBHOOK_SECRET) -> dict[str, str]:
    return {"Paddle-Signature": sign(body, secret, int(time.time()))}


def webhook_provider() -> PaddleProvider:
    return PaddleProvider(None, PRODUCTION_API_URL, [WEBHOOK_SECRET])


def test_paddle_provider_is_a_payment_provider_named_paddle() -> None:
    provider: PaymentProvider = webhook_provider()

    assert provider.name == "paddle"


def test_signed_webhook_is_verified_into_an_event_with_paddles_id_type_and_time() -> None:
    payload = paddle_events.completed_credit_pack()
    body = json.dumps(payload).encode()

    event = webhook_provider().verify_webhook(body, signed(body))

    assert event.provider == "paddle"
    assert event.event_id == payload["event_id"]
    assert event.event_type == "transaction.completed"
    assert event.occurred_at == datetime(2026, 3, 2, 10, 15, 31, 812046, tzinfo=UTC)
    assert event.payload == payload


def test_signature_header_is_found_whatever_its_case() -> None:
    body = json.dumps(paddle_events.completed_credit_pack()).encode()
    header = signed(body)["Paddle-Signature"]

    webhook_provider().verify_webhook(body, {"paddle-signature": header})
    webhook_provider().verify_webhook(body, {"PADDLE-SIGNATURE": header})


def test_webhook_without_signature_is_rejected() -> None:
    body = json.dumps(paddle_events.completed_credit_pack()).encode()

    with pytest.raises(InvalidSignature, match="missing"):
        webhook_provider().verify_webhook(body, {"Content-Type": "application/json"})


def test_webhook_signed_by_someone_else_is_rejected() -> None:
    body = json.dumps(paddle_events.completed_credit_pack()).encode()

    with pytest.raises(InvalidSignature, match="does not match"):
        webhook_provider().verify_webhook(body, signed(body, secret="pdl_ntfset_guess"))


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[1, 2]", b'{"event_type": "transaction.completed"}', b"\xff\xfe"],
)
def test_signed_body_that_is_not_a_paddle_event_is_rejected(body: bytes) -> None:
    with pytest.raises(InvalidSignature, match="not a Paddle event"):
        webhook_provider().verify_webhook(body, signed(body))


def test_provider_without_webhook_secrets_cannot_be_built() -> None:
    with pytest.raises(ValueError, match="secret"):
        PaddleProvider(FAKE_API_KEY, PRODUCTION_API_URL, [])


def test_approved_refund_gets_the_original_total_from_paddle(
    paddle: PaddleProvider, fake_paddle: FakePaddle
) -> None:
    checkout = paddle.create_checkout(
        CheckoutRequest("user-7", None, None, CREDIT_PACK_PRICE, "purchase-7")
    )
    refund = paddle_events.refund(status="approved", total="500")
    refund["data"]["transaction_id"] = checkout.checkout_id

    refunded = paddle.translate(paddle_events.verified(refund))

    assert refunded == PaymentRefunded(
        refund_id=paddle_events.REFUND_ID,
        transaction_id=checkout.checkout_id,
        refunded_minor=500,
        total_minor=1999,
    )
    lookup = fake_paddle.requests()[-1]
    assert (lookup.method, lookup.path) == ("GET", f"/transactions/{checkout.checkout_id}")


def test_refund_while_paddle_is_down_is_worth_retrying(
    paddle: PaddleProvider, fake_paddle: FakePaddle
) -> None:
    fake_paddle.fail_next(503)

    with pytest.raises(ProviderError) as raised:
        paddle.translate(paddle_events.verified(paddle_events.refund(status="approved")))

    assert raised.value.retryable is True


def test_provider_without_an_api_key_refuses_checkouts_for_good() -> None:
    request = CheckoutRequest("user-7", "reader@example.com", None, CREDIT_PACK_PRICE, "p-1")

    with pytest.raises(ProviderError) as raised:
        webhook_provider().create_checkout(request)

    assert raised.value.retryable is False
    assert "not configured" in raised.value.message


def test_provider_without_an_api_key_still_translates_payments() -> None:
    payload = paddle_events.completed_credit_pack()

    payment = webhook_provider().translate(paddle_events.verified(payload))

    assert payment.__class__.__name__ == "PaymentCompleted"
