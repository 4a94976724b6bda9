"""Checkouts through Paddle's API, against the fake Paddle in its own process."""

from __future__ import annotations

import socket
import uuid

import pytest

from pdf2audiobook.service.payments.paddle import PaddleProvider
from pdf2audiobook.service.payments.paddle.client import PaddleClient
from pdf2audiobook.service.payments.paddle.errors import PaddleApiError
from pdf2audiobook.service.payments.provider import CheckoutRequest, ProviderError
from tests.service.payments.conftest import (
    CHECKOUT_URL_BASE,
    CREDIT_PACK_PRICE,
    FAKE_API_KEY,
    PRICE_NOT_ON_SALE,
    WEBHOOK_SECRET,
)
from tests.service.payments.fake_paddle.process import FakePaddle


def purchase(
    *, email: str | None = None, customer_id: str | None = None, price_id: str = CREDIT_PACK_PRICE
) -> CheckoutRequest:
    return CheckoutRequest(
        user_id=str(uuid.uuid4()),
        email=email,
        customer_id=customer_id,
        price_id=price_id,
        idempotency_key=f"purchase-{uuid.uuid4()}",
    )


def new_email() -> str:
    return f"reader-{uuid.uuid4().hex[:12]}@example.com"


def provider_at(url: str, *, api_key: str = FAKE_API_KEY, timeout: float = 2) -> PaddleProvider:
    return PaddleProvider(api_key, url, [WEBHOOK_SECRET], timeout_seconds=timeout)


def test_checkout_creates_the_customer_then_a_transaction_and_returns_paddles_link(
    paddle: PaddleProvider, fake_paddle: FakePaddle
) -> None:
    request = purchase(email=new_email())

    checkout = paddle.create_checkout(request)

    customers, transactions = fake_paddle.requests()
    assert (customers.method, customers.path, customers.status) == ("POST", "/customers", 201)
    assert customers.body == {"email": request.email}
    assert (transactions.method, transactions.path, transactions.status) == (
        "POST",
        "/transactions",
        201,
    )
    assert transactions.body == {
        "items": [{"price_id": CREDIT_PACK_PRICE, "quantity": 1}],
        "customer_id": checkout.customer_id,
        "custom_data": {"user_id": request.user_id, "checkout_key": request.idempotency_key},
    }
    assert checkout.checkout_id.startswith("txn_")
    assert checkout.url == f"{CHECKOUT_URL_BASE}?_ptxn={checkout.checkout_id}"
    assert checkout.customer_id is not None
    assert checkout.customer_id.startswith("ctm_")


def test_every_call_carries_the_api_key_json_and_the_pinned_api_version(
    paddle: PaddleProvider, fake_paddle: FakePaddle
) -> None:
    paddle.create_checkout(purchase(email=new_email()))

    for request in fake_paddle.requests():
        assert request.headers["authorization"] == f"Bearer {FAKE_API_KEY}"
        assert request.headers["content-type"] == "application/json"
        assert request.headers["paddle-version"] == "1"


def test_checkout_sends_no_idempotency_header_paddle_does_not_document(
    paddle: PaddleProvider, fake_paddle: FakePaddle
) -> None:
    paddle.create_checkout(purchase(email=new_email()))

    for request in fake_paddle.requests():
        assert not [name for name in request.headers if "idempotency" in name]


def test_email_paddle_already_knows_reuses_the_customer_named_in_the_conflict(
    paddle: PaddleProvider, fake_paddle: FakePaddle
) -> None:
    email = new_email()
    with PaddleClient(FAKE_API_KEY, fake_paddle.url) as client:
        known = client.ensure_customer(email)

    checkout = paddle.create_checkout(purchase(email=email))

    _, conflict, transaction = fake_paddle.requests()
    assert (conflict.path, conflict.status) == ("/customers", 409)
    assert checkout.customer_id == known
    assert transaction.body["customer_id"] == known


def test_repeated_checkout_for_one_email_keeps_one_customer(paddle: PaddleProvider) -> None:
    email = new_email()

    first = paddle.create_checkout(purchase(email=email))
    second = paddle.create_checkout(purchase(email=email))

    assert second.customer_id == first.customer_id
    assert second.checkout_id != first.checkout_id


def test_conflict_that_names_no_customer_falls_back_to_finding_them_by_email(
    paddle: PaddleProvider, fake_paddle: FakePaddle
) -> None:
    email = new_email()
    first = paddle.create_checkout(purchase(email=email))
    fake_paddle.fail_next(
        409,
        path="/customers",
        code="customer_already_exists",
        detail="customer email conflicts with an existing customer",
    )

    second = paddle.create_checkout(purchase(email=email))

    lookup = fake_paddle.requests()[-2]
    assert (lookup.method, lookup.path, lookup.query) == ("GET", "/customers", {"email": [email]})
    assert second.customer_id == first.customer_id


def test_conflict_over_a_customer_paddle_does_not_list_is_refused_for_good(
    paddle: PaddleProvider, fake_paddle: FakePaddle
) -> None:
    # An archived customer: Paddle refuses the email but lists active customers only.
    fake_paddle.fail_next(
        409,
        path="/customers",
        code="customer_already_exists",
        detail="customer email conflicts with an existing customer",
    )

    with pytest.raises(ProviderError) as raised:
        paddle.create_checkout(purchase(email=new_email()))

    assert raised.value.retryable is False
    assert raised.value.message == "The payment provider could not find this buyer's account."


