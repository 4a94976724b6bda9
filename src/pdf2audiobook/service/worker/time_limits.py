"""How long a task may run before Celery stops it, scaled by the work it was given.

The soft limit raises inside the task, which fails the job with a plain message; the hard
limit, a minute later, kills the worker process if the soft one was not enough. Every hard
limit stays below the broker's visibility timeout: a message whose task outlives it would
be delivered to a second worker while the first still runs.
"""

from __future__ import annotations

from dataclasses import dataclass

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
