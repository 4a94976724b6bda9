"""Choosing a summariser from the environment, and falling back without hiding it.

With `SUMMARY_LLM_BASE_URL` and `SUMMARY_LLM_MODEL` set, summaries are written by that
language model, and whenever it fails the book's own sentences stand in, with a note
saying what happened. Without them, summaries are extractive from the start.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable

import httpx
from pydantic import ValidationError

from pdf2audiobook.pipeline.document import Book, Chapter
from pdf2audiobook.pipeline.errors import PipelineError
from pdf2audiobook.pipeline.summary.base import (
    DEFAULT_BOOK_SUMMARY_WORDS,
    Summariser,
    SummaryResult,
)
from pdf2audiobook.pipeline.summary.errors import (
    MalformedSummaryResponseError,
    SummaryConfigurationError,
)
from pdf2audiobook.pipeline.summary.extractive import ExtractiveSummariser
from pdf2audiobook.pipeline.summary.llm import LlmSummariser, SummaryLlmSettings
from pdf2audiobook.pipeline.voices.cloud.errors import (
    ProviderAuthError,
    ProviderOutageError,
    ProviderRequestError,
)

_log = logging.getLogger(__name__)

_INSTEAD = "This summary was made from the book's own sentences instead."


def summariser_from_environment(settings: SummaryLlmSettings | None = None) -> Summariser:
    """The language model summariser, backed by the extractive one, when
    `SUMMARY_LLM_BASE_URL` and `SUMMARY_LLM_MODEL` are set; else the extractive one.

    Only one of the two set is taken as a mistake, not a choice: summaries are then
    extractive with a note naming the missing setting. Raises SummaryConfigurationError
    when a `SUMMARY_LLM_*` value is invalid (a URL that is not http(s), a bad number).
    """
    if settings is None:
        try:
            settings = SummaryLlmSettings()
        except ValidationError as error:
            problems = "; ".join(
                f"SUMMARY_LLM_{'_'.join(str(part) for part in problem['loc']).upper()}: "
                f"{problem['msg']}"
                for problem in error.errors()
            )
            raise SummaryConfigurationError(
                f"The summary language model settings are invalid ({problems})."
            ) from None
    if settings.is_configured:
        return FallbackSummariser(LlmSummariser(settings), ExtractiveSummariser())
    if settings.base_url or settings.model:
        missing = "SUMMARY_LLM_MODEL" if settings.base_url else "SUMMARY_LLM_BASE_URL"
        return ExtractiveSummariser(
            note=f"The language model was not used because {missing} is not set. {_INSTEAD}"
        )
    return ExtractiveSummariser()


class FallbackSummariser:
    """`primary`'s summary, or when it fails `fallback`'s with a note saying why.

    Failures caught are the pipeline's typed errors (HTTP answers, malformed replies) and
    httpx errors; anything else is a bug and propagates.
    After refused credentials or an outage that outlasted every retry, later calls go
    straight to `fallback` (with the same note) instead of waiting through the retries
    again for each chapter.
    """

    def __init__(self, primary: Summariser, fallback: Summariser) -> None:
        self._primary = primary
        self._fallback = fallback
        self._standing_failure: str | None = None

    def summarise_book(
        self, book: Book, target_words: int = DEFAULT_BOOK_SUMMARY_WORDS
    ) -> SummaryResult:
        return self._summarise(lambda summariser: summariser.summarise_book(book, target_words))

    def summarise_chapter(self, chapter: Chapter, target_words: int) -> SummaryResult:
        return self._summarise(
            lambda summariser: summariser.summarise_chapter(chapter, target_words)
        )

    def _summarise(self, summarise: Callable[[Summariser], SummaryResult]) -> SummaryResult:
        failure = self._standing_failure
        if failure is None:
            try:
                return summarise(self._primary)
            except (PipelineError, httpx.HTTPError) as error:
                failure = explain_failure(error)
                if isinstance(error, ProviderAuthError | ProviderOutageError):
                    self._standing_failure = failure
                _log.warning("Summary falls back to extractive: %s", failure)
        result = summarise(self._fallback)
        note = f"{failure} {_INSTEAD}"
        if result.note:
            note = f"{note} {result.note}"
        return dataclasses.replace(result, note=note)


def explain_failure(error: Exception) -> str:
    """What went wrong with the language model, in sentences a listener understands."""
    detail = error.message if isinstance(error, PipelineError) else f"{type(error).__name__}."
    if isinstance(error, ProviderAuthError):
        headline = "The language model refused the credentials (SUMMARY_LLM_API_KEY)."
    elif isinstance(error, ProviderOutageError | httpx.HTTPError):
        headline = "The language model could not be reached."
    elif isinstance(error, ProviderRequestError):
        headline = "The language model refused the request."
    elif isinstance(error, MalformedSummaryResponseError):
        headline = "The language model's answer could not be used."
    else:
        headline = "The language model could not write this summary."
    return f"{headline} {detail}"
