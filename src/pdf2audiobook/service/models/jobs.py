"""Conversion jobs, each job's chapter plan, and what extraction left out."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Float,
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
        string_enum(JobStatus, "job_status"), default=JobStatus.PENDING, index=True
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
    stage: Mapped[JobStage | None] = mapped_column(string_enum(JobStage, "job_stage"))
    """Set while PROCESSING on Celery workers; the embedded runner leaves it empty."""
    enqueued_at: Mapped[datetime | None]
    """When a message for the job's current stage was last sent to the queue, so the
    reconciler can tell a job waiting in the queue from one whose message was lost."""
    idempotency_key: Mapped[str | None] = mapped_column(String(255))
    pdf_password_sealed: Mapped[str | None] = mapped_column(Text)
    """The PDF's password sealed with SECRET_KEY (`kit.sealing`), kept until the job
    completes or the seal expires, so a retried or resumed job can open the file again."""
    billing_run: Mapped[int] = mapped_column(default=0, server_default="0")
    """Counts the job's runs that hold credits: the first submission is run 0 and each retry
    starts the next, so the ledger keys of one run never collide with another's."""
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
        string_enum(ChapterStatus, "chapter_status"), default=ChapterStatus.PENDING
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