def test_checkout_for_a_known_customer_creates_no_customer(
    paddle: PaddleProvider, fake_paddle: FakePaddle
) -> None:
    with PaddleClient(FAKE_API_KEY, fake_paddle.url) as client:
        customer_id = client.ensure_customer(new_email())

    checkout = paddle.create_checkout(purchase(email=new_email(), customer_id=customer_id))

    created_by_us, transaction = fake_paddle.requests()
    assert (created_by_us.path, transaction.path) == ("/customers", "/transactions")
    assert transaction.body["customer_id"] == customer_id
    assert checkout.customer_id == customer_id


def test_checkout_without_email_leaves_the_buyer_to_paddles_checkout(
    paddle: PaddleProvider, fake_paddle: FakePaddle
) -> None:
    checkout = paddle.create_checkout(purchase())

    (transaction,) = fake_paddle.requests()
    assert "customer_id" not in transaction.body
    assert checkout.customer_id is None


def test_wrong_api_key_fails_for_good_with_a_readable_message(fake_paddle: FakePaddle) -> None:
    paddle = provider_at(fake_paddle.url, api_key="pdl_sdbx_apikey_not_ours")

    with pytest.raises(ProviderError) as raised:
        paddle.create_checkout(purchase(email=new_email()))

    assert raised.value.retryable is False
    assert raised.value.status == 403
    assert raised.value.message == (
        "Payments are unavailable: the payment provider refused our API key."
    )


@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_busy_or_failing_paddle_is_worth_retrying(
    status: int, paddle: PaddleProvider, fake_paddle: FakePaddle
) -> None:
    fake_paddle.fail_next(status, retry_after=7)

    with pytest.raises(ProviderError) as raised:
        paddle.create_checkout(purchase(email=new_email()))

    assert raised.value.retryable is True
    assert raised.value.status == status
    assert "try again" in raised.value.message


def test_failure_after_the_customer_was_created_is_worth_retrying_and_reuses_it(
    paddle: PaddleProvider, fake_paddle: FakePaddle
) -> None:
    request = purchase(email=new_email())
    fake_paddle.fail_next(500, path="/transactions")

    with pytest.raises(ProviderError) as raised:
        paddle.create_checkout(request)
    retried = paddle.create_checkout(request)

    assert raised.value.retryable is True
    created, _, conflict, _ = fake_paddle.requests()
    assert (created.status, conflict.status) == (201, 409)
    assert retried.url.startswith(CHECKOUT_URL_BASE)


def test_price_not_on_sale_is_refused_naming_the_price_without_paddles_words(
    paddle: PaddleProvider,
) -> None:
    with pytest.raises(PaddleApiError) as raised:
        paddle.create_checkout(purchase(email=new_email(), price_id=PRICE_NOT_ON_SALE))

    assert raised.value.retryable is False
    assert raised.value.status == 400
    assert raised.value.code == "transaction_price_not_found"
    assert raised.value.message == "This product's price is not on sale at the payment provider."
    assert PRICE_NOT_ON_SALE not in raised.value.message
    assert "provided" not in str(raised.value)


def test_price_id_paddle_rejects_as_invalid_is_refused_naming_the_price(
    paddle: PaddleProvider,
) -> None:
    with pytest.raises(PaddleApiError) as raised:
        paddle.create_checkout(purchase(email=new_email(), price_id="credit-pack"))

    assert raised.value.code == "invalid_field"
    assert raised.value.message == "This product's price is not valid at the payment provider."
    assert "validation" not in str(raised.value)


def test_missing_default_payment_link_is_reported_for_an_operator_to_fix(
    paddle: PaddleProvider, fake_paddle: FakePaddle
) -> None:
    fake_paddle.set_checkout_url_base(None)

    with pytest.raises(ProviderError) as raised:
        paddle.create_checkout(purchase(email=new_email()))

    assert raised.value.retryable is False
    assert "default payment link" in raised.value.message
    assert "Checkout settings" in raised.value.message


def test_paddle_slower_than_the_timeout_is_worth_retrying(fake_paddle: FakePaddle) -> None:
    paddle = provider_at(fake_paddle.url, timeout=0.3)
    fake_paddle.delay_next(5.0)

    with pytest.raises(ProviderError) as raised:
        paddle.create_checkout(purchase(email=new_email()))

    assert raised.value.retryable is True
    assert raised.value.status is None
    assert "in time" in raised.value.message


def test_unreachable_paddle_is_worth_retrying() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    paddle = provider_at(f"http://127.0.0.1:{closed_port}")

    with pytest.raises(ProviderError) as raised:
        paddle.create_checkout(purchase(email=new_email()))

    assert raised.value.retryable is True
    assert "could not be reached" in raised.value.message


def test_transaction_total_is_the_original_grand_total(
    paddle: PaddleProvider, fake_paddle: FakePaddle
) -> None:
    checkout = paddle.create_checkout(purchase(email=new_email()))

    with PaddleClient(FAKE_API_KEY, fake_paddle.url) as client:
        assert client.transaction_total(checkout.checkout_id) == 1999


def test_transaction_total_refuses_an_id_that_is_not_a_transaction(
    fake_paddle: FakePaddle,
) -> None:
    with (
        PaddleClient(FAKE_API_KEY, fake_paddle.url) as client,
        pytest.raises(ValueError, match="not a Paddle transaction id"),
    ):
        client.transaction_total("../customers")
