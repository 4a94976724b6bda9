"""The Paddle tests' fake Paddle: one process per test session, started when a test first
asks for it, and reset before every test that uses it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pdf2audiobook.service.payments.paddle import PaddleProvider
from tests.service.payments.fake_paddle.process import FakePaddle, running_fake_paddle


def paddle_id(prefix: str, name: str) -> str:
    """A Paddle-shaped id (prefix and 26 lowercase letters and digits) that reads as `name`."""
    return f"{prefix}_{name.ljust(26, '0')}"


FAKE_API_KEY = "pdl_sdbx_apikey_" + "0" * 26 + "_fakepaddlekey"
WEBHOOK_SECRET = "pdl_ntfset_01hzwebhooksecret_" + "k" * 32
CREDIT_PACK_PRICE = paddle_id("pri", "01hzcreditpack")
MONTHLY_PRICE = paddle_id("pri", "01hzmonthly")
PRICE_NOT_ON_SALE = paddle_id("pri", "01hzwithdrawn")
CREDIT_PACK_CENTS = "1999"
CHECKOUT_URL_BASE = "https://pdf2audiobook.test/pay"


@pytest.fixture(scope="session")
def fake_paddle_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakePaddle]:
    """The fake Paddle process for the whole session: both prices on sale, and a default
    payment link set."""
    log_path = tmp_path_factory.mktemp("fake-paddle") / "server.log"
    with running_fake_paddle(
        api_key=FAKE_API_KEY,
        prices={CREDIT_PACK_PRICE: CREDIT_PACK_CENTS, MONTHLY_PRICE: "999"},
        checkout_url_base=CHECKOUT_URL_BASE,
        log_path=log_path,
    ) as fake:
        yield fake


@pytest.fixture
def fake_paddle(fake_paddle_server: FakePaddle) -> FakePaddle:
    """The session's fake Paddle with no customers, transactions, requests or faults yet."""
    fake_paddle_server.reset()
    return fake_paddle_server


@pytest.fixture
def paddle(fake_paddle: FakePaddle) -> PaddleProvider:
    """A PaddleProvider speaking to the fake Paddle, with a short timeout."""
    return PaddleProvider(
        api_key=FAKE_API_KEY,
        api_url=fake_paddle.url,
        webhook_secrets=[WEBHOOK_SECRET],
        timeout_seconds=2,
    )
