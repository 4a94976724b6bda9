"""Receiving an uploaded PDF: counted as it streams, sniffed from its bytes, stored by our key."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePath

from fastapi import UploadFile

from pdf2audiobook.service.kit.errors import BadRequest, PayloadTooLarge, UnsupportedMediaType

_MAGIC = b"%PDF-"
_MAGIC_WINDOW = 1024
_COPY_BLOCK = 1024 * 1024


_UNSAFE = re.compile(r"[^\w .,()'&+-]+")
_MAX_NAME = 80


def display_name(filename: str | None) -> str:
    """A file name fit to show in a message and to create on disk: the client's own
    name's last part, without control or path characters, ending in `.pdf`."""
    name = _UNSAFE.sub("", PurePath((filename or "").replace("\\", "/")).name).strip(" .")
    stem = name[:-4] if name.lower().endswith(".pdf") else name
    return f"{(stem or 'book')[:_MAX_NAME]}.pdf"


@contextmanager
def spooled_pdf(upload: UploadFile, max_bytes: int) -> Iterator[Path]:
    """The upload as a temporary PDF file, removed afterwards.

    The file is named after the client's file name, made safe, inside a private folder: the
    reader's messages name the file, and must name the user's book, never a temporary path.
    Raises PayloadTooLarge past `max_bytes`, UnsupportedMediaType when the bytes are not a
    PDF (whatever the client's name or content type say) and BadRequest when empty.
    """
    with (
        tempfile.TemporaryDirectory(prefix="pdf2audiobook-upload-") as folder,
        (Path(folder) / display_name(upload.filename)).open("w+b") as spool,
    ):
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
