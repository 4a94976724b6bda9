"""The Stripe tests' fake Stripe: one process per test session, started when a test first
asks for it, and reset before every test that uses it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pdf2audiobook.service.payments.stripe import StripeProvider
from tests.service.payments.fake_stripe.process import FakePrice, FakeStripe, running_fake_stripe

FAKE_API_KEY = "sk_test_51Pdf2AudiobookFakeStripeKey" + "0" * 24
WEBHOOK_SECRET = "whsec_" + "pdf2audiobookendpointsecret".ljust(32, "k")
CREDIT_PACK_PRICE = "price_1QcreditPack0000000000"
MONTHLY_PRICE = "price_1Qmonthly000000000000"
RETIRED_PRICE = "price_1Qretired000000000000"
CREDIT_PACK_CENTS = 1999
MONTHLY_CENTS = 999
CHECKOUT_URL_BASE = "https://checkout.stripe.test"
SUCCESS_URL = "https://pdf2audiobook.test/billing/done?session={CHECKOUT_SESSION_ID}"
CANCEL_URL = "https://pdf2audiobook.test/billing"

PRICES = {
    CREDIT_PACK_PRICE: FakePrice(CREDIT_PACK_CENTS),
    MONTHLY_PRICE: FakePrice(MONTHLY_CENTS, interval="month"),
    RETIRED_PRICE: FakePrice(500, active=False),
}


@pytest.fixture(scope="session")
def fake_stripe_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeStripe]:
    """The fake Stripe process for the whole session, with a credit pack, a monthly plan and
    a retired price on the account."""
    log_path = tmp_path_factory.mktemp("fake-stripe") / "server.log"
    with running_fake_stripe(
        api_key=FAKE_API_KEY,
        prices=PRICES,
        checkout_url_base=CHECKOUT_URL_BASE,
        log_path=log_path,
    ) as fake:
        yield fake


@pytest.fixture
def fake_stripe(fake_stripe_server: FakeStripe) -> FakeStripe:
    """The session's fake Stripe with no customers, sessions, keys, requests or faults yet."""
    fake_stripe_server.reset()
    return fake_stripe_server


@pytest.fixture
def stripe_provider(fake_stripe: FakeStripe) -> StripeProvider:
    """A StripeProvider speaking to the fake Stripe, with return URLs and a short timeout."""
    return StripeProvider(
        api_key=FAKE_API_KEY,
        api_url=fake_stripe.url,
        webhook_secrets=[WEBHOOK_SECRET],
        success_url=SUCCESS_URL,
        cancel_url=CANCEL_URL,
        timeout_seconds=2,
    )
