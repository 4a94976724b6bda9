"""Credits ledger, products and voice rates, subscriptions, checkouts and the webhook inbox.

Seeds the default plans (a free monthly allowance, two credit packs, pro and enterprise
subscriptions) and what each voice costs in credits; both are data, edited with
`pdf2audiobook products` and `pdf2audiobook rates`, never by a new migration.

Revision ID: 2e3b44502aef
Revises: 1f828575d920
Create Date: 2026-12-06 21:26:34.403899+00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "2e3b44502aef"
down_revision: str | Sequence[str] | None = "1f828575d920"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# One credit is worth about one US cent. (id, name, description, kind, tier, credits,
# price in cents, sort order)
_PRODUCTS = [
    (
        "free",
        "Free",
        "Credits every month, topped up on the first of the month.",
        "allowance",
        "free",
        100,
        0,
        0,
    ),
    (
        "pack-1000",
        "1,000 credits",
        "Credits to use whenever you like; they do not expire.",
        "pack",
        None,
        1000,
        1000,
        10,
    ),
    (
        "pack-5000",
        "5,000 credits",
        "Credits to use whenever you like; they do not expire.",
        "pack",
        None,
        5000,
        4000,
        11,
    ),
    ("pro-monthly", "Pro", "1,200 credits every month.", "subscription", "pro", 1200, 999, 20),
    (
        "enterprise-monthly",
        "Enterprise",
        "7,000 credits every month.",
        "subscription",
        "enterprise",
        7000,
        4999,
        21,
    ),
]
# Credits per million characters spoken. The local voice costs little because it runs here;
# cloud voices pass their list price on.
_VOICE_RATES = {
    "local": 100,
    "openai-compatible": 100,
    "openai": 2000,
    "google": 2000,
    "polly": 2000,
    "azure": 2000,
    "elevenlabs": 40000,
    "tone": 0,
}


def upgrade() -> None:
    op.create_table(
        "products",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "allowance",
                "pack",
                "subscription",
                name="product_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "tier",
            sa.Enum(
                "free",
                "pro",
                "enterprise",
                name="tier",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("credits", sa.Integer(), nullable=False),
        sa.Column("price_minor", sa.Integer(), server_default="0", nullable=False),
        sa.Column("currency", sa.String(length=3), server_default="USD", nullable=False),
        sa.Column("paddle_price_id", sa.String(length=64), nullable=True),
        sa.Column("stripe_price_id", sa.String(length=64), nullable=True),
        sa.Column("active", sa.Boolean(), server_default="1", nullable=False),
        sa.Column("sort_order", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_products")),
        sa.UniqueConstraint("paddle_price_id", name=op.f("uq_products_paddle_price_id")),
        sa.UniqueConstraint("stripe_price_id", name=op.f("uq_products_stripe_price_id")),
    )
    op.create_table(
        "voice_rates",
        sa.Column("provider", sa.String(length=64), nullable=False),
        sa.Column("credits_per_million", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("provider", name=op.f("pk_voice_rates")),
    )
    op.create_table(
        "webhook_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("event_id", sa.String(length=255), nullable=False),
        sa.Column("event_type", sa.String(length=100), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_events")),
        sa.UniqueConstraint(
            "provider", "event_id", name=op.f("uq_webhook_events_provider_event_id")
        ),
    )
    op.create_table(
        "checkouts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("product_id", sa.String(length=64), nullable=False),
        sa.Column("idempotency_key", sa.String(length=255), nullable=False),
        sa.Column("external_id", sa.String(length=255), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_checkouts_product_id_products")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_checkouts_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkouts")),
        sa.UniqueConstraint(
            "user_id", "idempotency_key", name=op.f("uq_checkouts_user_id_idempotency_key")
        ),
    )
    op.create_table(
        "credit_entries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "grant",
                "purchase",
                "reserve",
                "capture",
                "release",
                "refund",
                "adjustment",
                name="credit_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("held", sa.Integer(), server_default="0", nullable=False),
        sa.Column("job_id", sa.String(length=36), nullable=True),
        sa.Column("provider", sa.String(length=64), nullable=True),
        sa.Column("characters", sa.Integer(), nullable=True),
        sa.Column("reference", sa.String(length=255), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("actor_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_credit_entries_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_entries")),
        sa.UniqueConstraint("key", name=op.f("uq_credit_entries_key")),
    )
    with op.batch_alter_table("credit_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_credit_entries_job_id"), ["job_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_credit_entries_reference"), ["reference"], unique=False
        )
        batch_op.create_index("ix_credit_entries_user_id_id", ["user_id", "id"], unique=False)

    op.create_table(
        "payment_customers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("customer_id", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_payment_customers_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_customers")),
        sa.UniqueConstraint(
            "provider", "customer_id", name=op.f("uq_payment_customers_provider_customer_id")
        ),
        sa.UniqueConstraint(
            "user_id", "provider", name=op.f("uq_payment_customers_user_id_provider")
        ),
    )
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("external_id", sa.String(length=255), nullable=False),
        sa.Column("product_id", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("current_period_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("current_period_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("canceled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_event_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_subscriptions_product_id_products")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_subscriptions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscriptions")),
        sa.UniqueConstraint(
            "provider", "external_id", name=op.f("uq_subscriptions_provider_external_id")
        ),
    )
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_subscriptions_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("billing_run", sa.Integer(), server_default="0", nullable=False)
        )

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "role",
                sa.Enum(
                    "user",
                    "admin",
                    name="user_role",
                    native_enum=False,
                    create_constraint=True,
                    length=32,
                ),
                server_default="user",
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column("ledger_version", sa.Integer(), server_default="0", nullable=False)
        )

    _seed()


def _seed() -> None:
    now = datetime.now(UTC)
    products = sa.table(
        "products",
        *(
            sa.column(name)
            for name in (
                "id",
                "name",
                "description",
                "kind",
                "tier",
                "credits",
                "price_minor",
                "sort_order",
                "currency",
                "active",
                "created_at",
                "updated_at",
            )
        ),
    )
    op.bulk_insert(
        products,
        [
            {
                "id": product_id,
                "name": name,
                "description": description,
                "kind": kind,
                "tier": tier,
                "credits": credits,
                "price_minor": price,
                "sort_order": order,
                "currency": "USD",
                "active": True,
                "created_at": now,
                "updated_at": now,
            }
            for product_id, name, description, kind, tier, credits, price, order in _PRODUCTS
        ],
    )
    rates = sa.table(
        "voice_rates",
        *(
            sa.column(name)
            for name in ("provider", "credits_per_million", "created_at", "updated_at")
        ),
    )
    op.bulk_insert(
        rates,
        [
            {
                "provider": provider,
                "credits_per_million": rate,
                "created_at": now,
                "updated_at": now,
            }
            for provider, rate in _VOICE_RATES.items()
        ],
    )


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        # The CHECK on role would outlive its column in SQLite's table copy.
        batch_op.drop_constraint(op.f("ck_users_user_role"), type_="check")
        batch_op.drop_column("ledger_version")
        batch_op.drop_column("role")

    with op.batch_alter_table("jobs", schema=None) as batch_op:
        batch_op.drop_column("billing_run")

    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subscriptions_user_id"))

    op.drop_table("subscriptions")
    op.drop_table("payment_customers")
    with op.batch_alter_table("credit_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_credit_entries_user_id_id")
        batch_op.drop_index(batch_op.f("ix_credit_entries_reference"))
        batch_op.drop_index(batch_op.f("ix_credit_entries_job_id"))

    op.drop_table("credit_entries")
    op.drop_table("checkouts")
    op.drop_table("webhook_events")
    op.drop_table("voice_rates")
    op.drop_table("products")
