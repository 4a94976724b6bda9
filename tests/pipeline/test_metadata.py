"""Title and author: metadata first, then the first page, then the file name."""

from __future__ import annotations

from pdf2audiobook.pipeline.document import PageText, RawDocument, TextLine
from pdf2audiobook.pipeline.metadata import identify_book


def _raw(
    metadata: dict[str, str], *lines: TextLine, name: str = "my_great-book.pdf"
) -> RawDocument:
    page = PageText(1, 612, 792, tuple(lines))
    return RawDocument(1, (page,), (), metadata, name)


TITLE = TextLine("The Voyage Out", 100, 150, 500, 170, 24, 24)
BYLINE = TextLine("by Virginia Woolf", 100, 200, 500, 212, 12, 12)


def test_metadata_title_and_author_win() -> None:
    found = identify_book(_raw({"Title": "Night and Day", "Author": "V. Woolf"}, TITLE, BYLINE))
    assert (found.title, found.author) == ("Night and Day", "V. Woolf")


def test_placeholder_metadata_title_falls_back_to_the_first_page() -> None:
    found = identify_book(_raw({"Title": "chapter1.docx"}, TITLE, BYLINE))
    assert (found.title, found.author) == ("The Voyage Out", "Virginia Woolf")


def test_empty_first_page_falls_back_to_the_file_name() -> None:
    found = identify_book(_raw({}))
    assert (found.title, found.author) == ("My great book", None)
