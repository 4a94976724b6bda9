"""Timing each delivery of a job stage, under the request id of the request that started
its job, and counting the audio and characters a finished chapter produced."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.orm import Session, sessionmaker

from pdf2audiobook.service.kit.db import session_scope
from pdf2audiobook.service.kit.logging_setup import request_context
from pdf2audiobook.service.metrics.instruments import instruments
from pdf2audiobook.service.metrics.repository import MetricsRepository, SpokenChapter

logger = logging.getLogger(__name__)
_T = TypeVar("_T")

SYNTHESISING = "synthesising"


def run_observed(
    sessions: sessionmaker[Session],
    stage: str,
    job_id: str,
    chapter: int,
    request_id: str | None,
    deliver: Callable[[], _T],
) -> _T:
    """Run `deliver` (one delivery of `stage`) with `request_id` on its log lines; record
    how long it took and whether it raised or asked to be retried (a non-None result).

    A chapter counts its audio seconds and characters when this delivery finished it, so
    a redelivery of a chapter already spoken counts nothing.
    """
    with request_context(request_id):
        before = _chapter(sessions, job_id, chapter) if stage == SYNTHESISING else None
        started = time.perf_counter()
        outcome = "error"
        try:
            result = deliver()
            outcome = "ok" if result is None else "retry"
            return result
        finally:
            seconds = time.perf_counter() - started
            instruments().stage_seconds.labels(stage=stage, outcome=outcome).observe(seconds)
            logger.info(
                "job %s: %s%s %s after %.1fs",
                job_id,
                stage,
                f" chapter {chapter}" if stage == SYNTHESISING else "",
                outcome,
                seconds,
                extra={"job_id": job_id, "stage": stage, "outcome": outcome},
            )
            if stage == SYNTHESISING and outcome == "ok" and not (before and before.done):
                _count_spoken(_chapter(sessions, job_id, chapter))


def _chapter(sessions: sessionmaker[Session], job_id: str, number: int) -> SpokenChapter | None:
    try:
        with session_scope(sessions) as session:
            return MetricsRepository(session).chapter(job_id, number)
    except Exception:
        # Metrics never stop a job; the stage's own queries report an outage.
        logger.warning("could not read chapter %d of job %s for metrics", number, job_id)
        return None


def _count_spoken(chapter: SpokenChapter | None) -> None:
    if chapter is None or not chapter.done:
        return
    provider = chapter.provider or "unknown"
    metrics = instruments()
    metrics.audio_seconds.labels(provider=provider).inc(chapter.duration_seconds)
    metrics.characters.labels(provider=provider).inc(chapter.characters)
