"""Opening a PDF with pdfium and turning its failures into messages a person understands."""

from __future__ import annotations

import itertools
from pathlib import Path

import pypdfium2 as pdfium

from pdf2audiobook.pipeline.document import OutlineEntry
from pdf2audiobook.pipeline.errors import (
    InvalidPdfError,
    PasswordRequiredError,
    PdfTooLargeError,
    WrongPasswordError,
)
from pdf2audiobook.pipeline.reading.limits import ReadLimits

# FPDF_GetLastError codes, from pdfium's public header.
_ERR_SUCCESS = 0
_ERR_FILE = 2
_ERR_FORMAT = 3
_ERR_PASSWORD = 4
_ERR_SECURITY = 5


def open_document(path: Path, password: str | None) -> pdfium.PdfDocument:
    """Open `path`, raising a typed PipelineError for every way that can fail."""
    try:
        return pdfium.PdfDocument(path, password=password)
    except pdfium.PdfiumError as exc:
        code = getattr(exc, "err_code", None)
        if code == _ERR_PASSWORD:
            if password:
                raise WrongPasswordError(
                    f"The password given for {path.name} is not correct."
                ) from None
            raise PasswordRequiredError(
                f"{path.name} is protected by a password. "
                "Give the password to open it (--password on the command line)."
            ) from None
        if code == _ERR_SECURITY:
            raise InvalidPdfError(
                f"{path.name} uses an encryption scheme that cannot be opened."
            ) from None
        if code == _ERR_SUCCESS:
            # pdfium fails with "success" when the page tree is empty (/Count 0).
            raise InvalidPdfError(f"{path.name} has no pages.") from None
        if code == _ERR_FILE:
            raise InvalidPdfError(f"{path.name} could not be read from disk.") from None
        raise InvalidPdfError(
            f"{path.name} is damaged or incomplete and cannot be opened as a PDF "
            "(it may have been cut off during upload)."
        ) from None


def checked_page_count(document: pdfium.PdfDocument, name: str, limits: ReadLimits) -> int:
    """The page count, refused when zero or above the limit, read before any page loop."""
    count = len(document)
    if count <= 0:
        raise InvalidPdfError(f"{name} has no pages.")
    if count > limits.max_pages:
        raise PdfTooLargeError(
            f"{name} has {count:,} pages; the limit is {limits.max_pages:,} pages."
        )
    return count


def read_metadata(document: pdfium.PdfDocument) -> dict[str, str]:
    metadata: dict[str, str] = {}
    for key in ("Title", "Author", "Subject"):
        try:
            value = document.get_metadata_value(key)
        except pdfium.PdfiumError:
            continue
        if value and value.strip():
            metadata[key] = value.strip()
    return metadata


def read_outline(
    document: pdfium.PdfDocument, page_count: int, limits: ReadLimits
) -> tuple[OutlineEntry, ...]:
    """Outline entries in document order, capped in depth and number.

    pdfium stops on cyclic outlines itself; the caps keep a giant one cheap.
    """
    entries: list[OutlineEntry] = []
    try:
        bookmarks = document.get_toc(max_depth=limits.max_outline_depth)
        for bookmark in itertools.islice(bookmarks, limits.max_outline_entries):
            title = bookmark.get_title() or ""
            destination = bookmark.get_dest()
            index = destination.get_index() if destination is not None else None
            page = index + 1 if index is not None and 0 <= index < page_count else None
            entries.append(OutlineEntry(title=title.strip(), level=bookmark.level, page=page))
    except pdfium.PdfiumError:
        # A broken outline costs the chapter markers it would have given, not the book.
        return tuple(entries)
    return tuple(entries)
