"""The service's tables, all in this package: users and their tokens, conversion jobs with
their chapter plans, and the money side (credit ledger, products, subscriptions, webhooks).

The Alembic migrations in `service/migrations/` are the schema; these classes must match them
(`alembic check` fails the build when they drift). Rows are read and written only through the
repositories in each domain package.

A job's PDF password is never stored in clear: it is sealed with SECRET_KEY, kept only until
the job completes or the seal expires, and never travels in a queue message.
"""

from pdf2audiobook.service.models.base import (
    NAMING_CONVENTION,
    Base,
    JsonObject,
    TimestampedMixin,
    UtcDateTime,
    new_id,
    utc_now,
)
from pdf2audiobook.service.models.billing import (
    Checkout,
    CreditEntry,
    CreditKind,
    PaymentCustomer,
    Product,
    ProductKind,
    Subscription,
    Tier,
    VoiceRate,
    WebhookEvent,
)
from pdf2audiobook.service.models.jobs import (
    Chapter,
    ChapterStatus,
    Job,
    JobStage,
    JobStatus,
    RemovedBlock,
)
from pdf2audiobook.service.models.users import ApiToken, User, UserRole

__all__ = [
    "NAMING_CONVENTION",
    "ApiToken",
    "Base",
    "Chapter",
    "ChapterStatus",
    "Checkout",
    "CreditEntry",
    "CreditKind",
    "Job",
    "JobStage",
    "JobStatus",
    "JsonObject",
    "PaymentCustomer",
    "Product",
    "ProductKind",
    "RemovedBlock",
    "Subscription",
    "Tier",
    "TimestampedMixin",
    "User",
    "UserRole",
    "UtcDateTime",
    "VoiceRate",
    "WebhookEvent",
    "new_id",
    "utc_now",
]
