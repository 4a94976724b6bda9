"""The free monthly allowance: a free-tier balance is topped up once a month."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from pdf2audiobook.service.credits.ledger import CreditLedger, NewEntry
from pdf2audiobook.service.credits.tiers import current_tier
from pdf2audiobook.service.models import CreditKind, Product, ProductKind, Tier


def allowance_key(user_id: str, when: datetime) -> str:
    return f"allowance:{user_id}:{when:%Y-%m}"


def top_up_monthly_allowance(session: Session, user_id: str, now: datetime) -> None:
    """Bring a free-tier user's balance up to the free allowance, once per calendar month
    (UTC). A top-up, not an addition: unused free credits do not pile up. Subscribers get
    their plan's credits from their payments instead."""
    key = allowance_key(user_id, now)
    ledger = CreditLedger(session)
    if ledger.has(key) or current_tier(session, user_id, now) is not Tier.FREE:
        return
    allowance = session.scalars(
        select(Product)
        .where(
            Product.kind == ProductKind.ALLOWANCE,
            Product.tier == Tier.FREE,
            Product.active.is_(True),
        )
        .order_by(Product.sort_order)
    ).first()
    if allowance is None:
        return
    ledger.lock(user_id)
    available = ledger.balance(user_id).available
    ledger.append(
        NewEntry(
            user_id=user_id,
            key=key,
            kind=CreditKind.GRANT,
            # Zero still records that this month's top-up was done.
            amount=max(0, allowance.credits - available),
            reference=allowance.id,
            description=f"Free credits for {now:%B %Y}",
        )
    )
