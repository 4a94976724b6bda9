"""Reads and writes of checkouts and payment-provider customers. Flushes, never commits."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pdf2audiobook.service.models import Checkout, PaymentCustomer


class PaymentRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def customer_id(self, user_id: str, provider: str) -> str | None:
        return self._session.scalar(
            select(PaymentCustomer.customer_id).where(
                PaymentCustomer.user_id == user_id, PaymentCustomer.provider == provider
            )
        )

    def user_for_customer(self, provider: str, customer_id: str) -> str | None:
        return self._session.scalar(
            select(PaymentCustomer.user_id).where(
                PaymentCustomer.provider == provider, PaymentCustomer.customer_id == customer_id
            )
        )

    def remember_customer(self, user_id: str, provider: str, customer_id: str) -> None:
        """Store the user's id at the provider; the first one stored stays."""
        dialect = postgresql if self._session.get_bind().dialect.name == "postgresql" else sqlite
        self._session.execute(
            dialect.insert(PaymentCustomer)
            .values(user_id=user_id, provider=provider, customer_id=customer_id)
            .on_conflict_do_nothing()
        )

    def checkout(self, user_id: str, idempotency_key: str) -> Checkout | None:
        return self._session.scalars(
            select(Checkout).where(
                Checkout.user_id == user_id, Checkout.idempotency_key == idempotency_key
            )
        ).first()

    def add_checkout(self, checkout: Checkout) -> Checkout:
        """Store a started checkout; when a concurrent request with the same idempotency key
        stored one first, that one is returned instead."""
        try:
            with self._session.begin_nested():
                self._session.add(checkout)
        except IntegrityError:
            existing = self.checkout(checkout.user_id, checkout.idempotency_key)
            if existing is None:
                raise
            return existing
        return checkout
