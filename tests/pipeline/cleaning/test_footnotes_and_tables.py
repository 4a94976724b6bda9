"""Footnotes and tables on real pages: what leaves the running text and what stays."""

from __future__ import annotations

from functools import cache

from pdf2audiobook.pipeline.book_builder import FootnotePolicy, build_book
from pdf2audiobook.pipeline.cleaning.footnotes import split_footnotes, strip_inline_markers
from pdf2audiobook.pipeline.document import Book, PageText, RemovalReason, TextLine
from pdf2audiobook.pipeline.reading.reader import ReadOptions, read_pdf
from tests.conftest import corpus_file


@cache
def _dropped(number: int) -> Book:
    raw = read_pdf(corpus_file(number), ReadOptions(ocr=False))
    return build_book(raw, FootnotePolicy.DROP)


def _removed(book: Book, reason: RemovalReason) -> list[tuple[int, str]]:
    return [(block.page, block.text) for block in book.removed if block.reason is reason]


def test_book_footnotes_leave_the_text_and_their_markers_leave_the_sentence() -> None:
    book = _dropped(1)
    notes = _removed(book, RemovalReason.FOOTNOTE)
    assert (23, "From the Latin cuneus meaning wedge.") in notes
    assert len(notes) >= 24
    text = "\n".join(chapter.text for chapter in book.chapters)
    assert "cuneus meaning wedge" not in text
    # Math subscripts are small too, but not raised: they stay.
    assert "N2" in text


def test_texinfo_note_with_its_marker_on_a_line_of_its_own_is_found() -> None:
    notes = _removed(_dropped(6), RemovalReason.FOOTNOTE)
    assert any(
        page == 21 and text.startswith("In general, coercion from numeric to character")
        for page, text in notes
    )


def test_note_sized_text_without_a_marker_is_not_a_note() -> None:
    page = PageText(
        1,
        612,
        792,
        (
            TextLine("Body text of the page.", 72, 100, 500, 107, 10, 10),
            TextLine("Printed in Example Town", 72, 700, 300, 706, 8, 8),
        ),
    )
    assert split_footnotes(page, 10.0).notes == []


def test_superscript_marker_after_a_word_is_removed() -> None:
    line = TextLine(
        "same.3 There",
        72,
        100,
        300,
        107,
        10,
        10,
        char_sizes=(10.0,) * 5 + (7.0,) + (10.0,) * 6,
        raised=(5,),
    )
    cleaned, markers = strip_inline_markers(line)
    assert cleaned.text == "same. There"
    assert markers == ["3"]


def test_table_cells_become_their_caption() -> None:
    book = _dropped(1)
    cells = _removed(book, RemovalReason.TABLE)
    assert (25, "Bembo Aldine/French Renaissance Garald") in cells
    text = "\n".join(chapter.text for chapter in book.chapters)
    assert "Table 1.1: Broad typeface categories" in text
    assert "Bembo Aldine/French Renaissance Garald" not in text


def test_caption_below_its_table_takes_the_rows_above() -> None:
    cells = _removed(_dropped(5), RemovalReason.TABLE)
    assert any(text.startswith("sudo V:") for _, text in cells)
    assert not any(text.startswith("It may be a good idea") for _, text in cells)
