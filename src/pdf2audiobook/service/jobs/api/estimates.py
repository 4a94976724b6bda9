"""Pricing an upload before any job exists: read in the sandbox, through a small gate."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, UploadFile

from pdf2audiobook.pipeline.book_builder import FootnotePolicy
from pdf2audiobook.pipeline.errors import PipelineError
from pdf2audiobook.pipeline.estimate import estimate_book
from pdf2audiobook.pipeline.extract import extract_book
from pdf2audiobook.pipeline.reading.limits import ReadLimits
from pdf2audiobook.pipeline.reading.reader import ReadOptions
from pdf2audiobook.service.jobs.api.schemas import EstimateOut
from pdf2audiobook.service.jobs.api.uploads import spooled_book
from pdf2audiobook.service.kit.errors import BadRequest
from pdf2audiobook.service.kit.settings import Settings
from pdf2audiobook.service.kit.thread_gate import ThreadGate


async def estimate_gate(request: Request) -> ThreadGate:
    """The app's one gate for estimates, made on first use (an async dependency: the event
    loop makes it, so two first requests cannot make two)."""
    gate: ThreadGate | None = getattr(request.app.state, "estimate_gate", None)
    if gate is None:
        settings: Settings = request.app.state.service.settings
        gate = ThreadGate(settings.estimate_concurrency, settings.estimate_queue, "estimates")
        request.app.state.estimate_gate = gate
    return gate


EstimateGateDep = Annotated[ThreadGate, Depends(estimate_gate)]


def estimate_upload(
    upload: UploadFile,
    settings: Settings,
    password: str | None,
    footnotes: FootnotePolicy,
    reading_speed: float,
) -> list[EstimateOut]:
    """Characters, listening time and cost per provider of the uploaded book. Blocks for
    as long as the sandbox reads; raises UnsupportedMediaType for a file of no readable
    format and BadRequest with the reading's reason."""
    limits = ReadLimits(max_pages=settings.max_pdf_pages)
    read = ReadOptions(password=password, ocr=False, limits=limits)
    with spooled_book(upload, settings.max_upload_bytes, limits) as spooled:
        try:
            book = extract_book(spooled.path, read, footnotes)
        except PipelineError as error:
            raise BadRequest(error.public_message) from None
    return [EstimateOut.model_validate(row) for row in estimate_book(book, reading_speed)]
