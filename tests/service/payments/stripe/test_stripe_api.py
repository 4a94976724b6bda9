"""Stripe through the API: hosted checkouts created once per purchase attempt, and signed
webhooks that grant, renew, take back and change subscriptions exactly once, whatever order
or how often they arrive."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Protocol

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient

from pdf2audiobook.service.app import create_app
from pdf2audiobook.service.kit.db import session_scope
from pdf2audiobook.service.payments.stripe.signature import sign
from pdf2audiobook.service.products.repository import ProductRepository
from tests.service.api.conftest import Api, QueueOnlyRunner, api_settings
from tests.service.credits.conftest import assert_ledger_consistent, balance, user_id
from tests.service.payments.fake_stripe.process import FakeStripe
from tests.service.payments.stripe import payloads as stripe
from tests.service.payments.stripe.conftest import (
    CHECKOUT_URL_BASE,
    CREDIT_PACK_CENTS,
    CREDIT_PACK_PRICE,
    FAKE_API_KEY,
    MONTHLY_CENTS,
    MONTHLY_PRICE,
    SUCCESS_URL,
    WEBHOOK_SECRET,
)

CHECKOUT = "/api/v1/payments/checkout"
WEBHOOK = "/api/v1/webhooks/stripe"
SESSIONS = "/v1/checkout/sessions"
PACK_CREDITS = 1000
MONTHLY_CREDITS = 1200
FAR_FUTURE = 4_070_908_800  # 2099-01-01: a period that has not ended whenever this runs


class Reply(Protocol):
    """What the tests read of the test client's responses (httpx's or httpx2's, whichever
    Starlette found)."""

    status_code: int

    def json(self) -> Any: ...


def stripe_app(
    data_dir: Path,
    key: rsa.RSAPrivateKey,
    database_url: str,
    fake: FakeStripe,
    *,
    secrets: list[str],
    success_url: str | None = SUCCESS_URL,
) -> Iterator[Api]:
    """The API selling the credit pack and the monthly plan through the fake Stripe, with
    the ledger checked once the test is done."""
    runner = QueueOnlyRunner()
    settings = api_settings(
        data_dir,
        key,
        database_url=database_url,
        payment_provider="stripe",
        stripe_api_key=FAKE_API_KEY,
        stripe_api_url=fake.url,
        stripe_webhook_secrets=secrets,
        checkout_success_url=success_url,
    )
    app = create_app(settings, runner=runner)
    with TestClient(app) as client:
        with session_scope(app.state.service.sessions) as session:
            products = ProductRepository(session)
            products.set_price_id("pack-1000", "stripe", CREDIT_PACK_PRICE)
            products.set_price_id("pro-monthly", "stripe", MONTHLY_PRICE)
        api = Api(client, app, runner, data_dir, key)
        yield api
        assert_ledger_consistent(api)
        with session_scope(app.state.service.sessions) as session:
            # Prices are unique: the PostgreSQL database is shared by the whole session.
            products = ProductRepository(session)
            products.set_price_id("pack-1000", "stripe", None)
            products.set_price_id("pro-monthly", "stripe", None)


@pytest.fixture
def shop(
    tmp_path: Path, signing_key: rsa.RSAPrivateKey, database_url: str, fake_stripe: FakeStripe
) -> Iterator[Api]:
    yield from stripe_app(
        tmp_path / "data", signing_key, database_url, fake_stripe, secrets=[WEBHOOK_SECRET]
    )


def _buy(api: Api, product: str, key: str | None = None) -> Reply:
    headers = api.headers(api.alice)
    if key is not None:
        headers["Idempotency-Key"] = key
    return api.client.post(CHECKOUT, json={"product_id": product}, headers=headers)


def _sessions_created(fake: FakeStripe) -> list[Any]:
    return [r.body for r in fake.requests() if r.method == "POST" and r.path == SESSIONS]


def _signed(raw: bytes, *, secret: str = WEBHOOK_SECRET, age: int = 0) -> dict[str, str]:
    return {"Stripe-Signature": sign(raw, secret, int(time.time()) - age)}


def _deliver(api: Api, payload: dict[str, Any]) -> Reply:
    raw = json.dumps(payload).encode()
    headers = {**_signed(raw), "Content-Type": "application/json"}
    return api.client.post(WEBHOOK, content=raw, headers=headers)


def _unique(prefix: str, buyer: str) -> str:
    # Ids are unique per buyer: the PostgreSQL database outlives one test.
    return f"{prefix}_{buyer.replace('-', '')[:24]}"


def _credits(api: Api) -> int:
    return balance(api, api.alice)[0]


def _tier(api: Api) -> str:
    return str(api.client.get("/api/v1/auth/me", headers=api.headers(api.alice)).json()["tier"])


def _pack_paid(buyer: str, session_id: str, *, event: str = "evt") -> dict[str, Any]:
    """`checkout.session.completed` for the pack session `session_id` our checkout made."""
    payload = stripe.pack_paid(
        id=session_id,
        client_reference_id=buyer,
        metadata={"user_id": buyer},
        customer=_unique("cus", buyer),
        payment_intent=_unique("pi", buyer),
    )
    payload["id"] = _unique(event, buyer)
    return payload


def _bought_pack_session(api: Api) -> str:
    response = _buy(api, "pack-1000")
    assert response.status_code == 200
    return str(response.json()["checkout_id"])


# Checkout


@pytest.mark.parametrize(
    ("product", "mode"), [("pack-1000", "payment"), ("pro-monthly", "subscription")]
)
def test_checkout_returns_stripes_hosted_page_in_the_mode_of_the_products_price(
    shop: Api, fake_stripe: FakeStripe, product: str, mode: str
) -> None:
    buyer = user_id(shop, shop.alice)
    before = _credits(shop)
    response = _buy(shop, product)
    assert response.status_code == 200
    body = response.json()
    assert body["provider"] == "stripe"
    assert body["checkout_id"].startswith("cs_test_")
    assert body["checkout_url"] == f"{CHECKOUT_URL_BASE}/c/pay/{body['checkout_id']}"
    [sent] = _sessions_created(fake_stripe)
    assert sent["mode"] == mode
    assert sent["client_reference_id"] == buyer
    assert sent["success_url"] == SUCCESS_URL
    if mode == "subscription":
        # The subscription's own events must name the buyer too.
        assert sent["subscription_data"]["metadata"]["user_id"] == buyer
    assert _credits(shop) == before  # credits come from the webhook only


def test_the_same_idempotency_key_gives_the_same_checkout_and_one_stripe_session(
    shop: Api, fake_stripe: FakeStripe
) -> None:
    first = _buy(shop, "pack-1000", key="buy-1")
    again = _buy(shop, "pack-1000", key="buy-1")
    assert (first.status_code, again.status_code) == (200, 200)
    assert first.json() == again.json()
    assert len(_sessions_created(fake_stripe)) == 1
    other = _buy(shop, "pack-1000", key="buy-2")
    assert other.json()["checkout_id"] != first.json()["checkout_id"]
    assert len(_sessions_created(fake_stripe)) == 2


def test_two_racing_checkouts_with_one_key_get_the_same_stripe_session(
    shop: Api, fake_stripe: FakeStripe
) -> None:
    user_id(shop, shop.alice)  # the buyer exists, so neither request waits on creating them
    # A slow Stripe: the second request arrives while the first is still at Stripe.
    fake_stripe.delay_next(0.5, path=SESSIONS)
    start = threading.Barrier(2)

    def buy(_: int) -> Reply:
        start.wait()
        return _buy(shop, "pack-1000", key="buy-1")

    with ThreadPoolExecutor(2) as pool:
        first, second = pool.map(buy, range(2))
    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json() == second.json()
    # Both reached Stripe under one Idempotency-Key, so Stripe made one session.
    posts = [r for r in fake_stripe.requests() if r.method == "POST" and r.path == SESSIONS]
    assert len({r.headers["idempotency-key"] for r in posts}) == 1
    assert _buy(shop, "pack-1000", key="buy-1").json() == first.json()


def test_without_a_success_url_stripe_checkout_is_not_configured(
    tmp_path: Path,
    signing_key: rsa.RSAPrivateKey,
    database_url: str,
    fake_stripe: FakeStripe,
) -> None:
    for api in stripe_app(
        tmp_path / "data",
        signing_key,
        database_url,
        fake_stripe,
        secrets=[WEBHOOK_SECRET],
        success_url=None,
    ):
        response = _buy(api, "pack-1000")
        # Without a page to come back to, Stripe cannot sell: not configured, not "later".
        assert response.status_code == 503
        assert response.json()["detail"] == "Payments are not configured on this server."
        assert fake_stripe.requests() == []


def test_stripes_own_error_text_never_reaches_the_buyer(shop: Api, fake_stripe: FakeStripe) -> None:
    leaked = "Invalid API Key provided: sk_test_****0000"
    fake_stripe.fail_next(401, path=SESSIONS, kind="invalid_request_error", message=leaked)
    response = _buy(shop, "pack-1000")
    assert response.status_code == 503
    assert response.json()["error"] == "ProviderRefused"
    detail = response.json()["detail"]
    assert "sk_test" not in detail
    assert "stripe" not in detail.lower()


# Paid credit packs


def test_a_paid_pack_session_grants_its_credits_once_when_delivered_ten_times_at_once(
    shop: Api, fake_stripe: FakeStripe
) -> None:
    buyer = user_id(shop, shop.alice)
    payload = _pack_paid(buyer, _bought_pack_session(shop))
    before = _credits(shop)
    start = threading.Barrier(10)

    def deliver(_: int) -> Reply:
        start.wait()
        return _deliver(shop, payload)

    with ThreadPoolExecutor(10) as pool:
        responses = list(pool.map(deliver, range(10)))
    assert [r.status_code for r in responses] == [200] * 10
    assert sorted(r.json()["status"] for r in responses) == ["duplicate"] * 9 + ["handled"]
    assert _credits(shop) == before + PACK_CREDITS
    # What was bought came from the session's line items at Stripe.
    lookups = {r.path for r in fake_stripe.requests() if r.path.endswith("/line_items")}
    assert lookups == {f"{SESSIONS}/{payload['data']['object']['id']}/line_items"}
    # Another event reporting the same payment grants nothing more.
    redelivered = _deliver(shop, _pack_paid(buyer, payload["data"]["object"]["id"], event="evt2"))
    assert redelivered.json() == {"status": "handled"}
    assert _credits(shop) == before + PACK_CREDITS


Forgery = Callable[[bytes], tuple[bytes, dict[str, str]]]


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(
            lambda raw: (
                raw.replace(b'"amount_total": 1999', b'"amount_total": 9999'),
                _signed(raw),
            ),
            id="amount-changed-after-signing",
        ),
        pytest.param(lambda raw: (raw + b" ", _signed(raw)), id="byte-appended-after-signing"),
        pytest.param(
            lambda raw: (raw, _signed(raw, secret="whsec_" + "x" * 32)), id="other-secret"
        ),
        pytest.param(lambda raw: (raw, _signed(raw, age=3600)), id="signed-an-hour-ago"),
        pytest.param(lambda raw: (raw, _signed(raw, age=-3600)), id="signed-an-hour-ahead"),
        pytest.param(lambda raw: (raw, {}), id="unsigned"),
    ],
)
def test_a_delivery_not_signed_as_sent_is_refused_and_grants_nothing(
    shop: Api, forge: Forgery
) -> None:
    buyer = user_id(shop, shop.alice)
    payload = _pack_paid(buyer, _bought_pack_session(shop))
    before = _credits(shop)
    body, signature = forge(json.dumps(payload).encode())
    headers = {**signature, "Content-Type": "application/json"}
    response = shop.client.post(WEBHOOK, content=body, headers=headers)
    assert response.status_code == 400
    assert response.json()["error"] == "InvalidWebhook"
    assert _credits(shop) == before
    # The same event, signed as Stripe sends it, is applied: only the signature was wrong.
    assert _deliver(shop, payload).json() == {"status": "handled"}
    assert _credits(shop) == before + PACK_CREDITS


def test_without_a_webhook_secret_the_stripe_route_does_not_exist(
    tmp_path: Path, signing_key: rsa.RSAPrivateKey, database_url: str, fake_stripe: FakeStripe
) -> None:
    for api in stripe_app(tmp_path / "data", signing_key, database_url, fake_stripe, secrets=[]):
        buyer = user_id(api, api.alice)
        payload = _pack_paid(buyer, _bought_pack_session(api))
        before = _credits(api)
        response = _deliver(api, payload)
        assert response.status_code == 404
        assert _credits(api) == before


# Subscription periods and states


def _invoice_paid(
    buyer: str, invoice: str, payment_intent: str, period_start: int, *, basil: bool
) -> dict[str, Any]:
    """`invoice.paid` for `invoice`, paid by `payment_intent`, for the buyer's monthly plan
    from `period_start`."""
    subscription = _unique("sub", buyer)
    metadata = {"user_id": buyer}
    line = stripe.invoice_line(basil=basil, amount=MONTHLY_CENTS)
    line["period"] = {"start": period_start, "end": period_start + 31 * 86_400}
    changes: dict[str, Any] = {"id": invoice, "customer": _unique("cus", buyer), "lines": [line]}
    if basil:
        changes["parent"] = {
            "type": "subscription_details",
            "subscription_details": {"metadata": metadata, "subscription": subscription},
        }
    else:
        changes.update(
            subscription=subscription,
            subscription_details={"metadata": metadata},
            payment_intent=payment_intent,
        )
    payload = stripe.invoice_paid(basil=basil, **changes)
    payload["id"] = _unique(f"evt_{invoice}", buyer)
    return payload


@pytest.mark.parametrize("basil", [True, False], ids=["api-2025-03-31", "api-2024-09-30"])
def test_two_invoices_for_one_subscription_period_grant_once_and_the_next_period_again(
    shop: Api, fake_stripe: FakeStripe, basil: bool
) -> None:
    buyer = user_id(shop, shop.alice)
    before = _credits(shop)
    paid = {}
    periods = {"mar": stripe.MARCH_2, "ret": stripe.MARCH_2, "apr": stripe.APRIL_2}
    for name, period_start in periods.items():
        invoice, payment_intent = _unique(f"in_{name}", buyer), _unique(f"pi_{name}", buyer)
        # Since 2025-03-31 an invoice's PaymentIntent is found through its payments.
        fake_stripe.add_invoice_payment(invoice, payment_intent, MONTHLY_CENTS)
        paid[name] = _invoice_paid(buyer, invoice, payment_intent, period_start, basil=basil)
    assert _deliver(shop, paid["mar"]).json() == {"status": "handled"}
    # A second invoice for the same period (a retried renewal) grants nothing more...
    assert _deliver(shop, paid["ret"]).json() == {"status": "handled"}
    assert _credits(shop) == before + MONTHLY_CREDITS
    # ...and the next period grants again.
    assert _deliver(shop, paid["apr"]).json() == {"status": "handled"}
    assert _credits(shop) == before + 2 * MONTHLY_CREDITS


def _subscription_changed(
    buyer: str, event_type: str, status: str, created: int, **changes: Any
) -> dict[str, Any]:
    """`event_type` for the buyer's monthly plan, `status` as of `created`, in a period
    that has not ended."""
    payload = stripe.subscription_event(
        event_type,
        id=_unique("sub", buyer),
        customer=_unique("cus", buyer),
        metadata={"user_id": buyer},
        status=status,
        **changes,
    )
    payload["id"] = _unique(f"evt_{event_type.rsplit('.', 1)[1]}", buyer)
    payload["created"] = created
    payload["data"]["object"]["items"]["data"][0]["current_period_end"] = FAR_FUTURE
    return payload


@pytest.mark.parametrize("newest_first", [False, True], ids=["in-order", "newest-first"])
@pytest.mark.parametrize(
    ("older", "newer", "tier"),
    [
        pytest.param(
            ("customer.subscription.created", "active", {}),
            ("customer.subscription.deleted", "canceled", {"ended_at": stripe.MARCH_2 + 900}),
            "free",
            id="created-then-deleted",
        ),
        pytest.param(
            ("customer.subscription.paused", "paused", {}),
            ("customer.subscription.resumed", "active", {}),
            "pro",
            id="paused-then-resumed",
        ),
    ],
)
def test_subscription_events_in_any_order_end_in_the_newest_state(
    shop: Api,
    older: tuple[str, str, dict[str, Any]],
    newer: tuple[str, str, dict[str, Any]],
    tier: str,
    newest_first: bool,
) -> None:
    buyer = user_id(shop, shop.alice)
    events = [
        _subscription_changed(buyer, older[0], older[1], stripe.EVENT_CREATED, **older[2]),
        _subscription_changed(buyer, newer[0], newer[1], stripe.EVENT_CREATED + 600, **newer[2]),
    ]
    for payload in reversed(events) if newest_first else events:
        assert _deliver(shop, payload).json() == {"status": "handled"}
    assert _tier(shop) == tier


# Refunds


def _charge_refunded(buyer: str, *, refunded: int, before: int, event: str) -> dict[str, Any]:
    payload = stripe.charge_refunded(
        refunded=refunded,
        before=before,
        id=_unique("ch", buyer),
        payment_intent=_unique("pi", buyer),
        customer=_unique("cus", buyer),
    )
    payload["id"] = _unique(event, buyer)
    return payload


def test_partial_refunds_take_back_their_shares_once_each(shop: Api) -> None:
    buyer = user_id(shop, shop.alice)
    session_id = _bought_pack_session(shop)
    before = _credits(shop)
    first = _charge_refunded(buyer, refunded=500, before=0, event="evtrefund1")
    # The refund arrives before the payment it refunds: Stripe is asked to send it again.
    assert _deliver(shop, first).status_code == 503
    assert _deliver(shop, _pack_paid(buyer, session_id)).json() == {"status": "handled"}
    assert _credits(shop) == before + PACK_CREDITS

    assert _deliver(shop, first).json() == {"status": "handled"}
    assert _deliver(shop, first).json() == {"status": "duplicate"}
    first_share = round(PACK_CREDITS * 500 / CREDIT_PACK_CENTS)
    assert _credits(shop) == before + PACK_CREDITS - first_share

    # Stripe's amounts are cumulative: the second refund is 15.00 - 5.00 = 10.00.
    second = _charge_refunded(buyer, refunded=1500, before=500, event="evtrefund2")
    assert _deliver(shop, second).json() == {"status": "handled"}
    # Another event reporting the same refund takes nothing more.
    again = _charge_refunded(buyer, refunded=1500, before=500, event="evtrefund2b")
    assert _deliver(shop, again).json() == {"status": "handled"}
    second_share = round(PACK_CREDITS * 1000 / CREDIT_PACK_CENTS)
    assert _credits(shop) == before + PACK_CREDITS - first_share - second_share

    # The rest refunded: none of the pack is left, and no more than it gave is taken.
    rest = _charge_refunded(buyer, refunded=CREDIT_PACK_CENTS, before=1500, event="evtrefund3")
    assert _deliver(shop, rest).json() == {"status": "handled"}
    assert _credits(shop) == before
