"""The service's tables: users, their API tokens, conversion jobs and each job's chapter plan.

The Alembic migrations in `service/migrations/` are the schema; these classes must match them
(`alembic check` fails the build when they drift). Rows are read and written only through the
repositories in each domain package.

A job's PDF password is never stored, in clear or encrypted: it only unlocks a file we already
hold, so it travels with the request and is never written to a row.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    DateTime,
    Dialect,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from typing_extensions import override

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

JsonObject = dict[str, Any]


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return str(uuid.uuid4())


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every backend.

    PostgreSQL keeps the offset (`timestamptz`); SQLite keeps none, so values are normalised to
    UTC on the way in and marked UTC on the way out. Naive datetimes are refused rather than
    guessed at.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    @override
    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}; pass a timezone-aware UTC value")
        return value.astimezone(UTC)

    @override
    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UtcDateTime}  # noqa: RUF012 - SQLAlchemy's declared hook


class JobStatus(StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


class JobStage(StrEnum):
    """Which stage a PROCESSING job is in. Every runner delivers the same three: extracting
    (the PDF read into a plan), synthesising (each chapter its own message) and assembling
    (the chapter files joined into the book)."""

    EXTRACTING = "extracting"
    SYNTHESISING = "synthesising"
    ASSEMBLING = "assembling"


class ChapterStatus(StrEnum):
    PENDING = "pending"
    SYNTHESISING = "synthesising"
    DONE = "done"
    FAILED = "failed"


def _string_enum(enum_class: type[StrEnum], name: str) -> Enum:
    # A VARCHAR guarded by a CHECK constraint behaves the same on SQLite and PostgreSQL, and
    # autogenerate compares it stably; a native PostgreSQL enum would need hand-written
    # ALTER TYPE migrations. Adding a member still needs a migration that rewrites the CHECK.
    return Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


class TimestampedMixin:
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now, onupdate=utc_now)


class User(TimestampedMixin, Base):
    """Someone who signed in through the identity provider. Credits will be a ledger, not a
    column here."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    external_id: Mapped[str] = mapped_column(String(255), unique=True)
    """The identity provider's subject (`sub` claim)."""
    # Not unique: a person who deletes their identity-provider account and signs up again
    # keeps the address but gets a new subject.
    email: Mapped[str | None] = mapped_column(String(320))
    first_name: Mapped[str | None] = mapped_column(String(100))
    last_name: Mapped[str | None] = mapped_column(String(100))


class ApiToken(Base):
    """A personal access token. Only its SHA-256 digest is stored; the token itself is shown
    once, at creation."""

    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class Job(TimestampedMixin, Base):
    """One PDF's conversion: its options, progress, lease and result.

    `options` holds the conversion choices (provider, voice_type, voice, speed,
    include_summary, output_format, footnotes) and never a password. `lease_owner` and
    `lease_expires_at` belong to the runner currently converting the job; a job whose lease
    has expired may be claimed again.
    """

    __tablename__ = "jobs"
    __table_args__ = (
        # Also serves lookups by user_id alone, so user_id needs no index of its own.
        Index("ix_jobs_user_id_created_at", "user_id", "created_at"),
        UniqueConstraint("user_id", "idempotency_key"),
        CheckConstraint("progress >= 0 AND progress <= 100", name="progress_range"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[JobStatus] = mapped_column(
        _string_enum(JobStatus, "job_status"), default=JobStatus.PENDING, index=True
    )
    progress: Mapped[int] = mapped_column(default=0)
    options: Mapped[JsonObject] = mapped_column(JSON, default=dict)
    original_filename: Mapped[str] = mapped_column(Text)
    """As the client named it; for display only, never part of a storage key."""
    pdf_key: Mapped[str] = mapped_column(String(512))
    audio_key: Mapped[str | None] = mapped_column(String(512))
    audio_format: Mapped[str | None] = mapped_column(String(16))
    page_count: Mapped[int | None]
    character_count: Mapped[int | None]
    duration_seconds: Mapped[float | None] = mapped_column(Float)
    characters_sent: Mapped[int | None]
    """Characters sent to voice providers (cache hits included): what a cloud bills."""
    cost_usd: Mapped[float | None] = mapped_column(Float)
    notes: Mapped[str | None] = mapped_column(Text)
    """What the user should know about a finished job, e.g. a summary made without the LLM."""
    title: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(Text)
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(Text)
    """Shown to the user: written from a known error, never from an exception's text."""
    attempts: Mapped[int] = mapped_column(default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(255))
    lease_expires_at: Mapped[datetime | None]
    stage: Mapped[JobStage | None] = mapped_column(_string_enum(JobStage, "job_stage"))
    """Set while PROCESSING on Celery workers; the embedded runner leaves it empty."""
    enqueued_at: Mapped[datetime | None]
    """When a message for the job's current stage was last sent to the queue, so the
    reconciler can tell a job waiting in the queue from one whose message was lost."""
    idempotency_key: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utc_now, index=True)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class Chapter(Base):
    """One chapter of a job's plan, numbered from 1, with its synthesis checkpoint."""

    __tablename__ = "chapters"
    __table_args__ = (UniqueConstraint("job_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    number: Mapped[int]
    title: Mapped[str] = mapped_column(Text)
    start_page: Mapped[int]
    end_page: Mapped[int]
    word_count: Mapped[int]
    status: Mapped[ChapterStatus] = mapped_column(
        _string_enum(ChapterStatus, "chapter_status"), default=ChapterStatus.PENDING
    )
    audio_key: Mapped[str | None] = mapped_column(String(512))
    duration_seconds: Mapped[float | None] = mapped_column(Float)
    provider: Mapped[str | None] = mapped_column(String(64))
    """The provider whose voice read this chapter (a fallback may have taken over)."""
    voice: Mapped[str | None] = mapped_column(String(128))
    characters: Mapped[int] = mapped_column(default=0, server_default="0")
    """Characters of speech, to weigh the chapter in the job's progress and time limit."""
    progress: Mapped[int] = mapped_column(default=0, server_default="0")
    """Percent of this chapter's speech synthesised."""
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    lease_owner: Mapped[str | None] = mapped_column(String(255))
    lease_expires_at: Mapped[datetime | None]
    enqueued_at: Mapped[datetime | None]


class RemovedBlock(Base):
    """Text the extraction left out of the narration (headers, page numbers, tables...), so a
    user can see what was skipped and why."""

    __tablename__ = "removed_blocks"

    # A long book removes a header and a page number from every page, so this table grows
    # fastest; SQLite only auto-increments a plain INTEGER key, hence the variant.
    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True
    )
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    page: Mapped[int]
    reason: Mapped[str] = mapped_column(String(32))
    """A `pipeline.document.RemovalReason` value; unconstrained so the pipeline can add reasons."""
    text: Mapped[str] = mapped_column(Text)
