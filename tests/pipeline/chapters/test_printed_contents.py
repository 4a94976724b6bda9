"""Books without an outline take their chapters and titles from their printed contents."""

from __future__ import annotations

from dataclasses import replace
from functools import cache
from pathlib import Path

import pytest

from pdf2audiobook.pipeline.book_builder import build_book
from pdf2audiobook.pipeline.chapters import plan_chapters
from pdf2audiobook.pipeline.chapters.contents_pages import (
    ContentsEntry,
    contents_page_runs,
    parse_entries,
)
from pdf2audiobook.pipeline.chapters.plan import plan_from_headings
from pdf2audiobook.pipeline.cleaning.body_size import body_font_size
from pdf2audiobook.pipeline.document import Book, PageText, RawDocument, RemovalReason, TextLine
from pdf2audiobook.pipeline.extract import book_to_json
from pdf2audiobook.pipeline.reading.reader import ReadOptions, read_pdf
from tests.conftest import corpus_file
from tests.pipeline.chapters.contents_books import ORCHARD_CONTENTS, Entry, orchard_book

ORCHARD_CHAPTERS = [
    ("Preface", 3, 3),
    ("1 Winter Pruning", 4, 6),
    ("2 Spring Blossom and the Long Wait for Bees", 7, 8),
    ("3 Summer Fruit", 9, 11),
]


def _chapters(book: Book) -> list[tuple[str, int, int]]:
    return [(chapter.title, chapter.start_page, chapter.end_page) for chapter in book.chapters]


def _read(path: Path) -> RawDocument:
    return read_pdf(path, ReadOptions(ocr=False))


# --- Built books -------------------------------------------------------------------------


def test_book_without_outline_takes_chapters_and_titles_from_its_contents(
    tmp_path: Path,
) -> None:
    raw = _read(orchard_book(tmp_path / "orchard.pdf"))
    assert raw.outline == ()
    book = build_book(raw)
    assert _chapters(book) == ORCHARD_CHAPTERS
    printed = book_to_json(book)
    assert [chapter["title"] for chapter in printed["chapters"]] == [
        title for title, _, _ in ORCHARD_CHAPTERS
    ]
    ledger = {(block["page"], block["reason"]) for block in printed["removed"]}
    assert (2, "contents") in ledger
    assert (12, "back_matter") in ledger
    contents = next(b for b in book.removed if b.reason is RemovalReason.CONTENTS)
    assert "Winter Pruning" in contents.text


def test_headings_set_in_the_body_type_are_found_through_the_contents(tmp_path: Path) -> None:
    raw = _read(orchard_book(tmp_path / "plain.pdf", heading_size=11.0))
    # Type size alone finds no chapter here: this used to be one undivided part.
    assert plan_from_headings(raw.pages, body_font_size(raw.pages)).starts == []
    assert _chapters(build_book(raw)) == ORCHARD_CHAPTERS


def test_contents_whose_titles_are_not_in_the_body_are_not_used(tmp_path: Path) -> None:
    strangers = [
        Entry("Preface", "iii"),
        Entry("1 Grafting Old Stock", "1"),
        Entry("2 Pests of the Stone Fruits", "4"),
        Entry("3 Storing Apples Through Winter", "6"),
    ]
    raw = _read(orchard_book(tmp_path / "strangers.pdf", contents=strangers))
    plan = plan_chapters(raw.pages, raw.outline)
    assert plan.source == "headings"


def test_contents_pointing_at_wrong_pages_are_not_used(tmp_path: Path) -> None:
    shifted = [replace(entry, folio=str(int(entry.folio) + 40)) for entry in ORCHARD_CONTENTS[1:]]
    raw = _read(orchard_book(tmp_path / "shifted.pdf", contents=shifted))
    assert plan_chapters(raw.pages, raw.outline).source == "headings"


# --- Corpus books with their outline set aside --------------------------------------------


@cache
def _corpus_raw(number: int) -> RawDocument:
    return read_pdf(corpus_file(number), ReadOptions(ocr=False))


def test_maint_guide_without_its_outline_is_planned_from_its_printed_contents() -> None:
    raw = _corpus_raw(13)
    with_outline = build_book(raw)
    without = build_book(replace(raw, outline=()))
    assert [c.start_page for c in without.chapters] == [c.start_page for c in with_outline.chapters]
    assert [c.title for c in without.chapters] == [
        "1 Getting started The Right Way",
        "2 First steps",
        "3 Modifying the source",
        "4 Required files under the debian directory",
        "5 Other files under the debian directory",
        "6 Building the package",
        "7 Checking the package for errors",
        "8 Updating the package",
        "9 Uploading the package",
        "A Advanced packaging",
    ]
    contents_pages = {b.page for b in without.removed if b.reason is RemovalReason.CONTENTS}
    assert contents_pages == {4, 5, 6}


# --- Reading the entries -----------------------------------------------------------------


def _line(text: str, top: float, x0: float = 72.0, size: float = 10.0) -> TextLine:
    return TextLine(text, x0, top, x0 + 0.5 * size * len(text), top + size, size, size)


