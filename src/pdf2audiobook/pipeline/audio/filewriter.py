"""What every audiobook writer shares: a `.partial` file, chapters counted in samples, and an
atomic rename into place once the file is complete."""

from __future__ import annotations

import contextlib
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Self

import numpy as np
import numpy.typing as npt

from pdf2audiobook.pipeline.audio.errors import (
    AudioEncodingError,
    AudioWriterStateError,
    EmptyChapterError,
    InvalidAudioArgumentError,
)
from pdf2audiobook.pipeline.audio.pcm import FloatArray, check_sample_rate, mono_block
from pdf2audiobook.pipeline.audio.tags import BookTags, ChapterMark, WrittenBook

_JPEG_SIGNATURE = b"\xff\xd8\xff"


@dataclass(frozen=True, slots=True)
class ChapterSpan:
    """A chapter as a half-open range of samples of the PCM that was written."""

    title: str
    start: int
    end: int


def partial_path_for(path: Path) -> Path:
    """Where a writer puts the file while it is being written: beside it, so the final
    rename stays on one file system and is atomic."""
    return path.with_name(path.name + ".partial")


class ChapteredFileWriter(ABC):
    """Streams one book's PCM into one open file, chapter by chapter, in constant memory.

    Subclasses encode blocks and, on close, add chapters, tags and cover. The file appears
    at `path` only after everything succeeded; on any failure, or when the `with` block
    exits with an exception, the partial file is deleted. Used without `with`, call
    `abort` when a step fails.

    Rules: audio belongs to a chapter, so `write` before the first `start_chapter` is an
    error, and every chapter must contain at least one sample (EmptyChapterError when the
    next chapter starts, or on close, if it does not).
    """

    # Samples a decoder outputs before the first sample written (MP3's encoder and decoder
    # delay). Chapter marks after the first are shifted by this much to stay on the audio.
    decoder_delay_samples = 0
    # Library errors that mean "the file could not be written" rather than a bug here.
    write_errors: tuple[type[Exception], ...] = (OSError,)

    def __init__(
        self, path: Path, sample_rate: int, tags: BookTags, cover_jpeg: bytes | None
    ) -> None:
        check_sample_rate(sample_rate)
        if not tags.title.strip():
            raise InvalidAudioArgumentError("The book has no title; every audiobook needs one.")
        if cover_jpeg is not None and not cover_jpeg.startswith(_JPEG_SIGNATURE):
            raise InvalidAudioArgumentError("The cover image is not a JPEG file.")
        self.path = path
        self.partial_path = partial_path_for(path)
        self.sample_rate = sample_rate
        self.tags = tags
        self.cover_jpeg = cover_jpeg
        self._titles: list[str] = []
        self._starts: list[int] = []
        self._samples_written = 0
        self._result: WrittenBook | None = None
        self._discarded = False
        try:
            with self._reporting_write_errors():
                self._open_stream()
        except BaseException:
            self.abort()
            raise

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    def start_chapter(self, title: str) -> None:
        """Begin a chapter at the current position.

        Raises InvalidAudioArgumentError for a blank title, EmptyChapterError if the current
        chapter has no audio, and AudioWriterStateError after close or abort.
        """
        self._check_open()
        if not title.strip():
            raise InvalidAudioArgumentError("A chapter title is blank; give every chapter one.")
        self._check_current_chapter_has_audio(before=title)
        self._titles.append(title.strip())
        self._starts.append(self._samples_written)

    def write(self, samples: FloatArray) -> None:
        """Append mono samples (float, full scale = 1.0) to the current chapter.

        Raises InvalidAudioArgumentError for anything but a 1-D array of finite floats,
        AudioWriterStateError before the first chapter or after close, and
        AudioEncodingError if the encoder or the disk fails.
        """
        self._check_open()
        if not self._titles:
            raise AudioWriterStateError("Start a chapter before writing audio.")
        block = mono_block(samples, np.float32)
        if block.size == 0:
            return
        with self._reporting_write_errors():
            self._encode(block, self._samples_written)
        self._samples_written += block.size

    def close(self) -> WrittenBook:
        """Finish the file, add chapters, tags and cover, and move it to `path`.

        Returns the same WrittenBook if called again. Raises EmptyChapterError if the book
        or its last chapter has no audio, AudioEncodingError if writing fails, and
        AudioWriterStateError after abort; in every failure the partial file is deleted.
        """
        if self._result is not None:
            return self._result
        self._check_open()
        try:
            if not self._titles:
                raise EmptyChapterError("The book has no chapters, so there is nothing to play.")
            self._check_current_chapter_has_audio(before=None)
            spans = self._spans()
            with self._reporting_write_errors():
                self._finish_stream(spans)
                self.partial_path.replace(self.path)
        except BaseException:
            self.abort()
            raise
        marks = [self._mark(span) for span in spans]
        self._result = WrittenBook(self.path, marks[-1].end, marks)
        return self._result

    @property
    def result(self) -> WrittenBook:
        """What `close` returned; for reading after the `with` block has closed the file.

        Raises AudioWriterStateError while the book is still being written or was aborted.
        """
        if self._result is None:
            raise AudioWriterStateError(f"{self.path.name} has not been finished.")
        return self._result

    def abort(self) -> None:
        """Stop writing and delete the partial file; never raises. Safe to call twice."""
        if self._discarded or self._result is not None:
            return
        self._discarded = True
        with contextlib.suppress(Exception):
            self._release_stream()
        with contextlib.suppress(OSError):
            self.partial_path.unlink(missing_ok=True)

    def _check_open(self) -> None:
        if self._result is not None or self._discarded:
            raise AudioWriterStateError(f"The writer for {self.path.name} is already closed.")

    def _check_current_chapter_has_audio(self, before: str | None) -> None:
        if self._starts and self._starts[-1] == self._samples_written:
            then = f" before '{before}' starts" if before is not None else ""
            raise EmptyChapterError(
                f"Chapter '{self._titles[-1]}' has no audio; write its samples{then}, "
                "or leave the chapter out."
            )

    def _spans(self) -> list[ChapterSpan]:
        ends = [*self._starts[1:], self._samples_written]
        return [
            ChapterSpan(title, start, end)
            for title, start, end in zip(self._titles, self._starts, ends, strict=True)
        ]

    def playback_position(self, sample: int) -> int:
        """Where `sample` of the written PCM plays in the decoded file, in samples."""
        return sample + self.decoder_delay_samples if sample > 0 else 0

    def _mark(self, span: ChapterSpan) -> ChapterMark:
        start = self.playback_position(span.start) / self.sample_rate
        return ChapterMark(span.title, start, self.playback_position(span.end) / self.sample_rate)

    @contextlib.contextmanager
    def _reporting_write_errors(self) -> Iterator[None]:
        try:
            yield
        except self.write_errors as error:
            raise AudioEncodingError(
                f"Could not write the audiobook {self.path.name}: {error}. Check that the "
                "folder exists, is writable and has free space."
            ) from error

    @abstractmethod
    def _open_stream(self) -> None:
        """Create `partial_path` and get the encoder ready."""

    @abstractmethod
    def _encode(self, block: npt.NDArray[np.float32], first_sample: int) -> None:
        """Encode one non-empty block that starts at sample `first_sample`."""

    @abstractmethod
    def _finish_stream(self, spans: list[ChapterSpan]) -> None:
        """Flush the encoder, write chapters, tags and cover, and close `partial_path`."""

    @abstractmethod
    def _release_stream(self) -> None:
        """Close whatever is open without finishing the file."""
