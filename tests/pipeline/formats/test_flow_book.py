"""A reflowable book's sections become chapters as a PDF's pages do."""

from __future__ import annotations

import pytest

from pdf2audiobook.pipeline.book_builder import FootnotePolicy
from pdf2audiobook.pipeline.document import RemovalReason
from pdf2audiobook.pipeline.errors import NoTextError
from pdf2audiobook.pipeline.formats.flow import FlowDocument, FlowSection
from pdf2audiobook.pipeline.formats.flow_book import flow_to_book

SENTENCE = "A sentence of the book, as the reader found it."


def document(*sections: FlowSection, title: str | None = "The Book") -> FlowDocument:
    return FlowDocument(
        format="markdown",
        file_name="the_long-voyage.md",
        title=title,
        author="An Author",
        language="en",
        sections=sections,
    )


def test_short_untitled_opening_is_front_matter_and_a_long_one_a_chapter() -> None:
    short = FlowSection(None, 0, ("Copyright 1901.",))
    long = FlowSection(None, 0, (" ".join([SENTENCE] * 10),))
    chapter = FlowSection("One", 0, (SENTENCE,))
    book = flow_to_book(document(short, chapter))
    assert [c.title for c in book.chapters] == ["One"]
    assert [(b.page, b.reason) for b in book.removed] == [(1, RemovalReason.FRONT_MATTER)]
    book = flow_to_book(document(long, chapter))
    assert [c.title for c in book.chapters] == ["The Book", "One"]


def test_untitled_text_after_a_title_continues_its_chapter() -> None:
    book = flow_to_book(
        document(FlowSection("One", 0, ("First.",)), FlowSection(None, 0, ("Second.",)))
    )
    assert [(c.title, c.start_page, c.end_page) for c in book.chapters] == [("One", 1, 2)]
    assert [p.text for p in book.chapters[0].paragraphs] == ["First.", "Second."]


def test_a_part_title_opens_its_first_chapter_and_a_lone_heading_is_listed() -> None:
    book = flow_to_book(
        document(
            FlowSection("Part 1", 0, ()),
            FlowSection("Chapter 1", 1, (SENTENCE,)),
            FlowSection("Chapter 2", 1, (SENTENCE,)),
            FlowSection("Part 2", 0, ()),
            FlowSection("Chapter 1", 1, (SENTENCE,)),
            FlowSection("Appendices", 0, ()),
            FlowSection("Sources", 0, (SENTENCE,)),
            FlowSection("Index", 0, ()),
        )
    )
    assert [c.title for c in book.chapters] == [
        "Part 1: Chapter 1",
        "Chapter 2",
        "Part 2: Chapter 1",
        "Sources",
    ]
    # Headings over nothing of their own, or over a section of their own level, are left out.
    assert [(b.page, b.reason, b.text) for b in book.removed] == [
        (6, RemovalReason.HEADING, "Appendices"),
        (8, RemovalReason.HEADING, "Index"),
    ]


def test_text_is_cleaned_and_notes_follow_the_policy() -> None:
    section = FlowSection("One", 0, ("The \ufb01rst  line.",), notes=("A note.",))
    kept = flow_to_book(document(section), FootnotePolicy.END)
    assert kept.chapters[0].paragraphs[0].text == "The first line."
    assert kept.chapters[0].text.endswith("Notes.\n\nA note.")
    dropped = flow_to_book(document(section), FootnotePolicy.DROP)
    assert dropped.chapters[0].notes == []
    assert [(b.reason, b.text) for b in dropped.removed] == [(RemovalReason.FOOTNOTE, "A note.")]


def test_skipped_sections_are_listed_with_their_reason() -> None:
    contents = FlowSection("Contents", 0, ("One ... 1",), skip=RemovalReason.CONTENTS)
    book = flow_to_book(document(contents, FlowSection("One", 0, (SENTENCE,))))
    assert [(b.page, b.reason, b.text) for b in book.removed] == [
        (1, RemovalReason.CONTENTS, "Contents One ... 1")
    ]
    assert book.page_count == 2


def test_a_book_with_no_title_is_named_after_its_file() -> None:
    book = flow_to_book(document(FlowSection("One", 0, (SENTENCE,)), title=None))
    assert book.title == "The long voyage"


def test_a_book_with_nothing_to_read_says_so() -> None:
    with pytest.raises(NoTextError, match=r"the_long-voyage\.md has no text"):
        flow_to_book(document(FlowSection("One", 0, ("   ",))))
