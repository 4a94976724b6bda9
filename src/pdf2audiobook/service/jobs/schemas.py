from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from pdf2audiobook.service.models import ChapterStatus, JobStatus


class JobOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    status: JobStatus
    progress: int
    options: dict[str, object]
    original_filename: str
    audio_format: str | None
    page_count: int | None
    character_count: int | None
    duration_seconds: float | None
    characters_sent: int | None
    cost_usd: float | None
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


class ChapterOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    number: int
    title: str
    start_page: int
    end_page: int
    word_count: int
    status: ChapterStatus
    duration_seconds: float | None
    provider: str | None
    voice: str | None


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
