"""Reads and writes of `Subscription` rows, newest event wins. Flushes, never commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from pdf2audiobook.service.models import Subscription, utc_now
from pdf2audiobook.service.payments.provider import SubscriptionChanged


class SubscriptionRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, provider: str, external_id: str) -> Subscription | None:
        return self._session.scalars(
            select(Subscription).where(
                Subscription.provider == provider, Subscription.external_id == external_id
            )
        ).first()

    def apply(
        self,
        provider: str,
        user_id: str,
        product_id: str | None,
        change: SubscriptionChanged,
        occurred_at: datetime,
    ) -> bool:
        """Record the subscription as `change` describes it, unless a newer event already
        has: events may arrive in any order, and each carries the whole subscription.
        True when the row changed. A compare-and-set on `last_event_at`, so two events
        applied at once cannot leave the older one's state behind."""
        values = {
            "user_id": user_id,
            "product_id": product_id,
            "status": change.status.value,
            "current_period_start": change.period_start,
            "current_period_end": change.period_end,
            "canceled_at": change.canceled_at,
            "last_event_at": occurred_at,
        }
        dialect = postgresql if self._session.get_bind().dialect.name == "postgresql" else sqlite
        now = utc_now()
        inserted = self._session.execute(
            dialect.insert(Subscription)
            .values(
                provider=provider,
                external_id=change.subscription_id,
                created_at=now,
                updated_at=now,
                **values,
            )
            .on_conflict_do_nothing(index_elements=["provider", "external_id"])
            .returning(Subscription.id)
        ).first()
        if inserted is not None:
            return True
        updated = self._session.execute(
            update(Subscription)
            .where(
                Subscription.provider == provider,
                Subscription.external_id == change.subscription_id,
                Subscription.last_event_at <= occurred_at,
            )
            .values(updated_at=now, **values)
            .returning(Subscription.id)
            .execution_options(synchronize_session=False)
        ).first()
        return updated is not None
