"""File objects over byte sources that are not files: a window of a file, an HTTP body."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

READ_BUFFER_BYTES = 64 * 1024


class _RawSource(io.RawIOBase):
    def __init__(
        self, read: Callable[[int], bytes], close: Callable[[], None], limit: int | None
    ) -> None:
        super().__init__()
        self._read = read
        self._close = close
        self._remaining = limit

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer, /) -> int:
        view = memoryview(buffer).cast("B")
        wanted = len(view) if self._remaining is None else min(len(view), self._remaining)
        if wanted == 0:
            return 0
        data = self._read(wanted)
        view[: len(data)] = data
        if self._remaining is not None:
            self._remaining -= len(data)
        return len(data)

    def close(self) -> None:
        if not self.closed:
            try:
                self._close()
            finally:
                super().close()


def reader(
    read: Callable[[int], bytes], close: Callable[[], None], limit: int | None = None
) -> BinaryIO:
    """A buffered, read-only binary file object over `read(n)`, ending after `limit` bytes.

    `read` returns at most n bytes and b"" at the end; `close` releases the source and runs
    once, when the file object is closed.
    """
    return io.BufferedReader(_RawSource(read, close, limit), buffer_size=READ_BUFFER_BYTES)
