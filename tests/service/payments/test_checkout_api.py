"""Checkout through the API: Paddle's own checkout page, once per purchase attempt, and a
clear answer when it cannot be bought."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from pdf2audiobook.service.kit.db import session_scope
from pdf2audiobook.service.products.repository import ProductRepository
from tests.service.api.conftest import Api, QueueOnlyRunner, api_settings
from tests.service.auth.token_factory import rs256_token
from tests.service.credits.conftest import balance
from tests.service.payments.conftest import CHECKOUT_URL_BASE, WEBHOOK_SECRET
from tests.service.payments.fake_paddle.process import FakePaddle
from tests.service.payments.paid_app import paid_app

ROUTE = "/api/v1/payments/checkout"


@pytest.fixture
def shop(
    tmp_path: Path, signing_key: rsa.RSAPrivateKey, database_url: str, fake_paddle: FakePaddle
) -> Iterator[Api]:
    yield from paid_app(tmp_path / "data", signing_key, database_url, fake_paddle, [WEBHOOK_SECRET])


def _buy(api: Api, product: str, key: str | None = None) -> object:
    token = rs256_token(api.key, kid=None, sub=api.alice, email=f"{api.alice}@example.com")
    headers = {"Authorization": f"Bearer {token}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    return api.client.post(ROUTE, json={"product_id": product}, headers=headers)


def test_checkout_returns_paddles_page_for_the_buyer_and_grants_nothing_yet(
    shop: Api, fake_paddle: FakePaddle
) -> None:
    before = balance(shop, shop.alice)
    response = _buy(shop, "pack-1000")
    assert response.status_code == 200  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert body["provider"] == "paddle"
    assert body["checkout_url"] == f"{CHECKOUT_URL_BASE}?_ptxn={body['checkout_id']}"
    sent = [r for r in fake_paddle.requests() if r.path == "/transactions"]
    assert len(sent) == 1
    me = shop.client.get("/api/v1/auth/me", headers=shop.headers(shop.alice)).json()
    assert sent[0].body["custom_data"]["user_id"] == me["id"]
    assert balance(shop, shop.alice) == before  # credits come from the webhook only


def test_the_same_idempotency_key_gives_the_same_checkout_once(
    shop: Api, fake_paddle: FakePaddle
) -> None:
    first = _buy(shop, "pack-1000", key="buy-1").json()  # type: ignore[attr-defined]
    again = _buy(shop, "pack-1000", key="buy-1").json()  # type: ignore[attr-defined]
    assert first == again
    assert len([r for r in fake_paddle.requests() if r.path == "/transactions"]) == 1
    # The buyer's Paddle customer is remembered and reused by the next purchase.
    _buy(shop, "pro-monthly", key="buy-2")
    assert len([r for r in fake_paddle.requests() if r.path == "/customers"]) == 1


@pytest.mark.parametrize(
    ("product", "status", "words"),
    [("no-such-product", 404, "No such product"), ("free", 400, "free plan")],
)
def test_products_that_cannot_be_bought_are_refused_with_a_reason(
    shop: Api, product: str, status: int, words: str
) -> None:
    response = _buy(shop, product)
    assert response.status_code == status  # type: ignore[attr-defined]
    assert words in response.json()["detail"]  # type: ignore[attr-defined]


def test_a_product_without_a_paddle_price_is_not_on_sale(shop: Api) -> None:
    response = _buy(shop, "pack-5000")
    assert response.status_code == 400  # type: ignore[attr-defined]
    assert "not on sale" in response.json()["detail"]  # type: ignore[attr-defined]


def test_paddle_failing_is_a_503_that_names_no_paddle_detail(
    shop: Api, fake_paddle: FakePaddle
) -> None:
    fake_paddle.fail_next(500, count=5)
    response = _buy(shop, "pack-1000")
    assert response.status_code == 503  # type: ignore[attr-defined]
    detail = response.json()["detail"]  # type: ignore[attr-defined]
    assert "try again" in detail
    assert "paddle" not in detail.lower()


def test_without_an_api_key_checkout_is_503_not_configured(
    tmp_path: Path, signing_key: rsa.RSAPrivateKey, database_url: str
) -> None:
    from fastapi.testclient import TestClient

    from pdf2audiobook.service.app import create_app

    settings = api_settings(tmp_path / "data", signing_key, database_url=database_url)
    with TestClient(create_app(settings, runner=QueueOnlyRunner())) as client:
        api = Api(client, client.app, QueueOnlyRunner(), tmp_path, signing_key)  # type: ignore[arg-type]
        with session_scope(client.app.state.service.sessions) as session:  # type: ignore[attr-defined]
            assert ProductRepository(session).get("pack-1000") is not None
        response = _buy(api, "pack-1000")
        assert response.status_code == 503  # type: ignore[attr-defined]
        assert "not configured" in response.json()["detail"]  # type: ignore[attr-defined]
