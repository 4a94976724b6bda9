"""Cheap checks on the raw bytes, made before any parser touches the file."""

from __future__ import annotations

import re
from pathlib import Path

from pdf2audiobook.pipeline.errors import InvalidPdfError, PdfTooLargeError
from pdf2audiobook.pipeline.reading.limits import MIB, ReadLimits

_MAGIC = b"%PDF-"
_MAGIC_WINDOW = 1024
_USER_UNIT = re.compile(rb"/UserUnit\s+([0-9]*\.?[0-9]+)")


def check_file(path: Path, limits: ReadLimits) -> None:
    """Refuse what is plainly not a readable PDF, before spending any parsing on it.

    Raises InvalidPdfError for a missing, empty or non-PDF file and PdfTooLargeError
    for a file over the size limit.
    """
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InvalidPdfError(f"No such file: {path}") from None
    except OSError as exc:
        raise InvalidPdfError(f"Cannot open {path}: {exc.strerror}") from None
    if not path.is_file():
        raise InvalidPdfError(f"{path} is not a file.")
    if size == 0:
        raise InvalidPdfError(f"{path.name} is empty (0 bytes): upload the PDF again.")
    if size > limits.max_file_bytes:
        raise PdfTooLargeError(
            f"{path.name} is {size / MIB:.0f} MB; the limit is "
            f"{limits.max_file_bytes / MIB:.0f} MB."
        )
    with path.open("rb") as handle:
        head = handle.read(_MAGIC_WINDOW)
    if _MAGIC not in head:
        raise InvalidPdfError(
            f"{path.name} is not a PDF file (it does not start with a PDF header)."
        )


def largest_user_unit(path: Path) -> float:
    """The largest /UserUnit the file declares, or 1.0.

    pdfium reports page sizes without UserUnit, so a page can claim to be 75 times
    larger than it looks; scanning the bytes once is cheaper than parsing objects and
    errs on the side of a smaller render.
    """
    largest = 1.0
    with path.open("rb") as handle:
        data = handle.read()
    for match in _USER_UNIT.finditer(data):
        try:
            largest = max(largest, float(match.group(1)))
        except ValueError:
            continue
    return largest
