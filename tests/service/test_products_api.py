"""`/api/v1/products`: the catalogue anyone may read, served from a cache (in memory or on
Redis) that an edit outlives until it expires, and which a Redis outage never breaks."""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pytest
import redis
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import delete

from pdf2audiobook.service.app import create_app
from pdf2audiobook.service.credits.pricing import VoiceRates
from pdf2audiobook.service.kit.cache import MemoryCache, RedisCache, TextCache
from pdf2audiobook.service.kit.db import session_scope
from pdf2audiobook.service.models import Product, ProductKind
from pdf2audiobook.service.products.repository import ProductRepository
from tests.service.api import conftest as api_fixtures
from tests.service.api.conftest import Api, QueueOnlyRunner, api_settings
from tests.service.auth.token_factory import FakeClock, new_rsa_key

# The API fixtures live beside the API tests; this module uses them from outside that folder.
api = api_fixtures.api


@pytest.fixture(scope="module")
def signing_key() -> rsa.RSAPrivateKey:
    """The key this module's identity provider signs tokens with."""
    return new_rsa_key()


REDIS_URL = os.environ.get("P2A_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
SEEDED_PRODUCTS = [
    # (id, kind, tier, credits, price in cents)
    ("free", "allowance", "free", 100, 0),
    ("pack-1000", "pack", None, 1000, 1000),
    ("pack-5000", "pack", None, 5000, 4000),
    ("pro-monthly", "subscription", "pro", 1200, 999),
    ("enterprise-monthly", "subscription", "enterprise", 7000, 4999),
]
SEEDED_RATES = {
    "local": 100,
    "openai-compatible": 100,
    "openai": 2000,
    "google": 2000,
    "polly": 2000,
    "azure": 2000,
    "elevenlabs": 40000,
    "tone": 0,
}
"""As the migration seeds them; other tests on the shared PostgreSQL database may change a
rate for a while."""
CACHE_SECONDS = 300.0


def _catalogue(client: TestClient) -> dict[str, Any]:
    response = client.get("/api/v1/products")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def _product_ids(client: TestClient) -> list[str]:
    return [product["id"] for product in _catalogue(client)["products"]]


def _product(client: TestClient, product_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(
        product for product in _catalogue(client)["products"] if product["id"] == product_id
    )
    return found


class Shop:
    """Edits to the products table, committed as the command line commits them."""

    def __init__(self, app: FastAPI) -> None:
        self._sessions = app.state.service.sessions
        self._added: list[str] = []

    def add_pack(self) -> str:
        # A product of its own: the PostgreSQL database is shared by the test session.
        product_id = f"test-pack-{uuid.uuid4().hex[:8]}"
        with session_scope(self._sessions) as session:
            ProductRepository(session).add(
                product_id=product_id,
                name="Test pack",
                kind=ProductKind.PACK,
                credits=300,
                price_minor=299,
                currency="usd",
                tier=None,
            )
        self._added.append(product_id)
        return product_id

    def remove_added(self) -> None:
        """Delete the products this shop added: the PostgreSQL database outlives the test."""
        with session_scope(self._sessions) as session:
            session.execute(delete(Product).where(Product.id.in_(self._added)))

    def set_active(self, product_id: str, active: bool) -> None:
        with session_scope(self._sessions) as session:
            ProductRepository(session).set_active(product_id, active)

    def set_price_id(self, product_id: str, provider: str, price_id: str | None) -> None:
        with session_scope(self._sessions) as session:
            ProductRepository(session).set_price_id(product_id, provider, price_id)


@dataclass
class Served:
    client: TestClient
    shop: Shop


@pytest.fixture
def shop(api: Api) -> Iterator[Shop]:
    shop = Shop(api.app)
    yield shop
    shop.remove_added()


AppFactory = Callable[..., AbstractContextManager[Served]]


@pytest.fixture
def app_with(tmp_path: Path, signing_key: rsa.RSAPrivateKey, database_url: str) -> AppFactory:
    """Builds the API on the test's database with some settings changed."""

    @contextmanager
    def build(**overrides: object) -> Iterator[Served]:
        data_dir = tmp_path / f"data-{uuid.uuid4().hex[:6]}"
        settings = api_settings(data_dir, signing_key, database_url=database_url, **overrides)
        app = create_app(settings, runner=QueueOnlyRunner())
        shop = Shop(app)
        with TestClient(app) as client:
            try:
                yield Served(client, shop)
            finally:
                shop.remove_added()

    return build


# --- The catalogue ---


def test_catalogue_lists_the_seeded_products_in_order_with_voice_rates(api: Api) -> None:
    response = api.client.get("/api/v1/products")

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == f"public, max-age={int(CACHE_SECONDS)}"
    seeded_ids = [seeded[0] for seeded in SEEDED_PRODUCTS]
    products = [item for item in response.json()["products"] if item["id"] in seeded_ids]
    assert [
        (item["id"], item["kind"], item["tier"], item["credits"], item["price_minor"])
        for item in products
    ] == SEEDED_PRODUCTS
    assert {item["currency"] for item in products} == {"USD"}
    rates = {
        rate["provider"]: rate["credits_per_million"] for rate in response.json()["voice_rates"]
    }
    with session_scope(api.app.state.service.sessions) as session:
        stored = {rate.provider: rate.credits_per_million for rate in VoiceRates(session).all()}
    assert rates == stored
    assert rates.keys() == SEEDED_RATES.keys()


def test_retired_product_disappears_at_once_without_a_cache(app_with: AppFactory) -> None:
    with app_with(products_cache_seconds=0) as served:
        client, shop = served.client, served.shop
        product_id = shop.add_pack()
        listed = _product_ids(client)

        shop.set_active(product_id, False)
        retired = _product_ids(client)
        shop.set_active(product_id, True)
        restored = _product_ids(client)
        cache_control = client.get("/api/v1/products").headers["Cache-Control"]

    assert product_id in listed
    assert product_id not in retired
    assert product_id in restored
    assert cache_control == "public, max-age=0"


def test_retired_product_is_served_from_the_cache_until_it_expires(api: Api, shop: Shop) -> None:
    clock = FakeClock()
    api.app.state.service.cache = MemoryCache(clock)
    product_id = shop.add_pack()
    assert product_id in _product_ids(api.client)

    shop.set_active(product_id, False)

    assert product_id in _product_ids(api.client)
    clock.advance(CACHE_SECONDS - 1)
    assert product_id in _product_ids(api.client)
    clock.advance(1)
    assert product_id not in _product_ids(api.client)


def test_purchasable_follows_the_price_id_at_the_configured_provider(
    app_with: AppFactory,
) -> None:
    price = uuid.uuid4().hex[:12]
    with (
        app_with(products_cache_seconds=0) as at_paddle_server,
        app_with(products_cache_seconds=0, payment_provider="stripe") as at_stripe_server,
    ):
        paddle, stripe = at_paddle_server.client, at_stripe_server.client
        shop = at_paddle_server.shop
        product_id = shop.add_pack()
        unlinked = (_product(paddle, product_id), _product(stripe, product_id))

        shop.set_price_id(product_id, "paddle", f"pri_{price}")
        at_paddle = (_product(paddle, product_id), _product(stripe, product_id))

        shop.set_price_id(product_id, "stripe", f"price_{price}")
        shop.set_price_id(product_id, "paddle", None)
        at_stripe = (_product(paddle, product_id), _product(stripe, product_id))

    assert [product["purchasable"] for product in unlinked] == [False, False]
    assert [product["purchasable"] for product in at_paddle] == [True, False]
    assert [product["purchasable"] for product in at_stripe] == [False, True]
    # Which provider's price it is stays the server's business.
    assert not {"paddle_price_id", "stripe_price_id"} & unlinked[0].keys()


# --- The cache on Redis ---


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix of the test's own on the machine's Redis; its keys are deleted after."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.ConnectionError as error:
        pytest.skip(f"Redis is not reachable at {REDIS_URL}: {error}")
    prefix = f"pdf2audiobook-test:{uuid.uuid4().hex}:"
    try:
        yield prefix
    finally:
        keys = list(client.scan_iter(match=f"{prefix}*"))
        if keys:
            client.delete(*keys)
        client.close()


def _closed_port_url() -> str:
    """A Redis URL on 127.0.0.1 where nothing listens, so connections are refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


def test_redis_cache_shares_values_between_processes_for_their_lifetime(
    redis_prefix: str,
) -> None:
    writer, reader = RedisCache(REDIS_URL, redis_prefix), RedisCache(REDIS_URL, redis_prefix)

    writer.set("catalogue", '{"products": []}', 30)

    assert reader.get("catalogue") == '{"products": []}'
    assert reader.get("something else") is None
    ttl = cast(int, redis.Redis.from_url(REDIS_URL).pttl(f"{redis_prefix}catalogue"))
    assert 0 < ttl <= 30_000


@pytest.mark.parametrize(
    "make_cache",
    [
        pytest.param(lambda _prefix: MemoryCache(FakeClock()), id="memory"),
        pytest.param(lambda prefix: RedisCache(REDIS_URL, prefix), id="redis"),
    ],
)
def test_value_kept_for_no_time_is_never_served(
    redis_prefix: str, make_cache: Callable[[str], TextCache]
) -> None:
    # PRODUCTS_CACHE_SECONDS=0 turns the cache off: not even a millisecond's reuse.
    cache = make_cache(redis_prefix)

    cache.set("catalogue", "{}", 0)

    assert cache.get("catalogue") is None


def test_redis_cache_on_a_closed_port_misses_without_raising(
    caplog: pytest.LogCaptureFixture,
) -> None:
    cache = RedisCache(_closed_port_url(), "pdf2audiobook-test:")

    with caplog.at_level(logging.WARNING, logger="pdf2audiobook.service.kit.cache"):
        cache.set("catalogue", "{}", 30)
        value = cache.get("catalogue")

    assert value is None
    assert [record.message.split(":")[0] for record in caplog.records] == [
        "cache write failed",
        "cache read failed, computing instead",
    ]


def test_catalogue_cached_on_redis_is_served_until_its_key_expires(
    api: Api, shop: Shop, redis_prefix: str
) -> None:
    api.app.state.service.cache = RedisCache(REDIS_URL, redis_prefix)
    store = redis.Redis.from_url(REDIS_URL)
    product_id = shop.add_pack()
    assert product_id in _product_ids(api.client)
    assert 0 < cast(int, store.pttl(f"{redis_prefix}products:v1")) <= CACHE_SECONDS * 1000

    shop.set_active(product_id, False)
    served_from_redis = _product_ids(api.client)
    store.delete(f"{redis_prefix}products:v1")  # what expiry does

    assert product_id in served_from_redis
    assert product_id not in _product_ids(api.client)


def test_catalogue_is_served_while_redis_is_down(api: Api, shop: Shop) -> None:
    api.app.state.service.cache = RedisCache(_closed_port_url())
    product_id = shop.add_pack()
    assert product_id in _product_ids(api.client)

    shop.set_active(product_id, False)

    assert product_id not in _product_ids(api.client)
