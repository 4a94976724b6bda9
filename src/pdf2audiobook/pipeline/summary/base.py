"""What every summariser promises, and the result it hands back.

A summary is either written by a language model ("llm") or made of the book's own
sentences ("extractive"). When a summary is not what was asked for — the language model
failed and the book's sentences stand in for it — `note` says so in plain words, so the
listener and the job's status can tell, instead of the switch happening silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from pdf2audiobook.pipeline.document import Book, Chapter

SummaryMethod = Literal["llm", "extractive"]

DEFAULT_BOOK_SUMMARY_WORDS = 150


@dataclass(frozen=True, slots=True)
class SummaryResult:
    text: str
    """The summary, plain prose ready to be read aloud; empty only when the input had
    nothing to summarise (then `note` says so)."""
    method: SummaryMethod
    note: str | None = None
    """Why the summary is not the kind that was asked for (or is empty), in words a
    person understands; None when nothing needs explaining."""


class Summariser(Protocol):
    """Summarises a whole book or one chapter in about a given number of words."""

    def summarise_book(
        self, book: Book, target_words: int = DEFAULT_BOOK_SUMMARY_WORDS
    ) -> SummaryResult:
        """A summary of every chapter of `book`, about `target_words` words long.
        Raises a PipelineError subclass when the summary cannot be made."""
        ...

    def summarise_chapter(self, chapter: Chapter, target_words: int) -> SummaryResult:
        """A summary of `chapter` alone, about `target_words` words long.
        Raises a PipelineError subclass when the summary cannot be made."""
        ...
