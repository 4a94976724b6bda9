"""Checkouts through Stripe's API, against the fake Stripe in its own process."""

from __future__ import annotations

import socket
import uuid

import pytest

from pdf2audiobook.service.payments.provider import CheckoutRequest, ProviderError
from pdf2audiobook.service.payments.stripe import StripeProvider
from pdf2audiobook.service.payments.stripe.client import API_VERSION, Price, StripeClient
from pdf2audiobook.service.payments.stripe.errors import StripeApiError
from tests.service.payments.fake_stripe.process import FakeStripe
from tests.service.payments.stripe.conftest import (
    CANCEL_URL,
    CHECKOUT_URL_BASE,
    CREDIT_PACK_PRICE,
    FAKE_API_KEY,
    MONTHLY_PRICE,
    RETIRED_PRICE,
    SUCCESS_URL,
    WEBHOOK_SECRET,
)

PRICE_NOT_ON_SALE = "This product's price is not on sale at the payment provider."


def purchase(
    *,
    email: str | None = None,
    customer_id: str | None = None,
    price_id: str = CREDIT_PACK_PRICE,
    user_id: str | None = None,
    key: str | None = None,
) -> CheckoutRequest:
    return CheckoutRequest(
        user_id=user_id or str(uuid.uuid4()),
        email=email,
        customer_id=customer_id,
        price_id=price_id,
        idempotency_key=key or f"purchase-{uuid.uuid4()}",
    )


def new_email() -> str:
    return f"reader-{uuid.uuid4().hex[:12]}@example.com"


def provider_at(
    url: str,
    *,
    api_key: str | None = FAKE_API_KEY,
    success_url: str | None = SUCCESS_URL,
    timeout: float = 2,
) -> StripeProvider:
    return StripeProvider(
        api_key, url, [WEBHOOK_SECRET], success_url, CANCEL_URL, timeout_seconds=timeout
    )


def test_credit_pack_checkout_creates_the_customer_then_a_payment_session(
    stripe_provider: StripeProvider, fake_stripe: FakeStripe
) -> None:
    request = purchase(email=new_email())

    checkout = stripe_provider.create_checkout(request)

    price, lookup, customer, session = fake_stripe.requests()
    assert (price.method, price.path, price.status) == (
        "GET",
        f"/v1/prices/{CREDIT_PACK_PRICE}",
        200,
    )
    assert (lookup.method, lookup.path, lookup.query) == (
        "GET",
        "/v1/customers",
        {"email": [request.email], "limit": ["1"]},
    )
    assert (customer.method, customer.path, customer.status) == ("POST", "/v1/customers", 200)
    assert customer.body == {"email": request.email, "metadata": {"user_id": request.user_id}}
    assert (session.method, session.path, session.status) == (
        "POST",
        "/v1/checkout/sessions",
        200,
    )
    assert session.body == {
        "mode": "payment",
        "line_items": [{"price": CREDIT_PACK_PRICE, "quantity": "1"}],
        "client_reference_id": request.user_id,
        "metadata": {"checkout_key": request.idempotency_key, "user_id": request.user_id},
        "customer": checkout.customer_id,
        "success_url": SUCCESS_URL,
        "cancel_url": CANCEL_URL,
    }
    assert checkout.checkout_id.startswith("cs_test_")
    assert checkout.url == f"{CHECKOUT_URL_BASE}/c/pay/{checkout.checkout_id}"
    assert checkout.customer_id is not None
    assert checkout.customer_id.startswith("cus_")


def test_monthly_plan_checkout_is_a_subscription_session_whose_subscription_names_the_user(
    stripe_provider: StripeProvider, fake_stripe: FakeStripe
) -> None:
    request = purchase(email=new_email(), price_id=MONTHLY_PRICE)

    checkout = stripe_provider.create_checkout(request)

    session = fake_stripe.requests()[-1]
    assert session.status == 200
    assert session.body["mode"] == "subscription"
    assert session.body["line_items"] == [{"price": MONTHLY_PRICE, "quantity": "1"}]
    assert session.body["subscription_data"] == {"metadata": {"user_id": request.user_id}}
    assert session.body["client_reference_id"] == request.user_id
    assert checkout.url.endswith(checkout.checkout_id)


