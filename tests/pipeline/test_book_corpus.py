"""The reading side end to end on real books: what a listener hears, and what is left out."""

from __future__ import annotations

import re
from functools import cache

import pypdfium2 as pdfium
import pytest

from pdf2audiobook.pipeline.book_builder import build_book
from pdf2audiobook.pipeline.chapters.outline import is_skipped_title
from pdf2audiobook.pipeline.cleaning.running_heads import normalise_key
from pdf2audiobook.pipeline.document import Book, RemovalReason
from pdf2audiobook.pipeline.reading.reader import ReadOptions, read_pdf
from tests.conftest import corpus_file

RUNNING_HEAD_REASONS = {RemovalReason.HEADER, RemovalReason.FOOTER, RemovalReason.PAGE_NUMBER}


@cache
def _book(number: int) -> Book:
    return build_book(read_pdf(corpus_file(number), ReadOptions(ocr=False)))


def _all_text(book: Book) -> str:
    return "\n".join(chapter.text for chapter in book.chapters)


@pytest.mark.parametrize("number", [1, 2, 5, 6, 7])
def test_running_heads_and_page_numbers_are_in_the_ledger_not_the_text(number: int) -> None:
    book = _book(number)
    heads = [block for block in book.removed if block.reason in RUNNING_HEAD_REASONS]
    # Nearly every page carries a running head or a folio.
    assert len({block.page for block in heads}) >= 0.8 * book.page_count
    text = _all_text(book)
    # A head that runs across many pages; a sentence that merely opens a few pages of a
    # long table may repeat legitimately in the body too.
    pages_by_key: dict[str, set[int]] = {}
    for block in heads:
        pages_by_key.setdefault(normalise_key(block.text), set()).add(block.page)
    running = {
        block.text
        for block in heads
        if len(block.text) >= 12 and len(pages_by_key[normalise_key(block.text)]) >= 8
    }
    assert running
    leaked = [head for head in running if head in text]
    assert leaked == []


@pytest.mark.parametrize(
    ("number", "head_pattern"),
    [
        (2, r"Victor Eijkhout . TEX by Topic"),
        (5, r"Debian Reference \d+ / \d+"),
        (6, r"Chapter \d+: [A-Z][^.\n]{5,60} \d+\b"),
        (7, r"(?m)^Page \d+$"),
    ],
)
def test_known_running_head_never_reaches_the_listener(number: int, head_pattern: str) -> None:
    book = _book(number)
    assert re.search(head_pattern, _all_text(book)) is None
    assert any(re.search(head_pattern, block.text) for block in book.removed)


def _outline_top_level(number: int) -> list[str]:
    document = pdfium.PdfDocument(corpus_file(number))
    try:
        titles = [b.get_title().strip() for b in document.get_toc() if b.level == 0]
    finally:
        document.close()
    return [" ".join(title.split()) for title in titles if not is_skipped_title(title)]


@pytest.mark.parametrize("number", [1, 6])
def test_chapter_titles_are_the_outline_top_level_minus_front_matter(number: int) -> None:
    assert [chapter.title for chapter in _book(number).chapters] == _outline_top_level(number)


def test_contents_pages_are_skipped_and_recorded() -> None:
    book = _book(1)
    assert any(block.reason is RemovalReason.CONTENTS for block in book.removed)
    assert "List of Figures" not in [chapter.title for chapter in book.chapters]


def test_two_column_paper_reads_each_column_in_order() -> None:
    text = " ".join(_all_text(_book(4)).split())
    left_column = text.find("A blank input line tells TEX that the paragraph has ended.")
    right_column = text.find("The width-changing commands only take effect in two-column")
    assert 0 <= left_column < right_column
    # Page 4: this sentence runs from the foot of the left column to the top of the right.
    assert (
        "Giving a \\label{#1} command directly after the \\begin{subequations}, allows "
        "you to reference all the equations in the subequations environment." in text
    )


def test_ligatures_are_expanded_everywhere() -> None:
    for number in (1, 2):
        text = _all_text(_book(number))
        assert not re.search("[\ufb00-\ufb06\u0002\ufffe\ue000-\uf8ff]", text)
        assert "(cid:" not in text
    assert "figure" in _all_text(_book(1)).lower()


def test_real_compounds_keep_their_hyphen_and_syllable_breaks_close() -> None:
    text = _all_text(_book(1))
    for compound in ("Old-style", "data-ink", "Sans-serif"):
        assert compound in text
    assert "\ufffe" not in text
    # "upper- and lowercase" is the author's own suspended hyphen.
    assert not re.search(r"[a-z]- (?!and |or )[a-z]", text)
