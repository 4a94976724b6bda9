"""The extractive summariser: the book's own sentences, from across the book, near the
target length, the same every time."""

from __future__ import annotations

import pytest

from pdf2audiobook.pipeline.document import Book
from pdf2audiobook.pipeline.speech import split_sentences
from pdf2audiobook.pipeline.summary import ExtractiveSummariser, select_sentences
from tests.pipeline.summary.conftest import make_book

TARGET = 150


def _chapter_sections(book: Book) -> list[list[str]]:
    return [[p.text for p in chapter.paragraphs] for chapter in book.chapters]


def _chapters_holding(book: Book, sentence: str) -> list[int]:
    return [
        number
        for number, chapter in enumerate(book.chapters)
        if any(sentence in p.text for p in chapter.paragraphs)
    ]


def test_book_summary_is_near_the_target_length(memdesign: Book) -> None:
    summary = ExtractiveSummariser().summarise_book(memdesign, TARGET)

    assert summary.method == "extractive"
    assert summary.note is None
    assert TARGET * 0.75 <= len(summary.text.split()) <= TARGET * 1.25


def test_every_summary_sentence_is_a_sentence_of_the_book_verbatim(memdesign: Book) -> None:
    chosen = select_sentences(_chapter_sections(memdesign), TARGET)
    summary = ExtractiveSummariser().summarise_book(memdesign, TARGET)

    assert summary.text == " ".join(chosen)
    book_text = "\n\n".join(chapter.text for chapter in memdesign.chapters)
    for sentence in chosen:
        assert sentence in book_text
        assert sentence in [s for p in _all_paragraphs(memdesign) for s in split_sentences(p)]
    # Read back as a listener's text, it splits into the same sentences.
    assert split_sentences(summary.text) == chosen


def test_book_summary_draws_on_chapters_across_the_whole_book(memdesign: Book) -> None:
    chosen = select_sentences(_chapter_sections(memdesign), TARGET)

    chapters = {number for sentence in chosen for number in _chapters_holding(memdesign, sentence)}
    assert len(chapters) >= 3
    # The seed read only the opening 12,000 characters; this must reach past the middle.
    middle = len(memdesign.chapters) // 2
    assert max(chapters) >= middle
    # Sentences are read in book order.
    order = [
        next(i for i, p in enumerate(_all_paragraphs(memdesign)) if sentence in p)
        for sentence in chosen
    ]
    assert order == sorted(order)


def test_summary_is_deterministic(memdesign: Book) -> None:
    first = ExtractiveSummariser().summarise_book(memdesign, TARGET)
    second = ExtractiveSummariser().summarise_book(memdesign, TARGET)

    assert first == second


@pytest.mark.parametrize("target", [40, 80, 300])
def test_other_targets_are_met_too(memdesign: Book, target: int) -> None:
    words = len(ExtractiveSummariser().summarise_book(memdesign, target).text.split())

    assert target * 0.75 <= words <= target * 1.25


def test_chapter_summary_uses_only_that_chapter(memdesign: Book) -> None:
    chapter = memdesign.chapters[4]

    summary = ExtractiveSummariser().summarise_chapter(chapter, 60)

    assert 45 <= len(summary.text.split()) <= 75
    for sentence in split_sentences(summary.text):
        assert any(sentence in p.text for p in chapter.paragraphs)


def test_headings_fragments_and_repeated_specimens_are_not_chosen() -> None:
    specimen = "The quick brown fox jumps over the lazy dog while the typesetter watches the page."
    book = make_book(
        {
            "One": [
                "1.1 Galloping through the millennia",
                "Typefaces give a printed page its voice and its colour on the paper.",
                specimen,
                "Baskerville 12 pt 14 pt 18 pt 24 pt 36 pt",
            ],
            "Two": [
                specimen,
                "Margins frame the text block and guide the eye of the reader down the page.",
                "see the list below:",
            ],
        }
    )

    chosen = select_sentences(_chapter_sections(book), 1000)

    assert chosen == [
        "Typefaces give a printed page its voice and its colour on the paper.",
        "Margins frame the text block and guide the eye of the reader down the page.",
    ]


def test_a_book_shorter_than_the_target_is_given_whole() -> None:
    paragraphs = [
        "Paper is made from fibres pressed together and dried in large sheets.",
        "Ink sits on the surface of coated paper and sinks into uncoated paper.",
    ]
    book = make_book({"Only": paragraphs})

    summary = ExtractiveSummariser().summarise_book(book, TARGET)

    assert summary.text == " ".join(paragraphs)


def test_a_book_without_proper_sentences_still_gets_something() -> None:
    book = make_book({"Lists": ["Bembo Garamond Caslon Baskerville", "x"]})

    summary = ExtractiveSummariser().summarise_book(book, TARGET)

    assert summary.text == "Bembo Garamond Caslon Baskerville"


def test_an_empty_book_gives_an_empty_summary_that_says_why() -> None:
    summary = ExtractiveSummariser().summarise_book(make_book({"Blank": []}), TARGET)

    assert summary.text == ""
    assert summary.note == "There was no readable text to summarise."


def test_a_note_given_to_the_summariser_is_on_every_result(memdesign: Book) -> None:
    summariser = ExtractiveSummariser(note="Because the model is not configured.")

    assert summariser.summarise_book(memdesign).note == "Because the model is not configured."
    assert summariser.summarise_chapter(memdesign.chapters[3], 60).note is not None


def test_target_must_be_positive(memdesign: Book) -> None:
    with pytest.raises(ValueError, match="positive"):
        ExtractiveSummariser().summarise_book(memdesign, 0)


def _all_paragraphs(book: Book) -> list[str]:
    return [p.text for chapter in book.chapters for p in chapter.paragraphs]