def _page(number: int, lines: list[TextLine]) -> PageText:
    return PageText(number, 612.0, 792.0, tuple(lines))


def _entries(*lines: TextLine) -> list[tuple[str, str, int]]:
    spaced = [
        replace(line, top=100.0 + 14.0 * i, bottom=110.0 + 14.0 * i) for i, line in enumerate(lines)
    ]
    return [(e.title, e.folio, e.level) for e in parse_entries([_page(3, spaced)])]


def test_entries_lose_their_leaders_and_keep_their_numbering() -> None:
    assert _entries(
        _line("Preface . . . . . . . . . . . vii", 0),
        _line("1 Getting started . . . . . . . 1", 0),
        _line("Short contents · ix", 0),
        _line("Chapter 2 Graphics and Text 11", 0),
    ) == [
        ("Preface", "vii", 0),
        ("1 Getting started", "1", 0),
        ("Short contents", "ix", 0),
        ("Chapter 2 Graphics and Text", "11", 0),
    ]


def test_numbering_and_indent_give_the_level() -> None:
    assert _entries(
        _line("1 Historical background 1", 0),
        _line("1.1 Making type . . . . . . 2", 0, x0=90.0),
        _line("Units of measurement . . . . 3", 0, x0=90.0),
        _line("1.3.1 Blackletter . . . . 5", 0, x0=120.0),
        _line("Notes 101", 0),
    ) == [
        ("1 Historical background", "1", 0),
        ("1.1 Making type", "2", 1),
        ("Units of measurement", "3", 1),
        ("1.3.1 Blackletter", "5", 2),
        ("Notes", "101", 0),
    ]


def test_entries_set_larger_head_the_numbered_ones_below_them() -> None:
    # A file heading in 12 pt over its chapters in 10 pt, all at one indent.
    assert _entries(
        _line("b ltplain.dtx 15", 0, size=12.0),
        _line("1 Plain TEX 15", 0),
        _line("1.1 Declaring a module . . . . 42", 0, x0=88.0),
    ) == [("b ltplain.dtx", "15", 0), ("1 Plain TEX", "15", 1), ("1.1 Declaring a module", "42", 2)]


def test_flush_right_entries_are_not_levelled_by_their_ragged_left_edge() -> None:
    lines = [
        _line(text, 0, x0=360.0 - 5.0 * len(text))
        for text in (
            "Preface · xv",
            "1 Historical background · 1",
            "2 The page · 27",
            "3 Picky points · 81",
            "Index · 107",
        )
    ]
    assert [level for _, _, level in _entries(*lines)] == [0, 0, 0, 0, 0]


def test_a_wrapped_title_is_joined_to_the_line_with_its_page_number() -> None:
    assert _entries(
        _line("2 Spring Blossom and the", 0),
        _line("Long Wait for Bees . . . . 4", 0),
        _line("Part II", 0),
        _line("3 Summer Fruit 6", 0),
    ) == [("2 Spring Blossom and the Long Wait for Bees", "4", 0), ("3 Summer Fruit", "6", 0)]


def test_a_line_listing_several_subsections_is_not_an_entry() -> None:
    assert _entries(
        _line("1.3 Book types . . . . . . . . 3", 0),
        _line("1.3.1 Type terminology 4, 1.3.2 Blackletter 5,", 0, x0=100.0),
        _line("1.4 Setting type . . . . . . . 10", 0),
    ) == [("1.3 Book types", "3", 1), ("1.4 Setting type", "10", 1)]


def test_a_list_of_figures_after_the_contents_ends_them() -> None:
    assert _entries(
        _line("1 Introduction 1", 0),
        _line("2 Methods 9", 0),
        _line("List of Figures", 0, size=14.0),
        _line("1.1 A diagram of the press 3", 0),
    ) == [("1 Introduction", "1", 0), ("2 Methods", "9", 0)]


def test_contents_pages_are_looked_for_at_the_front_only() -> None:
    index_like = [_line(f"apples, {n}, {n + 4}", 100.0 + 14.0 * n) for n in range(20)]
    prose = [_line("The quick brown fox jumps over the lazy dog.", 100.0)]
    pages = [_page(n, prose) for n in range(1, 40)] + [_page(40, index_like)]
    assert contents_page_runs(pages) == []
    pages[2] = _page(3, index_like)
    pages[3] = _page(4, [])
    pages[4] = _page(5, index_like[:3])
    assert contents_page_runs(pages) == [[3, 4, 5]]


def test_parsed_entry_records_the_contents_page_it_came_from() -> None:
    entries = parse_entries([_page(9, [_line("Index 107", 100.0)])])
    assert entries == [ContentsEntry("Index", "107", 0, 9)]


@pytest.mark.parametrize("text", ["Part II", "Appendix C", "Volume I"])
def test_a_capital_roman_numeral_is_not_a_page_number(text: str) -> None:
    assert _entries(_line(text, 0)) == []
