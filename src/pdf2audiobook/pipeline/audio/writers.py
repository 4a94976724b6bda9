"""Open an audiobook writer for M4B or MP3 by name."""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import Literal, Protocol, Self

from pdf2audiobook.pipeline.audio.errors import InvalidAudioArgumentError
from pdf2audiobook.pipeline.audio.m4b import M4bWriter
from pdf2audiobook.pipeline.audio.mp3 import Mp3Writer
from pdf2audiobook.pipeline.audio.pcm import FloatArray
from pdf2audiobook.pipeline.audio.tags import BookTags, ChapterMark, WrittenBook

__all__ = ["AudiobookFormat", "AudiobookWriter", "BookTags", "ChapterMark", "WrittenBook"]

AudiobookFormat = Literal["m4b", "mp3"]


class AudiobookWriter(Protocol):
    """One audiobook file being written, chapter by chapter, in constant memory.

    Use it as a context manager: leaving the block normally finishes the file (as `close`
    does; `result` then holds what it returned), leaving it with an exception deletes the
    partial file.
    """

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...

    def start_chapter(self, title: str) -> None: ...

    def write(self, samples: FloatArray) -> None: ...

    def close(self) -> WrittenBook: ...

    @property
    def result(self) -> WrittenBook: ...

    def abort(self) -> None: ...


def open_writer(
    path: Path,
    fmt: AudiobookFormat,
    sample_rate: int,
    tags: BookTags,
    cover_jpeg: bytes | None,
) -> AudiobookWriter:
    """Start writing `path` as `fmt`; the file appears there only when `close` succeeds.

    Until then the audio goes to `<path>.partial` in the same folder. Raises
    InvalidAudioArgumentError for an unknown format, an unsupported sample rate, a blank
    title or a cover that is not JPEG, and AudioEncodingError if the file cannot be created.
    """
    if fmt == "m4b":
        return M4bWriter(path, sample_rate, tags, cover_jpeg)
    if fmt == "mp3":
        return Mp3Writer(path, sample_rate, tags, cover_jpeg)
    raise InvalidAudioArgumentError(f"Unknown audiobook format {fmt!r}; use 'm4b' or 'mp3'.")
