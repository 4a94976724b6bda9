"""How long a stage may run before its runner stops it, scaled by the work it was given.

On Celery the soft limit raises inside the task, which fails the job with a plain
message, and the hard limit, a minute later, kills the worker process if the soft one was
not enough; every hard limit stays below the broker's visibility timeout, since a message
whose task outlives it would be delivered to a second worker while the first still runs.
The embedded runner ends the process at the hard limit and fails the job the same way.
"""

from __future__ import annotations

from dataclasses import dataclass

from pdf2audiobook.service.jobs.runners.messages import StageMessage
from pdf2audiobook.service.models import JobStage

MAX_TASK_SECONDS = 4 * 3600
HARD_LIMIT_MARGIN_SECONDS = 60
VISIBILITY_TIMEOUT_SECONDS = MAX_TASK_SECONDS + HARD_LIMIT_MARGIN_SECONDS + 3600

_READ_BASE_SECONDS = 120
_READ_SECONDS_PER_PAGE = 4
"""Scanned pages take Tesseract about 3 s each here; text pages far less."""
_CHAPTER_BASE_SECONDS = 300
_CHAPTER_CHARACTERS_PER_SECOND = 20
"""A slow cloud voice under retries; the local voice speaks about 1,000 characters a second."""
_ASSEMBLE_BASE_SECONDS = 300
_ASSEMBLE_SECONDS_PER_PAGE = 1


@dataclass(frozen=True, slots=True)
class TimeLimits:
    soft: int
    hard: int


def _limits(seconds: float) -> TimeLimits:
    soft = int(min(MAX_TASK_SECONDS, seconds))
    return TimeLimits(soft=soft, hard=soft + HARD_LIMIT_MARGIN_SECONDS)


def extract_limits(pages: int) -> TimeLimits:
    """Reading and planning a PDF of up to `pages` pages (OCR included)."""
    return _limits(_READ_BASE_SECONDS + _READ_SECONDS_PER_PAGE * max(pages, 0))


def synthesise_limits(characters: int) -> TimeLimits:
    return _limits(_CHAPTER_BASE_SECONDS + max(characters, 0) / _CHAPTER_CHARACTERS_PER_SECOND)


def assemble_limits(pages: int) -> TimeLimits:
    return _limits(_ASSEMBLE_BASE_SECONDS + _ASSEMBLE_SECONDS_PER_PAGE * max(pages, 0))


def limits_for(message: StageMessage, max_pages: int) -> TimeLimits:
    """The limits of one stage message; a book's pages are not known before it is read,
    so reading and assembly are allowed for the largest book accepted."""
    if message.stage is JobStage.SYNTHESISING:
        return synthesise_limits(message.characters)
    if message.stage is JobStage.EXTRACTING:
        return extract_limits(max_pages)
    return assemble_limits(max_pages)