def test_every_call_carries_the_secret_key_and_the_pinned_api_version(
    stripe_provider: StripeProvider, fake_stripe: FakeStripe
) -> None:
    stripe_provider.create_checkout(purchase(email=new_email()))

    for request in fake_stripe.requests():
        assert request.headers["authorization"] == f"Bearer {FAKE_API_KEY}"
        assert request.headers["stripe-version"] == API_VERSION


def test_every_post_is_form_encoded_with_its_own_idempotency_key_and_no_get_has_one(
    stripe_provider: StripeProvider, fake_stripe: FakeStripe
) -> None:
    request = purchase(email=new_email())

    stripe_provider.create_checkout(request)

    posts = [r for r in fake_stripe.requests() if r.method == "POST"]
    gets = [r for r in fake_stripe.requests() if r.method == "GET"]
    assert [r.headers["idempotency-key"] for r in posts] == [
        f"{request.user_id}:{request.idempotency_key}:customer",
        f"{request.user_id}:{request.idempotency_key}:session",
    ]
    assert all(r.headers["content-type"] == "application/x-www-form-urlencoded" for r in posts)
    assert not [r for r in gets if "idempotency-key" in r.headers]


def test_the_same_purchase_attempt_twice_creates_one_customer_and_one_session(
    stripe_provider: StripeProvider, fake_stripe: FakeStripe
) -> None:
    request = purchase(email=new_email())

    first = stripe_provider.create_checkout(request)
    second = stripe_provider.create_checkout(request)

    assert second == first
    posts = [(r.path, r.status) for r in fake_stripe.requests() if r.method == "POST"]
    assert posts == [
        ("/v1/customers", 200),
        ("/v1/checkout/sessions", 200),
        ("/v1/checkout/sessions", 200),
    ]


def test_another_purchase_by_the_same_buyer_reuses_the_customer_for_a_new_session(
    stripe_provider: StripeProvider, fake_stripe: FakeStripe
) -> None:
    email = new_email()

    first = stripe_provider.create_checkout(purchase(email=email))
    second = stripe_provider.create_checkout(purchase(email=email))

    assert second.customer_id == first.customer_id
    assert second.checkout_id != first.checkout_id
    assert [r.path for r in fake_stripe.requests() if r.method == "POST"].count(
        "/v1/customers"
    ) == 1


def test_two_users_sending_the_same_idempotency_key_get_their_own_sessions(
    stripe_provider: StripeProvider,
) -> None:
    first = stripe_provider.create_checkout(purchase(email=new_email(), key="checkout-1"))
    second = stripe_provider.create_checkout(purchase(email=new_email(), key="checkout-1"))

    assert second.checkout_id != first.checkout_id


def test_the_same_purchase_attempt_for_another_product_is_refused_for_good(
    stripe_provider: StripeProvider,
) -> None:
    request = purchase(email=new_email())
    stripe_provider.create_checkout(request)
    changed = purchase(
        email=request.email,
        user_id=request.user_id,
        key=request.idempotency_key,
        price_id=MONTHLY_PRICE,
    )

    with pytest.raises(StripeApiError) as raised:
        stripe_provider.create_checkout(changed)

    assert raised.value.retryable is False
    assert raised.value.kind == "idempotency_error"
    assert raised.value.message == (
        "This purchase attempt was already used for a different checkout. "
        "Please start the purchase again."
    )


def test_idempotency_keys_too_long_for_stripe_are_shortened_stably(
    stripe_provider: StripeProvider, fake_stripe: FakeStripe
) -> None:
    request = purchase(email=new_email(), key="k" * 300)

    first = stripe_provider.create_checkout(request)
    second = stripe_provider.create_checkout(request)

    keys = [r.headers["idempotency-key"] for r in fake_stripe.requests() if r.method == "POST"]
    assert all(len(key) <= 255 for key in keys)
    assert second == first


def test_checkout_for_a_known_customer_looks_up_no_customer(
    stripe_provider: StripeProvider, fake_stripe: FakeStripe
) -> None:
    with StripeClient(FAKE_API_KEY, fake_stripe.url) as client:
        customer_id = client.ensure_customer(new_email(), user_id="u-1", idempotency_key="c-1")

    checkout = stripe_provider.create_checkout(purchase(email=new_email(), customer_id=customer_id))

    paths = [r.path for r in fake_stripe.requests()]
    assert paths == [
        "/v1/customers",
        "/v1/customers",
        f"/v1/prices/{CREDIT_PACK_PRICE}",
        "/v1/checkout/sessions",
    ]
    assert fake_stripe.requests()[-1].body["customer"] == customer_id
    assert checkout.customer_id == customer_id


