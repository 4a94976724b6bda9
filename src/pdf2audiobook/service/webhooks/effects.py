"""What a payment event does to the service: credits granted or taken back, subscriptions
and customers recorded. Every effect is keyed so that applying an event twice, or two
events about the same payment, changes nothing the second time."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session

from pdf2audiobook.service.credits.ledger import CreditLedger, NewEntry
from pdf2audiobook.service.models import CreditKind, ProductKind, User
from pdf2audiobook.service.payments.provider import (
    IgnoredEvent,
    PaymentCompleted,
    PaymentEvent,
    PaymentRefunded,
    SubscriptionChanged,
)
from pdf2audiobook.service.payments.repository import PaymentRepository
from pdf2audiobook.service.products.repository import ProductRepository
from pdf2audiobook.service.webhooks.subscriptions import SubscriptionRepository

logger = logging.getLogger(__name__)


class NotYet(Exception):
    """The event depends on one not applied yet (a refund before its payment): the provider
    should deliver it again later."""


def apply_event(session: Session, provider: str, event: PaymentEvent, occurred_at: datetime) -> str:
    """Apply `event` and say what it did, for the inbox's record. Raises NotYet."""
    if isinstance(event, PaymentCompleted):
        return _payment_completed(session, provider, event)
    if isinstance(event, PaymentRefunded):
        return _payment_refunded(session, provider, event)
    if isinstance(event, SubscriptionChanged):
        return _subscription_changed(session, provider, event, occurred_at)
    assert isinstance(event, IgnoredEvent)
    return f"ignored: {event.reason}"


def payment_key(provider: str, transaction_id: str) -> str:
    return f"{provider}:payment:{transaction_id}"


def period_key(provider: str, subscription_id: str, period_start: datetime) -> str:
    return f"{provider}:subscription:{subscription_id}:{period_start.isoformat()}"


def _buyer(
    session: Session, provider: str, user_id: str | None, customer_id: str | None
) -> str | None:
    if user_id is not None and session.get(User, user_id) is not None:
        return user_id
    if customer_id is not None:
        return PaymentRepository(session).user_for_customer(provider, customer_id)
    return None


def _payment_completed(session: Session, provider: str, event: PaymentCompleted) -> str:
    user_id = _buyer(session, provider, event.user_id, event.customer_id)
    if user_id is None:
        logger.error("%s payment %s is for no known user", provider, event.transaction_id)
        return "not applied: the buyer is not a user here"
    if event.customer_id is not None:
        PaymentRepository(session).remember_customer(user_id, provider, event.customer_id)
    product = ProductRepository(session).by_price_id(provider, event.price_ids)
    if product is None:
        logger.error("%s payment %s bought no known product", provider, event.transaction_id)
        return f"not applied: no product sells {', '.join(event.price_ids) or 'nothing'}"
    ledger = CreditLedger(session)
    if product.kind is ProductKind.SUBSCRIPTION and event.subscription_id and event.period_start:
        # Keyed by the period, not the payment: one grant per billing period however many
        # payments (a retried renewal) or events report it.
        key = period_key(provider, event.subscription_id, event.period_start)
        kind = CreditKind.GRANT
        description = f"{product.name}: credits for the period from {event.period_start:%d %B %Y}"
    else:
        key = payment_key(provider, event.transaction_id)
        kind = CreditKind.PURCHASE if product.kind is ProductKind.PACK else CreditKind.GRANT
        description = f"Bought {product.name}"
    written = ledger.append(
        NewEntry(
            user_id=user_id,
            key=key,
            kind=kind,
            amount=product.credits,
            reference=event.transaction_id,
            description=description,
        )
    )
    return f"granted {product.credits} credits" if written else "already granted"


def _payment_refunded(session: Session, provider: str, event: PaymentRefunded) -> str:
    ledger = CreditLedger(session)
    entries = ledger.entries_with_reference(event.transaction_id)
    granted = [e for e in entries if e.kind in (CreditKind.PURCHASE, CreditKind.GRANT)]
    if not granted:
        raise NotYet(f"no credits recorded yet for {event.transaction_id}")
    credits = sum(entry.amount for entry in granted)
    taken = -sum(entry.amount for entry in entries if entry.kind is CreditKind.REFUND)
    share = event.refunded_minor / event.total_minor if event.total_minor > 0 else 1.0
    take = min(round(credits * min(share, 1.0)), credits - taken)
    written = ledger.append(
        NewEntry(
            user_id=granted[0].user_id,
            key=f"{provider}:refund:{event.refund_id}",
            kind=CreditKind.REFUND,
            amount=-max(take, 0),
            reference=event.transaction_id,
            description="Taken back: the payment was refunded",
        )
    )
    return f"took back {max(take, 0)} credits" if written else "already taken back"


def _subscription_changed(
    session: Session, provider: str, event: SubscriptionChanged, occurred_at: datetime
) -> str:
    subscriptions = SubscriptionRepository(session)
    known = subscriptions.get(provider, event.subscription_id)
    user_id = _buyer(session, provider, event.user_id, event.customer_id) or (
        known.user_id if known is not None else None
    )
    if user_id is None:
        logger.error("%s subscription %s is for no known user", provider, event.subscription_id)
        return "not applied: the subscriber is not a user here"
    if event.customer_id is not None:
        PaymentRepository(session).remember_customer(user_id, provider, event.customer_id)
    product = ProductRepository(session).by_price_id(provider, event.price_ids)
    changed = subscriptions.apply(
        provider, user_id, product.id if product else None, event, occurred_at
    )
    if not changed:
        return "ignored: a newer event already described this subscription"
    return f"subscription {event.status.value}"
