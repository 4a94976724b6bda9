"""Money: the credit ledger, the plans on sale, subscriptions, and payment webhooks.

Credits are whole numbers. A user's balance is the sum of their ledger's `amount`s and what
is held for running jobs the sum of its `held`s; no balance is stored anywhere else.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from pdf2audiobook.service.models.base import (
    Base,
    JsonObject,
    TimestampedMixin,
    new_id,
    string_enum,
    utc_now,
)


class CreditKind(StrEnum):
    GRANT = "grant"
    """Credits given: the free monthly allowance, a subscription's period."""
    PURCHASE = "purchase"
    """A credit pack paid for."""
    RESERVE = "reserve"
    """Held for a job when it is submitted."""
    CAPTURE = "capture"
    """The part of a hold the finished job used: spent."""
    RELEASE = "release"
    """The part of a hold given back (unused, failed, cancelled)."""
    REFUND = "refund"
    """Credits taken back because their payment was refunded."""
    ADJUSTMENT = "adjustment"
    """An administrator's correction, with a reason."""


class CreditEntry(Base):
    """One append-only line of a user's credit ledger.

    `amount` is the change to the credits the user can spend and `held` the change to the
    credits held for running jobs: a reserve moves credits from spendable to held, a capture
    spends held credits, a release moves them back. `key` is unique and names the fact the
    entry records (a job run's reserve, a payment, a subscription period), so writing it a
    second time, from a retry or a webhook delivered twice, does nothing.
    """

    __tablename__ = "credit_entries"
    __table_args__ = (Index("ix_credit_entries_user_id_id", "user_id", "id"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255), unique=True)
    kind: Mapped[CreditKind] = mapped_column(string_enum(CreditKind, "credit_kind"))
    amount: Mapped[int]
    held: Mapped[int] = mapped_column(default=0, server_default="0")
    job_id: Mapped[str | None] = mapped_column(String(36), index=True)
    """No foreign key: the ledger outlives the jobs it charged."""
    provider: Mapped[str | None] = mapped_column(String(64))
    """The voice a capture paid for, for usage totals."""
    characters: Mapped[int | None]
    """Characters a capture paid for."""
    reference: Mapped[str | None] = mapped_column(String(255), index=True)
    """The payment provider's transaction a purchase or grant came from, so a refund finds
    what to take back."""
    description: Mapped[str] = mapped_column(Text)
    """Shown in the user's history: why the credits moved."""
    actor_id: Mapped[str | None] = mapped_column(String(36))
    """The administrator behind an adjustment."""
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


class ProductKind(StrEnum):
    ALLOWANCE = "allowance"
    """Free credits every month: the balance is topped up to `credits`."""
    PACK = "pack"
    """Credits bought once."""
    SUBSCRIPTION = "subscription"
    """`credits` granted for every billing period paid."""


class Tier(StrEnum):
    FREE = "free"
    PRO = "pro"
    ENTERPRISE = "enterprise"


class Product(TimestampedMixin, Base):
    """Something on sale (or given away), as data: edited on the command line, no deploy."""

    __tablename__ = "products"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    """A readable slug, e.g. `pack-1000`."""
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    kind: Mapped[ProductKind] = mapped_column(string_enum(ProductKind, "product_kind"))
    tier: Mapped[Tier | None] = mapped_column(string_enum(Tier, "tier"))
    """The tier a subscription or allowance puts its holder in; None for a pack."""
    credits: Mapped[int]
    price_minor: Mapped[int] = mapped_column(default=0, server_default="0")
    """Price in the currency's minor unit (cents)."""
    currency: Mapped[str] = mapped_column(String(3), default="USD", server_default="USD")
    paddle_price_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    stripe_price_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(default=True, server_default="1")
    sort_order: Mapped[int] = mapped_column(default=0, server_default="0")


class VoiceRate(TimestampedMixin, Base):
    """What a provider's voice costs the user, in credits per million characters spoken."""

    __tablename__ = "voice_rates"

    provider: Mapped[str] = mapped_column(String(64), primary_key=True)
    credits_per_million: Mapped[int]


class PaymentCustomer(Base):
    """A user's id at a payment provider, so later purchases reuse it."""

    __tablename__ = "payment_customers"
    __table_args__ = (
        UniqueConstraint("user_id", "provider"),
        UniqueConstraint("provider", "customer_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    provider: Mapped[str] = mapped_column(String(32))
    customer_id: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


class Checkout(Base):
    """A purchase started at a provider. The same idempotency key gives the same checkout,
    so a double click or a retried request never opens two purchases."""

    __tablename__ = "checkouts"
    __table_args__ = (UniqueConstraint("user_id", "idempotency_key"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    provider: Mapped[str] = mapped_column(String(32))
    product_id: Mapped[str] = mapped_column(ForeignKey("products.id"))
    idempotency_key: Mapped[str] = mapped_column(String(255))
    external_id: Mapped[str | None] = mapped_column(String(255))
    url: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


class Subscription(TimestampedMixin, Base):
    """A subscription as its provider last described it. Events may arrive in any order;
    only one newer than `last_event_at` changes the row."""

    __tablename__ = "subscriptions"
    __table_args__ = (UniqueConstraint("provider", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(255))
    product_id: Mapped[str | None] = mapped_column(ForeignKey("products.id"))
    status: Mapped[str] = mapped_column(String(32))
    current_period_start: Mapped[datetime | None]
    current_period_end: Mapped[datetime | None]
    canceled_at: Mapped[datetime | None]
    last_event_at: Mapped[datetime]


class WebhookEvent(Base):
    """The inbox: every verified webhook delivery, stored once per (provider, event id) and
    applied once (`handled_at`)."""

    __tablename__ = "webhook_events"
    __table_args__ = (UniqueConstraint("provider", "event_id"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True
    )
    provider: Mapped[str] = mapped_column(String(32))
    event_id: Mapped[str] = mapped_column(String(255))
    event_type: Mapped[str] = mapped_column(String(100))
    occurred_at: Mapped[datetime]
    payload: Mapped[JsonObject] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(default=utc_now)
    handled_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(Text)
    """What handling did, for operators: e.g. "granted 1000 credits", "unknown user"."""