def test_checkout_without_email_leaves_the_buyer_to_stripes_page(
    stripe_provider: StripeProvider, fake_stripe: FakeStripe
) -> None:
    checkout = stripe_provider.create_checkout(purchase())

    _, session = fake_stripe.requests()
    assert "customer" not in session.body
    assert checkout.customer_id is None


def test_customer_stripe_no_longer_knows_is_reported_readably(
    stripe_provider: StripeProvider,
) -> None:
    with pytest.raises(StripeApiError) as raised:
        stripe_provider.create_checkout(purchase(customer_id="cus_Rdeleted000000"))

    assert raised.value.retryable is False
    assert raised.value.code == "resource_missing"
    assert raised.value.message == "The payment provider could not find this buyer's account."


def test_wrong_api_key_fails_for_good_with_a_readable_message(fake_stripe: FakeStripe) -> None:
    provider = provider_at(fake_stripe.url, api_key="sk_test_51NotOurs000000000000000000")

    with pytest.raises(ProviderError) as raised:
        provider.create_checkout(purchase(email=new_email()))

    assert raised.value.retryable is False
    assert raised.value.status == 401
    assert raised.value.message == (
        "Payments are unavailable: the payment provider refused our API key."
    )
    assert "sk_test" not in str(raised.value)


@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_busy_or_failing_stripe_is_worth_retrying(
    status: int, stripe_provider: StripeProvider, fake_stripe: FakeStripe
) -> None:
    fake_stripe.fail_next(status)

    with pytest.raises(ProviderError) as raised:
        stripe_provider.create_checkout(purchase(email=new_email()))

    assert raised.value.retryable is True
    assert raised.value.status == status
    assert "try again" in raised.value.message.lower()


def test_failure_after_the_customer_was_created_is_retried_reusing_that_customer(
    stripe_provider: StripeProvider, fake_stripe: FakeStripe
) -> None:
    request = purchase(email=new_email())
    fake_stripe.fail_next(503, path="/v1/checkout/sessions")

    with pytest.raises(ProviderError) as raised:
        stripe_provider.create_checkout(request)
    retried = stripe_provider.create_checkout(request)

    assert raised.value.retryable is True
    customer_posts = [r for r in fake_stripe.requests() if r.path == "/v1/customers"]
    assert [r.method for r in customer_posts] == ["GET", "POST", "GET"]
    assert retried.url.startswith(CHECKOUT_URL_BASE)


def test_a_500_stripe_kept_for_the_attempt_is_final_when_replayed(
    stripe_provider: StripeProvider, fake_stripe: FakeStripe
) -> None:
    request = purchase(email=new_email())
    fake_stripe.fail_next(500, path="/v1/checkout/sessions")

    with pytest.raises(ProviderError) as first:
        stripe_provider.create_checkout(request)
    with pytest.raises(ProviderError) as replayed:
        stripe_provider.create_checkout(request)

    assert first.value.retryable is True
    assert replayed.value.retryable is False
    assert replayed.value.status == 500
    assert "start the purchase again" in replayed.value.message


def test_stripe_saying_not_to_retry_is_believed(
    stripe_provider: StripeProvider, fake_stripe: FakeStripe
) -> None:
    fake_stripe.fail_next(503, should_retry=False)

    with pytest.raises(ProviderError) as raised:
        stripe_provider.create_checkout(purchase(email=new_email()))

    assert raised.value.retryable is False


def test_another_request_still_running_with_the_same_key_is_worth_retrying(
    stripe_provider: StripeProvider, fake_stripe: FakeStripe
) -> None:
    fake_stripe.fail_next(409, path="/v1/checkout/sessions", code="idempotency_key_in_use")

    with pytest.raises(ProviderError) as raised:
        stripe_provider.create_checkout(purchase(email=new_email()))

    assert raised.value.retryable is True
    assert "still working" in raised.value.message


def test_stripe_slower_than_the_timeout_is_worth_retrying(fake_stripe: FakeStripe) -> None:
    provider = provider_at(fake_stripe.url, timeout=0.3)
    fake_stripe.delay_next(5.0)

    with pytest.raises(ProviderError) as raised:
        provider.create_checkout(purchase(email=new_email()))

    assert raised.value.retryable is True
    assert raised.value.status is None
    assert "in time" in raised.value.message


