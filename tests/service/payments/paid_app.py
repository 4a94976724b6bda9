"""The API configured to sell through the fake Paddle and to take its signed webhooks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient

from pdf2audiobook.service.app import create_app
from pdf2audiobook.service.kit.db import session_scope
from pdf2audiobook.service.products.repository import ProductRepository
from tests.service.api.conftest import Api, QueueOnlyRunner, api_settings
from tests.service.credits.conftest import assert_ledger_consistent
from tests.service.payments.conftest import CREDIT_PACK_PRICE, FAKE_API_KEY, MONTHLY_PRICE
from tests.service.payments.fake_paddle.process import FakePaddle


def paid_app(
    data_dir: Path,
    key: rsa.RSAPrivateKey,
    database_url: str,
    fake: FakePaddle,
    secrets: list[str],
) -> Iterator[Api]:
    """The API with the credit pack and the monthly plan on sale at the fake Paddle, and the
    ledger checked once the test is done."""
    runner = QueueOnlyRunner()
    settings = api_settings(
        data_dir,
        key,
        database_url=database_url,
        paddle_webhook_secrets=secrets,
        paddle_api_key=FAKE_API_KEY,
        paddle_api_url=fake.url,
    )
    app = create_app(settings, runner=runner)
    with TestClient(app) as client:
        with session_scope(app.state.service.sessions) as session:
            products = ProductRepository(session)
            products.set_price_id("pack-1000", "paddle", CREDIT_PACK_PRICE)
            products.set_price_id("pro-monthly", "paddle", MONTHLY_PRICE)
        api = Api(client, app, runner, data_dir, key)
        yield api
        assert_ledger_consistent(api)
        with session_scope(app.state.service.sessions) as session:
            # Prices are unique: the PostgreSQL database is shared by the whole session.
            products = ProductRepository(session)
            products.set_price_id("pack-1000", "paddle", None)
            products.set_price_id("pro-monthly", "paddle", None)
