"""Pages with ink but (almost) no text layer go to OCR; pages whose text layer is the text
keep it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from pdf2audiobook.pipeline.reading.ocr.registry import available_engines
from pdf2audiobook.pipeline.reading.ocr_choice import (
    MIN_DRAWN_GLYPHS,
    drawn_glyph_count,
    page_wants_ocr,
)
from pdf2audiobook.pipeline.reading.reader import ReadOptions, read_pdf
from tests.conftest import corpus_file
from tests.pipeline.reading.sparse_pdfs import PROSE, drawn_lettering_pdf, stamped_scan_pdf


@contextmanager
def _first_page(path: Path) -> Iterator[tuple[pdfium.PdfPage, int]]:
    """The first page of `path` and the non-space characters of its text layer."""
    document = pdfium.PdfDocument(path)
    try:
        page = document[0]
        textpage = page.get_textpage()
        text = textpage.get_text_bounded()
        textpage.close()
        yield page, sum(1 for character in text if not character.isspace())
        page.close()
    finally:
        document.close()


def test_page_of_drawn_lettering_under_a_page_number_goes_to_ocr(tmp_path: Path) -> None:
    with _first_page(drawn_lettering_pdf(tmp_path / "outlined.pdf")) as (page, characters):
        assert characters == 1  # the page number
        assert drawn_glyph_count(page) >= MIN_DRAWN_GLYPHS
        assert page_wants_ocr(page, characters)


def test_a_line_of_drawn_lettering_is_too_little_to_read_again(tmp_path: Path) -> None:
    # A logo or a drawn title is a handful of shapes, not a page of text.
    pdf = drawn_lettering_pdf(tmp_path / "logo.pdf", lines=["Riverside Press"])
    with _first_page(pdf) as (page, characters):
        assert not page_wants_ocr(page, characters)


def test_scan_with_a_visible_stamp_of_a_few_words_goes_to_ocr(tmp_path: Path) -> None:
    with _first_page(stamped_scan_pdf(tmp_path / "stamped.pdf")) as (page, characters):
        assert 20 < characters < 200
        assert page_wants_ocr(page, characters)


def test_scan_with_a_stamp_as_long_as_a_page_of_text_keeps_its_text_layer(
    tmp_path: Path,
) -> None:
    stamp = " ".join(["A long notice printed over the foot of the page."] * 6)
    with _first_page(stamped_scan_pdf(tmp_path / "noticed.pdf", stamp=stamp)) as (
        page,
        characters,
    ):
        assert characters >= 200
        assert not page_wants_ocr(page, characters)


def test_scan_whose_few_words_are_an_invisible_ocr_layer_keeps_that_layer() -> None:
    # Corpus file 10, page 4: a chart scanned with an OCR layer of 17 words already made.
    document = pdfium.PdfDocument(corpus_file(10))
    try:
        page = document[3]
        textpage = page.get_textpage()
        characters = len(textpage.get_text_bounded().replace(" ", ""))
        textpage.close()
        assert 20 <= characters < 200
        assert not page_wants_ocr(page, characters)
    finally:
        document.close()


@pytest.mark.parametrize("number", [1, 5, 7])
def test_no_page_of_a_born_digital_book_with_figures_goes_to_ocr(number: int) -> None:
    document = pdfium.PdfDocument(corpus_file(number))
    try:
        wanted = []
        for index in range(len(document)):
            page = document[index]
            textpage = page.get_textpage()
            text = textpage.get_text_bounded()
            textpage.close()
            if page_wants_ocr(page, sum(1 for ch in text if not ch.isspace())):
                wanted.append(index + 1)
            page.close()
        assert wanted == []
    finally:
        document.close()


@pytest.mark.skipif(not available_engines(), reason="no OCR engine can run here")
def test_drawn_lettering_is_read_aloud_after_ocr(tmp_path: Path) -> None:
    raw = read_pdf(drawn_lettering_pdf(tmp_path / "outlined.pdf"), ReadOptions())
    page = raw.pages[0]
    assert page.ocr_engine is not None
    heard = " ".join(line.text for line in page.lines)
    found = [word for word in " ".join(PROSE).split() if word in heard]
    assert len(found) >= 0.9 * len(" ".join(PROSE).split())
