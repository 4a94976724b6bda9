"""Serving stored audio: a presigned link where storage can make one, else the bytes with
HTTP Range support (players seek, and resume interrupted downloads)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO

from fastapi import Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from pdf2audiobook.service.jobs.api.schemas import DownloadLinkOut
from pdf2audiobook.service.kit.errors import ServiceError
from pdf2audiobook.service.storage.base import Storage
from pdf2audiobook.service.storage.disposition import content_disposition

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_BLOCK = 256 * 1024
_LONGEST_POSITION_DIGITS = 18
"""More digits than this is past the end of any file (and past int64): the position is
read as "beyond the end" without converting the digits."""
_BEYOND = 2**63


class RangeNotSatisfiable(ServiceError):
    status_code = 416


def _position(digits: str) -> int:
    return _BEYOND if len(digits) > _LONGEST_POSITION_DIGITS else int(digits)


def _parse_range(header: str, size: int) -> tuple[int, int] | None:
    """(first, last) inclusive for one byte range, None for a header we ignore.

    Raises RangeNotSatisfiable for a range that starts past the end of the file.
    """
    match = _RANGE.match(header.strip())
    if match is None or (not match.group(1) and not match.group(2)):
        return None
    if match.group(1):
        first = _position(match.group(1))
        last = _position(match.group(2)) if match.group(2) else size - 1
    else:
        suffix = _position(match.group(2))
        first, last = max(size - suffix, 0), size - 1
    if first >= size or first > last:
        # The header itself is not echoed: it is the client's, of any length.
        raise RangeNotSatisfiable(f"The range is outside the file ({size} bytes).")
    return first, min(last, size - 1)


def _stream(handle: BinaryIO, length: int) -> Iterator[bytes]:
    with handle:
        remaining = length
        while remaining > 0:
            block = handle.read(min(_BLOCK, remaining))
            if not block:
                return
            remaining -= len(block)
            yield block


def audio_response(
    request: Request,
    storage: Storage,
    key: str,
    filename: str,
    media_type: str,
    link_seconds: int,
) -> Response:
    link = storage.download_link(key, filename, link_seconds)
    if link is not None:
        body = DownloadLinkOut(url=link.url, expires_at=link.expires_at)
        return JSONResponse(body.model_dump(mode="json"))
    size = storage.size(key)
    headers = {
        "Accept-Ranges": "bytes",
        "Content-Disposition": content_disposition(filename, "audiobook"),
    }
    wanted = request.headers.get("range")
    span = _parse_range(wanted, size) if wanted else None
    if span is None:
        headers["Content-Length"] = str(size)
        return StreamingResponse(
            _stream(storage.open_read(key), size), media_type=media_type, headers=headers
        )
    first, last = span
    length = last - first + 1
    headers["Content-Range"] = f"bytes {first}-{last}/{size}"
    headers["Content-Length"] = str(length)
    return StreamingResponse(
        _stream(storage.open_range(key, first, last), length),
        status_code=206,
        media_type=media_type,
        headers=headers,
    )
