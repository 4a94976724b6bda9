"""Every damaged, encrypted and hostile corpus file ends in a typed error or a real result.

The limits below are the bounds each file is held to: the sandbox kills the reader
when it overruns its deadline or memory, which would surface as ResourceLimitError
instead of the outcome asserted here.
"""

from __future__ import annotations

import pytest

from pdf2audiobook.pipeline.errors import (
    InvalidPdfError,
    NoTextError,
    PasswordRequiredError,
    PdfTooLargeError,
    PipelineError,
    ResourceLimitError,
    WrongPasswordError,
)
from pdf2audiobook.pipeline.reading.limits import MIB, ReadLimits
from pdf2audiobook.pipeline.reading.reader import ReadOptions, read_pdf
from tests.conftest import corpus_file

BOUNDED = ReadLimits(memory_bytes=2048 * MIB, base_seconds=20.0, seconds_per_ocr_page=60.0)


def _read(number: int, password: str | None = None, ocr: bool = True) -> list[str]:
    raw = read_pdf(corpus_file(number), ReadOptions(password=password, ocr=ocr, limits=BOUNDED))
    return [line.text for page in raw.pages for line in page.lines]


@pytest.mark.parametrize(
    ("number", "error", "words_in_message"),
    [
        (12, PasswordRequiredError, "password"),
        (14, NoTextError, "no readable text"),
        (16, InvalidPdfError, "damaged or incomplete"),
        (17, NoTextError, "no readable text"),
        (18, InvalidPdfError, "not a PDF"),
        (19, InvalidPdfError, "no pages"),
        (20, PdfTooLargeError, "20,000 pages"),
        (23, ResourceLimitError, "memory"),
        (25, PdfTooLargeError, "1,000,000 pages"),
    ],
)
def test_hostile_pdf_fails_with_typed_error_and_clear_message(
    number: int, error: type[PipelineError], words_in_message: str
) -> None:
    with pytest.raises(error) as caught:
        _read(number)
    assert words_in_message in caught.value.message
    assert corpus_file(number).name in caught.value.message or number == 23


def test_encrypted_pdf_opens_with_its_password() -> None:
    # The file is a chart with no text layer: getting as far as "no text" proves it opened.
    with pytest.raises(NoTextError):
        _read(12, password="user", ocr=False)


def test_encrypted_pdf_with_wrong_password_says_so() -> None:
    with pytest.raises(WrongPasswordError, match="not correct"):
        _read(12, password="guess")


def test_owner_only_encryption_is_read_like_any_pdf() -> None:
    lines = _read(13)
    assert any("Debian New Maintainers" in line for line in lines)
    assert len(lines) > 1000


@pytest.mark.parametrize(
    ("number", "counts"),
    [
        (15, "4 words on 4 pages"),
        (21, "4 words on 2 pages"),
        (22, "2 words on 1 page"),
        (24, "3 words on 3 pages"),
    ],
)
def test_malformed_but_readable_pdf_is_read_to_the_end_and_refused_as_near_empty(
    number: int, counts: str
) -> None:
    # Each page holds one label ("Potato", "Loop"): the count proves every page was read.
    with pytest.raises(NoTextError) as refused:
        _read(number)
    assert refused.value.message.startswith(f"{corpus_file(number).name} has {counts}:")
