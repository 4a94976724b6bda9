"""Which tier a user is in: their live subscription's, else free."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from pdf2audiobook.service.models import Product, Subscription, Tier

LIVE_STATUSES = ("active", "trialing", "past_due")
"""A past-due subscription keeps its tier while the provider retries the payment."""


def live_subscription(session: Session, user_id: str, now: datetime) -> Subscription | None:
    statement = (
        select(Subscription)
        .where(
            Subscription.user_id == user_id,
            Subscription.status.in_(LIVE_STATUSES),
            or_(Subscription.current_period_end.is_(None), Subscription.current_period_end > now),
        )
        .order_by(Subscription.current_period_end.desc())
    )
    return session.scalars(statement).first()


def current_tier(session: Session, user_id: str, now: datetime) -> Tier:
    subscription = live_subscription(session, user_id, now)
    if subscription is None or subscription.product_id is None:
        return Tier.FREE
    product = session.get(Product, subscription.product_id)
    return product.tier if product is not None and product.tier is not None else Tier.FREE
