# mypy: disable-error-code="no-untyped-call"
# (mutagen ships py.typed but leaves its constructors and methods unannotated.)
"""M4B: AAC-LC in an iTunes-style MPEG-4 file, with chapters, tags and cover."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, cast

import av
import mutagen
import numpy as np
import numpy.typing as npt
from av.audio.frame import AudioFrame
from av.audio.stream import AudioStream
from av.container import OutputContainer
from mutagen.mp4 import MP4, MP4Cover, MP4FreeForm, MP4Tags

from pdf2audiobook.pipeline.audio.filewriter import ChapteredFileWriter, ChapterSpan
from pdf2audiobook.pipeline.audio.tags import BookTags

if TYPE_CHECKING:
    # A TypedDict that exists only in PyAV's stubs.
    from av.container.core import Chapter

BIT_RATE = 64_000
# iTunes "media kind" (stik) 2 = audiobook: Apple players file the book under Audiobooks.
_MEDIA_KIND_AUDIOBOOK = 2


class M4bWriter(ChapteredFileWriter):
    """Mono AAC-LC at 64 kbps, muxed by FFmpeg's `ipod` muxer with major brand `M4B `.

    Chapters are set after the last packet (the muxer writes them into the trailer, as a
    QuickTime chapter track and a Nero `chpl` list) with sample-exact start times. The
    priming samples of the encoder are hidden by an edit list, so playback time equals
    the PCM written. Tags and the cover are added by mutagen once FFmpeg has closed the
    file.
    """

    write_errors = (OSError, av.FFmpegError, mutagen.MutagenError)

    def __init__(
        self, path: Path, sample_rate: int, tags: BookTags, cover_jpeg: bytes | None
    ) -> None:
        self._container: OutputContainer | None = None
        self._stream: AudioStream | None = None
        super().__init__(path, sample_rate, tags, cover_jpeg)

    def _open_stream(self) -> None:
        # FFmpeg opens the output only when the header is written; create it now, so a
        # missing or read-only folder fails here rather than at the first chapter.
        self.partial_path.touch()
        self._container = open_m4b_container(self.partial_path)
        self._stream = self._container.add_stream("aac", rate=self.sample_rate, layout="mono")
        self._stream.bit_rate = BIT_RATE
        # FFmpeg's default AAC search ("twoloop") costs more CPU than the voice itself;
        # the fast coder is three times quicker and transparent on 64 kbps mono speech.
        self._stream.codec_context.options = {"aac_coder": "fast"}

    def _encode(self, block: npt.NDArray[np.float32], first_sample: int) -> None:
        container, stream = self._open_parts()
        frame = AudioFrame.from_ndarray(block.reshape(1, -1), format="flt", layout="mono")
        frame.sample_rate = self.sample_rate
        frame.time_base = Fraction(1, self.sample_rate)
        frame.pts = first_sample
        container.mux(stream.encode(frame))

    def _finish_stream(self, spans: list[ChapterSpan]) -> None:
        container, stream = self._open_parts()
        container.mux(stream.encode(None))
        set_m4b_chapters(container, spans, self.sample_rate)
        container.close()
        self._container = None
        write_m4b_tags(self.partial_path, self.tags, self.cover_jpeg)

    def _release_stream(self) -> None:
        if self._container is not None:
            container, self._container = self._container, None
            container.close()

    def _open_parts(self) -> tuple[OutputContainer, AudioStream]:
        if self._container is None or self._stream is None:
            raise RuntimeError("The M4B container is not open.")
        return self._container, self._stream


def open_m4b_container(path: Path) -> OutputContainer:
    """A new `ipod` (iTunes MPEG-4) output at `path` with major brand `M4B `."""
    return av.open(str(path), "w", format="ipod", options={"brand": "M4B "})


def set_m4b_chapters(
    container: OutputContainer, spans: Sequence[ChapterSpan], sample_rate: int
) -> None:
    """Give `container` one chapter per span, sample-exact; call it before closing.

    The muxer writes them into the trailer as a QuickTime chapter track and a Nero `chpl`
    list, so it may be called after the last packet.
    """
    time_base = Fraction(1, sample_rate)
    chapters: list[Chapter] = [
        {
            "id": number,
            "start": span.start,
            "end": span.end,
            "time_base": time_base,
            "metadata": {"title": span.title},
        }
        for number, span in enumerate(spans, start=1)
    ]
    container.set_chapters(chapters)


def write_m4b_tags(path: Path, book: BookTags, cover_jpeg: bytes | None) -> None:
    """Add the book's iTunes tags and cover to the closed M4B file at `path`, in place.

    Raises mutagen.MutagenError or OSError if the file cannot be read or rewritten.
    """
    audio = MP4(path)
    if audio.tags is None:
        audio.add_tags()
    tags = cast(MP4Tags, audio.tags)
    tags["©nam"] = [book.title]
    tags["©alb"] = [book.title]
    tags["©gen"] = [book.genre]
    tags["stik"] = [_MEDIA_KIND_AUDIOBOOK]
    if book.author:
        tags["©ART"] = [book.author]
        tags["aART"] = [book.author]
    if book.narrator:
        # Audiobookshelf takes narrators from the `composer` tag (©wrt in MP4); the
        # freeform NARRATOR atom is the explicit name other taggers use.
        tags["©wrt"] = [book.narrator]
        tags["----:com.apple.iTunes:NARRATOR"] = [MP4FreeForm(book.narrator.encode())]
    if book.year:
        tags["©day"] = [book.year]
    if book.comment:
        tags["©cmt"] = [book.comment]
    if cover_jpeg is not None:
        tags["covr"] = [MP4Cover(cover_jpeg, imageformat=MP4Cover.FORMAT_JPEG)]
    audio.save()
