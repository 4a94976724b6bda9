# mypy: disable-error-code="no-untyped-call"
# (mutagen ships py.typed but leaves its constructors and methods unannotated.)
"""MP3: LAME-encoded mono with an ID3v2.3 tag holding chapters (CHAP/CTOC), tags and cover."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

import lameenc
import mutagen
import numpy as np
import numpy.typing as npt
from mutagen.id3 import (
    APIC,
    CHAP,
    COMM,
    CTOC,
    ID3,
    TALB,
    TCOM,
    TCON,
    TDRC,
    TIT2,
    TPE1,
    TPE2,
    TXXX,
    CTOCFlags,
    Encoding,
    PictureType,
)

from pdf2audiobook.pipeline.audio.filewriter import ChapteredFileWriter, ChapterSpan
from pdf2audiobook.pipeline.audio.id3_order import order_chapter_frames
from pdf2audiobook.pipeline.audio.tags import BookTags, ChapterMark

BIT_RATE_KBPS = 64
# LAME's "-q 2", its recommended high-quality search. At 64 kbps mono it encodes 130-210x
# realtime per CPU-second here (-q 5: about 2.5x faster); CBR, so the size never changes.
LAME_QUALITY = 2
# ID3v2.3 rather than 2.4: Windows Explorer and many older players read only 2.3.
_ID3_VERSION = 3
_INT16_FULL_SCALE = 32767


class Mp3Writer(ChapteredFileWriter):
    """Constant 64 kbps mono MP3, streamed frame by frame to the file by lameenc.

    The tag goes in after the last frame, when the chapters are known; mutagen inserts it
    at the front of the file by moving the audio in place, in constant memory.

    lameenc writes no LAME/Xing header, so decoders do not trim the encoder delay: sample n
    of the PCM plays as sample n + 1105 of the decoded file (576 samples of encoder delay
    plus 529 of decoder delay; cross-correlated with FFmpeg's decoder at every supported
    rate). Chapter marks after the first are shifted by that much, so each lands on its
    chapter's first sample.
    """

    decoder_delay_samples = 576 + 529
    write_errors = (OSError, mutagen.MutagenError)

    def __init__(
        self, path: Path, sample_rate: int, tags: BookTags, cover_jpeg: bytes | None
    ) -> None:
        self._file: IO[bytes] | None = None
        self._encoder: Any = None
        super().__init__(path, sample_rate, tags, cover_jpeg)

    def _open_stream(self) -> None:
        encoder = lameenc.Encoder()
        encoder.set_bit_rate(BIT_RATE_KBPS)
        encoder.set_in_sample_rate(self.sample_rate)
        encoder.set_out_sample_rate(self.sample_rate)
        encoder.set_channels(1)
        encoder.set_quality(LAME_QUALITY)
        self._encoder = encoder
        self._file = self.partial_path.open("wb")

    def _encode(self, block: npt.NDArray[np.float32], first_sample: int) -> None:
        del first_sample  # MP3 frames carry no timestamps; position is implied by order
        pcm = np.rint(np.clip(block, -1.0, 1.0) * _INT16_FULL_SCALE).astype("<i2")
        self._open_file().write(bytes(self._encoder.encode(pcm.tobytes())))

    def _finish_stream(self, spans: list[ChapterSpan]) -> None:
        output = self._open_file()
        output.write(bytes(self._encoder.flush()))
        output.close()
        self._file = None
        marks = [self._mark(span) for span in spans]
        write_mp3_tags(self.partial_path, self.tags, self.cover_jpeg, marks)

    def _release_stream(self) -> None:
        if self._file is not None:
            output, self._file = self._file, None
            output.close()

    def _open_file(self) -> IO[bytes]:
        if self._file is None:
            raise RuntimeError("The MP3 file is not open.")
        return self._file


def write_mp3_tags(
    path: Path, book: BookTags, cover_jpeg: bytes | None, chapters: Sequence[ChapterMark]
) -> None:
    """Put the book's ID3v2.3 tag (tags, cover, CHAP per chapter, one CTOC) at the front of
    the untagged MP3 at `path`, with the CHAP frames in chronological order.

    mutagen moves the audio in place to make room, in constant memory. Raises OSError or
    mutagen.MutagenError if the file cannot be rewritten.
    """
    _book_tag(book, cover_jpeg, chapters).save(path, v2_version=_ID3_VERSION)
    order_chapter_frames(path)


def _book_tag(book: BookTags, cover_jpeg: bytes | None, chapters: Sequence[ChapterMark]) -> ID3:
    tag = ID3()
    tag.add(TIT2(encoding=Encoding.UTF8, text=[book.title]))
    tag.add(TALB(encoding=Encoding.UTF8, text=[book.title]))
    tag.add(TCON(encoding=Encoding.UTF8, text=[book.genre]))
    if book.author:
        tag.add(TPE1(encoding=Encoding.UTF8, text=[book.author]))
        tag.add(TPE2(encoding=Encoding.UTF8, text=[book.author]))
    if book.narrator:
        # Audiobookshelf reads narrators from the composer frame (TCOM); TXXX:NARRATOR
        # is the explicit name other taggers use.
        tag.add(TCOM(encoding=Encoding.UTF8, text=[book.narrator]))
        tag.add(TXXX(encoding=Encoding.UTF8, desc="NARRATOR", text=[book.narrator]))
    if book.year:
        tag.add(TDRC(encoding=Encoding.UTF8, text=[book.year]))
    if book.comment:
        tag.add(COMM(encoding=Encoding.UTF8, lang="eng", desc="", text=[book.comment]))
    if cover_jpeg is not None:
        tag.add(
            APIC(
                encoding=Encoding.UTF8,
                mime="image/jpeg",
                type=PictureType.COVER_FRONT,
                desc="Cover",
                data=cover_jpeg,
            )
        )
    element_ids = [f"chp{number}" for number in range(len(chapters))]
    for element_id, chapter in zip(element_ids, chapters, strict=True):
        tag.add(
            CHAP(
                element_id=element_id,
                start_time=round(chapter.start * 1000),
                end_time=round(chapter.end * 1000),
                sub_frames=[TIT2(encoding=Encoding.UTF8, text=[chapter.title])],
            )
        )
    tag.add(
        CTOC(
            element_id="toc",
            flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
            child_element_ids=element_ids,
            sub_frames=[TIT2(encoding=Encoding.UTF8, text=[book.title])],
        )
    )
    return tag
