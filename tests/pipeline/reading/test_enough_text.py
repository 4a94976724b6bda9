"""A document with far too few words for its pages is refused; no real book is.

Words per page of each corpus file's text layer, as measured by the test below:

| file | words | pages | words/page |
|---|---|---|---|
| 01 memdesign | 44,154 | 139 | 318 |
| 02 TeX by Topic | 99,987 | 317 | 315 |
| 03 ACM paper | 4,287 | 6 | 715 |
| 04 APS paper | 4,504 | 7 | 643 |
| 05 Debian reference | 80,221 | 261 | 307 |
| 06 R intro | 36,419 | 113 | 322 |
| 07 ReportLab guide | 40,511 | 134 | 302 |
| 08 source2e | 320,867 | 1221 | 263 |
| 13 maint-guide | 23,461 | 63 | 372 |
| sample book | 2,390 | 10 | 239 |
| 11 scan, after OCR (its ground truth) | 1,356 | 3 | 452 |
| 09, 10, 11 scans, text layer only | 0, 17, 0 | 1, 6, 3 | under 3 |
| 15 and the synthetic bombs | 1 per page | 1 to 4 | 1 to 2 |

The threshold, 5 words a page, sits far below every real book and above every file whose
text is in pictures.
"""

from __future__ import annotations

from pathlib import Path

import pypdfium2 as pdfium
import pytest

from pdf2audiobook.pipeline.errors import NoTextError
from pdf2audiobook.pipeline.reading.enough_text import (
    MIN_WORDS_PER_PAGE,
    check_enough_text,
    count_words,
    has_enough_words,
)
from pdf2audiobook.pipeline.reading.reader import ReadOptions, read_pdf
from tests.conftest import CORPUS, SAMPLE_BOOK, corpus_file
from tests.pipeline.reading.sparse_pdfs import near_empty_pdf

BOOKS_WITH_TEXT = (1, 2, 3, 4, 5, 6, 7, 8, 13)
SCANS = (9, 10, 11)
"""Image pages: they have words only once OCR has read them."""
NOT_BOOKS = (12, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25)
"""Encrypted, damaged and hostile files: tests/pipeline/reading/test_hostile_pdfs.py says
what each one gives, the refusals of this rule included."""


def _text_layer_words(path: Path) -> tuple[int, int]:
    """(words, pages) of the text layer alone: no layout, no OCR, so the corpus is quick."""
    document = pdfium.PdfDocument(path)
    try:
        words = 0
        for index in range(len(document)):
            page = document[index]
            textpage = page.get_textpage()
            words += count_words([textpage.get_text_bounded()])
            textpage.close()
            page.close()
        return words, len(document)
    finally:
        document.close()


def test_every_corpus_file_is_classified_for_the_rule() -> None:
    numbers = {int(path.name[:2]) for path in CORPUS.glob("*.pdf")}
    assert numbers == set(BOOKS_WITH_TEXT) | set(SCANS) | set(NOT_BOOKS)


@pytest.mark.parametrize("number", BOOKS_WITH_TEXT)
def test_no_corpus_book_with_a_text_layer_is_refused(number: int) -> None:
    words, pages = _text_layer_words(corpus_file(number))
    assert has_enough_words(words, pages)
    # Far above the line, not just over it: the sparsest book has 50 times the minimum.
    assert words / pages > 40 * MIN_WORDS_PER_PAGE, f"{words} words on {pages} pages"


def test_the_sample_book_is_not_refused() -> None:
    words, pages = _text_layer_words(SAMPLE_BOOK)
    assert has_enough_words(words, pages), f"{words} words on {pages} pages"


@pytest.mark.parametrize("number", SCANS)
def test_a_scan_read_without_ocr_has_too_few_words(number: int) -> None:
    words, pages = _text_layer_words(corpus_file(number))
    assert not has_enough_words(words, pages), f"{words} words on {pages} pages"


def test_a_scan_has_enough_words_once_its_text_is_read() -> None:
    scan = corpus_file(11)
    truth = scan.with_name(scan.name + ".gt.txt").read_text()
    pages = len(truth.split("\f"))
    assert pages == 3
    assert has_enough_words(count_words([truth]), pages)


def test_near_empty_pdf_is_refused_with_its_counts_and_what_to_try(tmp_path: Path) -> None:
    pdf = near_empty_pdf(tmp_path / "book.pdf")
    with pytest.raises(NoTextError) as refused:
        read_pdf(pdf, ReadOptions(ocr=False))
    assert refused.value.message == (
        "book.pdf has 13 words on 31 pages: too little to read aloud. "
        "If the pages are scanned images, convert with OCR on; otherwise try another file."
    )


def test_near_empty_pdf_read_with_ocr_says_ocr_found_nothing_more(tmp_path: Path) -> None:
    pdf = near_empty_pdf(tmp_path / "book.pdf")
    with pytest.raises(NoTextError, match=r"has 13 words on 31 pages.*OCR could not read"):
        read_pdf(pdf, ReadOptions(ocr=True))


@pytest.mark.parametrize(
    ("words", "pages", "counts"),
    [(0, 1, "0 words on 1 page"), (1, 3, "1 word on 3 pages"), (4_999, 1_000, "4,999 words")],
)
def test_refusal_counts_read_as_english(words: int, pages: int, counts: str) -> None:
    with pytest.raises(NoTextError, match=counts):
        check_enough_text("book.pdf", words, pages, ocr_was_on=True)


def test_five_words_a_page_is_enough() -> None:
    check_enough_text("book.pdf", 5_000, 1_000, ocr_was_on=False)


def test_words_are_runs_with_a_letter_or_digit() -> None:
    assert count_words(["The cat - sat", "", "  42 … (b)  "]) == 5
