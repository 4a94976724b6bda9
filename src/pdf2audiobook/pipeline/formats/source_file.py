"""Reading a book file within the size limit, and a text file's bytes as text.

Text files are decoded as the format sniffer decodes them (`formats.encoding`), so a file
taken for text there reads as the same text here.
"""

from __future__ import annotations

from pathlib import Path

from pdf2audiobook.pipeline.errors import FileTooLargeError, InvalidDocumentError
from pdf2audiobook.pipeline.formats.encoding import decode_text
from pdf2audiobook.pipeline.reading.limits import MIB, ReadLimits


def check_file_size(path: Path, limits: ReadLimits, kind: str) -> int:
    """The size of `path` in bytes, within `limits.max_file_bytes`.

    Raises InvalidDocumentError when the file cannot be read or is empty, and
    FileTooLargeError past the limit. `kind` names the format in messages.
    """
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InvalidDocumentError(f"Cannot read {path.name}: {exc.strerror}.") from None
    if size == 0:
        raise InvalidDocumentError(f"{path.name} is empty: there is no {kind} to read.")
    if size > limits.max_file_bytes:
        raise FileTooLargeError(
            f"{path.name} is {_megabytes(size)}; {kind} files of at most "
            f"{_megabytes(limits.max_file_bytes)} are read. Split the book and try again."
        )
    return size


def read_text_file(path: Path, limits: ReadLimits, kind: str) -> str:
    """The text of `path`, decoded, with line ends made "\\n".

    Raises InvalidDocumentError for an unreadable, empty, blank or binary file, and
    FileTooLargeError past the file size limit.
    """
    check_file_size(path, limits, kind)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidDocumentError(f"Cannot read {path.name}: {exc.strerror}.") from None
    text = decode_text(data)
    if text is None:
        raise InvalidDocumentError(
            f"{path.name} is not a {kind} file: it holds binary data, not text. Choose the "
            f"book's {kind} file (saved as UTF-8), or a PDF, EPUB or Word document."
        )
    if not text.strip():
        raise InvalidDocumentError(f"{path.name} holds only blank space: there is nothing to read.")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _megabytes(size: int) -> str:
    return f"{size / MIB:,.1f} MB" if size < 10 * MIB else f"{size / MIB:,.0f} MB"
