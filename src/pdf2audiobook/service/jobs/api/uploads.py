"""Receiving an uploaded book: counted as it streams, sniffed from its bytes, stored by our key."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from fastapi import UploadFile

from pdf2audiobook.pipeline.errors import PipelineError, UnsupportedFormatError
from pdf2audiobook.pipeline.formats.sniff import FORMAT_INFO, SourceFormat, sniff_format
from pdf2audiobook.pipeline.reading.limits import ReadLimits
from pdf2audiobook.service.jobs.lifecycle.file_names import display_name
from pdf2audiobook.service.kit.errors import BadRequest, PayloadTooLarge, UnsupportedMediaType

_COPY_BLOCK = 1024 * 1024


@dataclass(frozen=True, slots=True)
class SpooledBook:
    path: Path
    """The upload on disk, named after the client's file with the suffix of its real format."""
    format: SourceFormat

    @property
    def media_type(self) -> str:
        return FORMAT_INFO[self.format].media_type

    @property
    def suffix(self) -> str:
        return FORMAT_INFO[self.format].suffix


@contextmanager
def spooled_book(upload: UploadFile, max_bytes: int, limits: ReadLimits) -> Iterator[SpooledBook]:
    """The upload as a temporary file of a known format, removed afterwards.

    The file is named after the client's file name, made safe, inside a private folder: the
    reader's messages name the file, and must name the user's book, never a temporary path.
    Raises PayloadTooLarge past `max_bytes`, BadRequest when empty or when its container is
    damaged or hostile, and UnsupportedMediaType (listing what is accepted) when the bytes
    are of no format the pipeline reads, whatever the client's name or content type say.
    """
    with tempfile.TemporaryDirectory(prefix="pdf2audiobook-upload-") as folder:
        path = Path(folder) / display_name(upload.filename)
        with path.open("wb") as spool:
            size = 0
            while block := upload.file.read(_COPY_BLOCK):
                size += len(block)
                if size > max_bytes:
                    raise PayloadTooLarge(
                        f"The file is larger than the {max_bytes // (1024 * 1024)} MB limit."
                    )
                spool.write(block)
        if size == 0:
            raise BadRequest("The uploaded file is empty.")
        try:
            source_format = sniff_format(path, limits)
        except UnsupportedFormatError as error:
            raise UnsupportedMediaType(error.public_message) from None
        except PipelineError as error:
            raise BadRequest(error.public_message) from None
        named = path.with_name(display_name(upload.filename, source_format))
        if named != path:
            path = path.rename(named)
        yield SpooledBook(path, source_format)
