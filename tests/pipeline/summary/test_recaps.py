"""Chapter recaps: one per chapter long enough to need one, titled after it."""

from __future__ import annotations

from pdf2audiobook.pipeline.document import Book, Chapter
from pdf2audiobook.pipeline.summary import (
    DEFAULT_BOOK_SUMMARY_WORDS,
    ExtractiveSummariser,
    SummaryResult,
    chapter_recaps,
)
from tests.pipeline.summary.conftest import make_book


class RecordingSummariser:
    """Answers every chapter with its title, remembering what it was asked."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, int]] = []

    def summarise_book(
        self, book: Book, target_words: int = DEFAULT_BOOK_SUMMARY_WORDS
    ) -> SummaryResult:
        raise AssertionError(f"recaps summarise chapters, not {book.title} in {target_words} words")

    def summarise_chapter(self, chapter: Chapter, target_words: int) -> SummaryResult:
        self.asked.append((chapter.title, target_words))
        text = "" if chapter.title == "Silent" else f"All about {chapter.title}."
        return SummaryResult(text=text, method="llm")


def test_every_long_enough_chapter_gets_a_recap_in_order(memdesign: Book) -> None:
    recaps = chapter_recaps(memdesign, ExtractiveSummariser())

    expected = [c.title for c in memdesign.chapters if c.word_count >= 120]
    assert [title for title, _ in recaps] == [f"Recap: {title}" for title in expected]
    for _, recap in recaps:
        assert recap.method == "extractive"
        assert 0 < len(recap.text.split()) <= 75


def test_short_and_empty_chapters_get_no_recap() -> None:
    long_text = "word " * 200
    book = make_book(
        {"Long": [long_text], "Brief": ["Only a few words here."], "Silent": [long_text]}
    )
    summariser = RecordingSummariser()

    recaps = chapter_recaps(book, summariser, target_words=40)

    assert summariser.asked == [("Long", 40), ("Silent", 40)]
    assert recaps == [
        ("Recap: Long", SummaryResult(text="All about Long.", method="llm")),
    ]


def test_the_shortest_chapter_recapped_can_be_chosen() -> None:
    book = make_book({"Brief": ["Only a few words here."]})
    summariser = RecordingSummariser()

    recaps = chapter_recaps(book, summariser, target_words=40, min_chapter_words=0)

    assert [title for title, _ in recaps] == ["Recap: Brief"]
