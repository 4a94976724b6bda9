"""Summaries as chapters of the audiobook: before the book, instead of it, or as recaps."""

from __future__ import annotations

from dataclasses import replace
from enum import StrEnum

from pdf2audiobook.pipeline.document import Book, Chapter, Paragraph
from pdf2audiobook.pipeline.summary.factory import summariser_from_environment
from pdf2audiobook.pipeline.summary.recaps import chapter_recaps

SUMMARY_TITLE = "Summary"


class SummaryMode(StrEnum):
    NONE = "none"
    BEFORE = "before"
    """A spoken summary chapter, then the book."""
    ONLY = "only"
    """The summary alone."""


def with_summaries(book: Book, mode: SummaryMode, recaps: bool) -> tuple[Book, list[str]]:
    """The book as it will be read, and notes on any fallback (e.g. the LLM was unreachable).

    Summary chapters span the whole book's pages; recaps follow the chapter they recap.
    """
    if mode is SummaryMode.NONE and not recaps:
        return book, []
    summariser = summariser_from_environment()
    notes: list[str] = []
    chapters: list[Chapter] = []
    if mode is not SummaryMode.NONE:
        summary = summariser.summarise_book(book)
        if summary.note:
            notes.append(summary.note)
        chapters.append(_spoken(SUMMARY_TITLE, summary.text, 1, book.page_count))
    if mode is not SummaryMode.ONLY:
        recap_by_title = dict(chapter_recaps(book, summariser)) if recaps else {}
        for chapter in book.chapters:
            chapters.append(chapter)
            recap = recap_by_title.get(f"Recap: {chapter.title}")
            if recap is not None:
                if recap.note and recap.note not in notes:
                    notes.append(recap.note)
                chapters.append(
                    _spoken(
                        f"Recap: {chapter.title}", recap.text, chapter.start_page, chapter.end_page
                    )
                )
    return replace(book, chapters=chapters), notes


def _spoken(title: str, text: str, first_page: int, last_page: int) -> Chapter:
    return Chapter(title, first_page, last_page, [Paragraph(text, first_page)])
