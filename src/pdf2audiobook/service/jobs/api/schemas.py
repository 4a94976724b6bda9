from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator

from pdf2audiobook.service.models import ChapterStatus, JobStage, JobStatus


class JobOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    status: JobStatus
    stage: JobStage | None
    progress: int
    options: dict[str, object]
    original_filename: str
    audio_format: str | None
    page_count: int | None
    character_count: int | None
    duration_seconds: float | None
    notes: str | None
    title: str | None
    author: str | None
    error_code: str | None
    error_message: str | None
    attempts: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class JobStatusOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    status: JobStatus
    progress: int
    error_message: str | None


class JobPage(BaseModel):
    items: list[JobOut]
    total: int
    limit: int
    offset: int


def _whole_when_done(progress: int, info: ValidationInfo) -> int:
    # A runner that records only finished chapters leaves their percentage at 0.
    return 100 if info.data.get("status") is ChapterStatus.DONE else progress


class ChapterOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    number: int
    title: str
    start_page: int
    end_page: int
    word_count: int
    status: ChapterStatus
    progress: int
    """Percent of the chapter's speech synthesised."""
    duration_seconds: float | None
    provider: str | None
    voice: str | None

    _progress_when_done = field_validator("progress")(_whole_when_done)


class RemovedBlockOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    page: int
    reason: str
    text: str


class DownloadLinkOut(BaseModel):
    url: str
    expires_at: datetime


class DeletedJobsOut(BaseModel):
    deleted: int


class EstimateOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    provider: str
    available: bool
    reason: str | None
    characters: int
    duration_seconds: float
    cost_usd: float


class ChapterProgressOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    number: int
    status: ChapterStatus
    progress: int

    _progress_when_done = field_validator("progress")(_whole_when_done)


class JobProgressEvent(BaseModel):
    """The data of a `progress` server-sent event."""

    status: JobStatus
    stage: JobStage | None
    progress: int
    chapters_done: int
    chapters_total: int
    chapters: list[ChapterProgressOut]
    eta_seconds: float | None
    """Until synthesis ends, at the speed measured while watching; None until measured."""
    elapsed_seconds: float | None
    """Since the job started, as of this event; None while it waits to start."""


class JobEndEvent(BaseModel):
    """The data of the `end` event that closes a stream once the job has finished."""

    status: JobStatus
    error_code: str | None
    error_message: str | None
