"""A scanned book goes through the whole reading side, and says which engine read it."""

from __future__ import annotations

import shutil

import pytest

from pdf2audiobook.pipeline.book_builder import build_book
from pdf2audiobook.pipeline.errors import NoTextError
from pdf2audiobook.pipeline.reading.reader import ReadOptions, read_pdf
from tests.conftest import corpus_file

needs_tesseract = pytest.mark.skipif(
    shutil.which("tesseract") is None, reason="Tesseract is not installed"
)


@needs_tesseract
def test_image_only_pages_are_read_by_ocr_and_recorded() -> None:
    book = build_book(read_pdf(corpus_file(11), ReadOptions()))
    assert [(page.page, page.engine) for page in book.ocr_pages] == [
        (1, "tesseract"),
        (2, "tesseract"),
        (3, "tesseract"),
    ]
    text = " ".join(chapter.text for chapter in book.chapters)
    truth = corpus_file(11).with_name(corpus_file(11).name + ".gt.txt").read_text()
    # Every long word of the source page should have been heard.
    long_words = {word.strip(".,;:()") for word in truth.split() if len(word) > 9}
    found = sum(1 for word in long_words if word in text)
    assert found >= 0.9 * len(long_words)


def test_without_ocr_an_image_only_pdf_is_a_no_text_error() -> None:
    with pytest.raises(NoTextError, match="no readable text"):
        read_pdf(corpus_file(11), ReadOptions(ocr=False))
