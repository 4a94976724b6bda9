"""Sending stage messages to Celery, each with time limits scaled by its work."""

from __future__ import annotations

from celery import Celery

from pdf2audiobook.service.jobs.runners.time_limits import (
    TimeLimits,
    assemble_limits,
    extract_limits,
    synthesise_limits,
)
from pdf2audiobook.service.kit.logging_setup import current_request_id
from pdf2audiobook.service.kit.settings import Settings
from pdf2audiobook.service.worker.config import (
    REQUEST_ID_HEADER,
    TASK_ASSEMBLE,
    TASK_EXTRACT,
    TASK_SYNTHESISE,
)


class CeleryEnqueuer:
    """The `Enqueuer` of `service.jobs.stages` for a Celery app. Raises kombu's errors when
    Redis cannot be reached; callers that must not fail log them (the reconciler resends)."""

    def __init__(self, app: Celery, settings: Settings) -> None:
        self._app = app
        self._settings = settings

    def extract(self, job_id: str, password: str | None) -> None:
        self._send(TASK_EXTRACT, [job_id, password], extract_limits(self._settings.max_pdf_pages))

    def synthesise(self, job_id: str, number: int, characters: int) -> None:
        self._send(TASK_SYNTHESISE, [job_id, number], synthesise_limits(characters))

    def assemble(self, job_id: str, page_count: int | None) -> None:
        pages = page_count if page_count is not None else self._settings.max_pdf_pages
        self._send(TASK_ASSEMBLE, [job_id], assemble_limits(pages))

    def _send(self, name: str, args: list[object], limits: TimeLimits) -> None:
        # The request (or stage) sending the message names itself in a header, not in
        # the task's arguments: a log correlation id, not part of the work.
        request_id = current_request_id()
        self._app.send_task(
            name,
            args=args,
            soft_time_limit=limits.soft,
            time_limit=limits.hard,
            headers={REQUEST_ID_HEADER: request_id} if request_id else None,
        )
