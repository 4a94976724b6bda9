"""Summaries of a book and recaps of its chapters.

`summariser_from_environment()` gives the summariser to use: a language model behind an
OpenAI-compatible API when `SUMMARY_LLM_*` is configured, falling back (with a note) to
the extractive summariser, which picks the book's own sentences and needs nothing but
the book.
"""

from pdf2audiobook.pipeline.summary.base import (
    DEFAULT_BOOK_SUMMARY_WORDS,
    Summariser,
    SummaryMethod,
    SummaryResult,
)
from pdf2audiobook.pipeline.summary.errors import (
    MalformedSummaryResponseError,
    SummaryConfigurationError,
    SummaryError,
)
from pdf2audiobook.pipeline.summary.extractive import ExtractiveSummariser, select_sentences
from pdf2audiobook.pipeline.summary.factory import (
    FallbackSummariser,
    explain_failure,
    summariser_from_environment,
)
from pdf2audiobook.pipeline.summary.llm import (
    LlmSummariser,
    SummaryLlmSettings,
    chat_completions_url,
)
from pdf2audiobook.pipeline.summary.recaps import (
    DEFAULT_RECAP_WORDS,
    RECAP_TITLE_PREFIX,
    chapter_recaps,
)

__all__ = [
    "DEFAULT_BOOK_SUMMARY_WORDS",
    "DEFAULT_RECAP_WORDS",
    "RECAP_TITLE_PREFIX",
    "ExtractiveSummariser",
    "FallbackSummariser",
    "LlmSummariser",
    "MalformedSummaryResponseError",
    "Summariser",
    "SummaryConfigurationError",
    "SummaryError",
    "SummaryLlmSettings",
    "SummaryMethod",
    "SummaryResult",
    "chapter_recaps",
    "chat_completions_url",
    "explain_failure",
    "select_sentences",
    "summariser_from_environment",
]
