"""Receiving an uploaded PDF: counted as it streams, sniffed from its bytes, stored by our key."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fastapi import UploadFile

from pdf2audiobook.service.kit.errors import BadRequest, PayloadTooLarge, UnsupportedMediaType

_MAGIC = b"%PDF-"
_MAGIC_WINDOW = 1024
_COPY_BLOCK = 1024 * 1024


@contextmanager
def spooled_pdf(upload: UploadFile, max_bytes: int) -> Iterator[Path]:
    """The upload as a temporary PDF file, removed afterwards.

    Raises PayloadTooLarge past `max_bytes`, UnsupportedMediaType when the bytes are not a
    PDF (whatever the client's name or content type say) and BadRequest when empty.
    """
    with tempfile.NamedTemporaryFile(prefix="pdf2audiobook-upload-", suffix=".pdf") as spool:
        size = 0
        head = b""
        while block := upload.file.read(_COPY_BLOCK):
            size += len(block)
            if size > max_bytes:
                raise PayloadTooLarge(
                    f"The file is larger than the {max_bytes // (1024 * 1024)} MB limit."
                )
            if len(head) < _MAGIC_WINDOW:
                head += block[: _MAGIC_WINDOW - len(head)]
            spool.write(block)
        if size == 0:
            raise BadRequest("The uploaded file is empty.")
        if _MAGIC not in head:
            raise UnsupportedMediaType("The uploaded file is not a PDF.")
        spool.flush()
        yield Path(spool.name)