def test_unreachable_stripe_is_worth_retrying() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    provider = provider_at(f"http://127.0.0.1:{closed_port}")

    with pytest.raises(ProviderError) as raised:
        provider.create_checkout(purchase(email=new_email()))

    assert raised.value.retryable is True
    assert "could not be reached" in raised.value.message


def test_unknown_price_is_refused_readably_before_anything_is_created(
    stripe_provider: StripeProvider, fake_stripe: FakeStripe
) -> None:
    with pytest.raises(StripeApiError) as raised:
        stripe_provider.create_checkout(purchase(email=new_email(), price_id="price_1Qunknown"))

    assert raised.value.retryable is False
    assert raised.value.code == "resource_missing"
    assert raised.value.message == PRICE_NOT_ON_SALE
    assert "No such price" not in str(raised.value)
    assert [r.method for r in fake_stripe.requests()] == ["GET"]


def test_unknown_price_in_a_session_names_its_line_item_and_reads_the_same(
    fake_stripe: FakeStripe,
) -> None:
    with (
        StripeClient(FAKE_API_KEY, fake_stripe.url) as client,
        pytest.raises(StripeApiError) as raised,
    ):
        client.create_checkout_session(
            price=Price("price_1Qunknown", active=True, recurring=False),
            user_id="u-1",
            customer_id=None,
            success_url=SUCCESS_URL,
            cancel_url=None,
            metadata={},
            idempotency_key="s-1",
        )

    assert (raised.value.status, raised.value.param) == (400, "line_items[0][price]")
    assert raised.value.message == PRICE_NOT_ON_SALE


def test_retired_price_is_refused_before_anything_is_created(
    stripe_provider: StripeProvider, fake_stripe: FakeStripe
) -> None:
    with pytest.raises(ProviderError) as raised:
        stripe_provider.create_checkout(purchase(email=new_email(), price_id=RETIRED_PRICE))

    assert raised.value.retryable is False
    assert raised.value.message == PRICE_NOT_ON_SALE
    assert [r.method for r in fake_stripe.requests()] == ["GET"]


def test_price_id_that_stripe_could_not_have_issued_is_refused_without_a_request(
    stripe_provider: StripeProvider, fake_stripe: FakeStripe
) -> None:
    with pytest.raises(ProviderError) as raised:
        stripe_provider.create_checkout(purchase(price_id="../customers"))

    assert raised.value.message == "This product's price is not valid at the payment provider."
    assert fake_stripe.requests() == []


def test_missing_success_url_is_reported_for_an_operator_to_fix(fake_stripe: FakeStripe) -> None:
    provider = provider_at(fake_stripe.url, success_url=None)

    with pytest.raises(ProviderError) as raised:
        provider.create_checkout(purchase(email=new_email()))

    assert raised.value.retryable is False
    assert "CHECKOUT_SUCCESS_URL" in raised.value.message
    assert fake_stripe.requests() == []


def test_session_line_items_name_the_prices_bought(
    stripe_provider: StripeProvider, fake_stripe: FakeStripe
) -> None:
    checkout = stripe_provider.create_checkout(purchase(email=new_email()))

    with StripeClient(FAKE_API_KEY, fake_stripe.url) as client:
        assert client.session_price_ids(checkout.checkout_id) == (CREDIT_PACK_PRICE,)


def test_invoice_payment_intent_is_the_one_that_paid_it(fake_stripe: FakeStripe) -> None:
    fake_stripe.add_invoice_payment("in_1Qpaid", "pi_3Qpaid", 999)

    with StripeClient(FAKE_API_KEY, fake_stripe.url) as client:
        assert client.invoice_payment_intent("in_1Qpaid") == "pi_3Qpaid"
        assert client.invoice_payment_intent("in_1Qunpaid") is None


def test_lookups_refuse_ids_that_are_not_stripe_ids(fake_stripe: FakeStripe) -> None:
    with StripeClient(FAKE_API_KEY, fake_stripe.url) as client:
        with pytest.raises(ValueError, match="not a Stripe object id"):
            client.session_price_ids("../customers")
        with pytest.raises(ValueError, match="not a Stripe object id"):
            client.invoice_payment_intent("in_1&limit=1")
