"""The webhook inbox: each verified delivery stored once per (provider, event id), and
claimed for handling by one transaction at a time. Flushes, never commits."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from pdf2audiobook.service.models import WebhookEvent, utc_now
from pdf2audiobook.service.payments.provider import VerifiedEvent


class Inbox:
    def __init__(self, session: Session, *, clock: Callable[[], datetime] = utc_now) -> None:
        self._session = session
        self._clock = clock

    def store(self, event: VerifiedEvent) -> int:
        """The inbox row's id for `event`, stored now unless an earlier delivery stored it."""
        dialect = postgresql if self._session.get_bind().dialect.name == "postgresql" else sqlite
        self._session.execute(
            dialect.insert(WebhookEvent)
            .values(
                provider=event.provider,
                event_id=event.event_id,
                event_type=event.event_type,
                occurred_at=event.occurred_at,
                payload=dict(event.payload),
                received_at=self._clock(),
            )
            .on_conflict_do_nothing(index_elements=["provider", "event_id"])
        )
        row_id = self._session.scalar(
            select(WebhookEvent.id).where(
                WebhookEvent.provider == event.provider, WebhookEvent.event_id == event.event_id
            )
        )
        assert row_id is not None  # stored just above or by an earlier delivery
        return row_id

    def claim(self, row_id: int) -> WebhookEvent | None:
        """The event, locked for this transaction, if it is not handled yet; else None.

        A write, so concurrent deliveries of one event queue here (PostgreSQL's row lock,
        SQLite's write lock); the next one in sees `handled_at` set and gets None.
        """
        claimed = self._session.execute(
            update(WebhookEvent)
            .where(WebhookEvent.id == row_id, WebhookEvent.handled_at.is_(None))
            .values(outcome=None)
            .returning(WebhookEvent.id)
        ).first()
        if claimed is None:
            return None
        return self._session.get(WebhookEvent, row_id)

    def mark_handled(self, event: WebhookEvent, outcome: str) -> None:
        event.handled_at = self._clock()
        event.outcome = outcome[:1000]
        self._session.flush()
