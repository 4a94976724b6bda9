"""Paddle's signed webhooks through the API: verified over the raw body, stored once,
applied once, whatever order or how often they arrive."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from pdf2audiobook.service.kit.db import session_scope
from pdf2audiobook.service.payments.paddle import PaddleProvider
from pdf2audiobook.service.payments.paddle.signature import sign
from pdf2audiobook.service.webhooks.effects import apply_event
from pdf2audiobook.service.webhooks.inbox import Inbox
from tests.service.api.conftest import Api
from tests.service.credits.conftest import balance, user_id
from tests.service.payments import paddle_payloads as paddle
from tests.service.payments.conftest import (
    WEBHOOK_SECRET,
)
from tests.service.payments.fake_paddle.process import FakePaddle
from tests.service.payments.paid_app import paid_app

ROUTE = "/api/v1/webhooks/paddle"
PACK_CREDITS = 1000
MONTHLY_CREDITS = 1200


@pytest.fixture
def hooks(
    tmp_path: Path, signing_key: rsa.RSAPrivateKey, database_url: str, fake_paddle: FakePaddle
) -> Iterator[Api]:
    yield from paid_app(tmp_path / "data", signing_key, database_url, fake_paddle, [WEBHOOK_SECRET])


def _deliver(
    api: Api,
    payload: dict[str, Any],
    *,
    secret: str = WEBHOOK_SECRET,
    at: int | None = None,
    body: bytes | None = None,
) -> Any:
    raw = json.dumps(payload).encode()
    signature = sign(raw, secret, at if at is not None else int(time.time()))
    return api.client.post(
        ROUTE,
        content=body if body is not None else raw,
        headers={"Paddle-Signature": signature, "Content-Type": "application/json"},
    )


def _unique(prefix: str, buyer: str) -> str:
    # Ids are unique per buyer: the PostgreSQL database outlives one test.
    return f"{prefix}_{buyer.replace('-', '')[:26]}"


def _pack_bought(buyer: str, *, event: str = "evt", transaction: str = "txn") -> Any:
    payload = paddle.completed_credit_pack(
        id=transaction if transaction.startswith("txn_") else _unique(transaction, buyer),
        custom_data={"user_id": buyer},
        customer_id=_unique("ctm", buyer),
    )
    payload["event_id"] = _unique(event, buyer)
    return payload


def _credits(api: Api) -> int:
    return balance(api, api.alice)[0]


def test_a_signed_purchase_grants_its_credits_once_however_often_it_is_delivered(
    hooks: Api,
) -> None:
    buyer = user_id(hooks, hooks.alice)
    before = _credits(hooks)
    first = _deliver(hooks, _pack_bought(buyer))
    assert first.status_code == 200
    assert first.json() == {"status": "handled"}
    assert _deliver(hooks, _pack_bought(buyer)).json() == {"status": "duplicate"}
    # A different event reporting the same payment grants nothing either.
    assert _deliver(hooks, _pack_bought(buyer, event="evtagain")).status_code == 200
    assert _credits(hooks) == before + PACK_CREDITS


def test_twenty_concurrent_deliveries_of_one_event_grant_once(hooks: Api) -> None:
    buyer = user_id(hooks, hooks.alice)
    before = _credits(hooks)
    start = threading.Barrier(20)

    def deliver(_: int) -> int:
        start.wait()
        return int(_deliver(hooks, _pack_bought(buyer)).status_code)

    with ThreadPoolExecutor(20) as pool:
        statuses = list(pool.map(deliver, range(20)))
    assert statuses == [200] * 20
    assert _credits(hooks) == before + PACK_CREDITS


def test_a_crash_after_the_effect_before_handled_grants_once_on_redelivery(
    hooks: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    buyer = user_id(hooks, hooks.alice)
    before = _credits(hooks)
    real_mark = Inbox.mark_handled

    def crash(*_: Any) -> None:
        raise RuntimeError("the process died here")

    monkeypatch.setattr(Inbox, "mark_handled", crash)
    with pytest.raises(RuntimeError):
        _deliver(hooks, _pack_bought(buyer))
    assert _credits(hooks) == before  # the effect rolled back with the crash
    monkeypatch.setattr(Inbox, "mark_handled", real_mark)
    assert _deliver(hooks, _pack_bought(buyer)).json() == {"status": "handled"}
    assert _credits(hooks) == before + PACK_CREDITS


def test_an_effect_committed_without_its_inbox_mark_is_not_applied_twice(hooks: Api) -> None:
    # Were the effect and the "handled" mark ever in two transactions, a crash between them
    # would leave the effect with its event unhandled; the ledger's key still stops a second
    # grant when the event is delivered again.
    buyer = user_id(hooks, hooks.alice)
    before = _credits(hooks)
    payload = _pack_bought(buyer)
    event = paddle.verified(payload)
    provider = PaddleProvider(None, "http://127.0.0.1:9", [WEBHOOK_SECRET])
    with session_scope(hooks.app.state.service.sessions) as session:
        apply_event(session, "paddle", provider.translate(event), event.occurred_at)
    assert _credits(hooks) == before + PACK_CREDITS
    assert _deliver(hooks, payload).json() == {"status": "handled"}
    assert _credits(hooks) == before + PACK_CREDITS


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda raw: raw.replace(b'"1999"', b'"9999"', 1), id="one-changed-amount"),
        pytest.param(lambda raw: raw + b" ", id="one-byte-appended"),
    ],
)
def test_a_tampered_body_is_refused_and_grants_nothing(hooks: Api, tamper: Any) -> None:
    buyer = user_id(hooks, hooks.alice)
    before = _credits(hooks)
    payload = _pack_bought(buyer)
    raw = json.dumps(payload).encode()
    response = _deliver(hooks, payload, body=tamper(raw))
    assert response.status_code == 400
    assert response.json()["error"] == "InvalidWebhook"
    assert _credits(hooks) == before


def test_a_wrong_secret_an_old_timestamp_and_a_missing_header_are_refused(hooks: Api) -> None:
    buyer = user_id(hooks, hooks.alice)
    before = _credits(hooks)
    payload = _pack_bought(buyer)
    assert _deliver(hooks, payload, secret="not-the-secret").status_code == 400
    assert _deliver(hooks, payload, at=int(time.time()) - 3600).status_code == 400
    unsigned = hooks.client.post(ROUTE, content=json.dumps(payload).encode())
    assert unsigned.status_code == 400
    assert _credits(hooks) == before


def test_during_rotation_both_secrets_verify(
    tmp_path: Path, signing_key: rsa.RSAPrivateKey, database_url: str, fake_paddle: FakePaddle
) -> None:
    secrets = ["pdl_ntfset_new_" + "n" * 32, WEBHOOK_SECRET]
    for api in paid_app(tmp_path / "data", signing_key, database_url, fake_paddle, secrets):
        buyer = user_id(api, api.alice)
        old = _deliver(api, _pack_bought(buyer, event="evt1", transaction="txn1"))
        new = _deliver(
            api, _pack_bought(buyer, event="evt2", transaction="txn2"), secret=secrets[0]
        )
        assert (old.status_code, new.status_code) == (200, 200)


def test_without_a_secret_the_route_does_not_exist(
    tmp_path: Path, signing_key: rsa.RSAPrivateKey, database_url: str, fake_paddle: FakePaddle
) -> None:
    for api in paid_app(tmp_path / "data", signing_key, database_url, fake_paddle, []):
        buyer = user_id(api, api.alice)
        before = _credits(api)
        response = _deliver(api, _pack_bought(buyer))
        assert response.status_code == 404
        assert _credits(api) == before


def test_subscription_events_out_of_order_end_in_the_newest_state(hooks: Api) -> None:
    buyer = user_id(hooks, hooks.alice)
    created = paddle.subscription(
        "subscription.created", id=_unique("sub", buyer), custom_data={"user_id": buyer}
    )
    created["event_id"] = _unique("evtsub1", buyer)
    created["occurred_at"] = "2026-02-02T10:15:30Z"
    canceled = paddle.subscription(
        "subscription.canceled",
        id=_unique("sub", buyer),
        status="canceled",
        canceled_at="2026-03-05T08:00:00Z",
        custom_data={"user_id": buyer},
    )
    canceled["event_id"], canceled["occurred_at"] = (
        _unique("evtsub2", buyer),
        "2026-03-05T08:00:01Z",
    )
    # The cancellation arrives first; the older creation must not bring the plan back.
    assert _deliver(hooks, canceled).status_code == 200
    assert _deliver(hooks, created).status_code == 200
    me = hooks.client.get("/api/v1/auth/me", headers=hooks.headers(hooks.alice)).json()
    assert me["tier"] == "free"


def test_a_live_subscription_puts_its_holder_in_its_tier(hooks: Api) -> None:
    buyer = user_id(hooks, hooks.alice)
    active = paddle.subscription(
        "subscription.activated",
        id=_unique("sub", buyer),
        custom_data={"user_id": buyer},
        current_billing_period={
            "starts_at": "2026-12-01T00:00:00Z",
            "ends_at": "2099-01-01T00:00:00Z",
        },
    )
    active["event_id"] = _unique("evtsub", buyer)
    assert _deliver(hooks, active).status_code == 200
    me = hooks.client.get("/api/v1/auth/me", headers=hooks.headers(hooks.alice)).json()
    assert me["tier"] == "pro"


def test_a_subscription_period_is_granted_once_whatever_pays_for_it(hooks: Api) -> None:
    buyer = user_id(hooks, hooks.alice)
    before = _credits(hooks)

    def renewal(event: str, transaction: str, starts: str) -> Any:
        payload = paddle.completed_renewal()
        payload["event_id"] = _unique(event, buyer)
        payload["data"]["id"] = _unique(transaction, buyer)
        payload["data"]["custom_data"] = {"user_id": buyer}
        payload["data"]["subscription_id"] = _unique("sub", buyer)
        payload["data"]["billing_period"]["starts_at"] = starts
        return payload

    march, april = "2026-03-02T10:15:20.517000Z", "2026-04-02T10:15:20.517000Z"
    assert _deliver(hooks, renewal("evtr1", "txnr1", march)).status_code == 200
    # A second payment for the same period (a retried renewal) grants nothing more...
    assert _deliver(hooks, renewal("evtr2", "txnr2", march)).status_code == 200
    assert _credits(hooks) == before + MONTHLY_CREDITS
    # ...and the next period grants again.
    assert _deliver(hooks, renewal("evtr3", "txnr3", april)).status_code == 200
    assert _credits(hooks) == before + 2 * MONTHLY_CREDITS


def test_a_refund_takes_back_its_share_once_and_waits_for_its_payment(hooks: Api) -> None:
    buyer = user_id(hooks, hooks.alice)
    before = _credits(hooks)
    checkout = hooks.client.post(
        "/api/v1/payments/checkout",
        json={"product_id": "pack-1000"},
        headers=hooks.headers(hooks.alice),
    )
    assert checkout.status_code == 200
    transaction = checkout.json()["checkout_id"]
    refund = paddle.refund(total="500")
    refund["event_id"] = _unique("evtrefund", buyer)
    refund["data"]["id"] = _unique("adj", buyer)
    refund["data"]["transaction_id"] = transaction
    # The refund arrives before the payment it refunds: Paddle is asked to send it again.
    early = _deliver(hooks, refund)
    assert early.status_code == 503
    assert _deliver(hooks, _pack_bought(buyer, transaction=transaction)).status_code == 200
    assert _deliver(hooks, refund).json() == {"status": "handled"}
    assert _deliver(hooks, refund).json() == {"status": "duplicate"}
    # 5.00 of the pack's 19.99 refunded: that share of its credits goes back.
    assert _credits(hooks) == before + PACK_CREDITS - round(PACK_CREDITS * 500 / 1999)


def test_a_payment_for_no_known_user_is_kept_and_grants_nothing(hooks: Api) -> None:
    nobody = str(uuid.uuid4())
    response = _deliver(hooks, _pack_bought(nobody))
    assert response.json() == {"status": "handled"}
    with session_scope(hooks.app.state.service.sessions) as session:
        from sqlalchemy import select

        from pdf2audiobook.service.models import WebhookEvent

        stored = session.scalars(
            select(WebhookEvent).where(WebhookEvent.event_id == _unique("evt", nobody))
        )
        outcomes = [event.outcome for event in stored]
    assert any("not a user here" in (outcome or "") for outcome in outcomes)
