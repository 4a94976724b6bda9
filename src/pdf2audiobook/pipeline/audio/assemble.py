"""Join one-chapter audiobook files into one chaptered book by copying their compressed audio.

Chapters can then be synthesised in parallel, each into its own file by `open_writer`, and
the book assembled at the end for the cost of reading and writing the bytes once: AAC packets
are remuxed into a new M4B, MP3 frames are copied behind a new ID3 tag.

Nothing is decoded, so each join keeps what the encoder put at the ends of its part: the
previous part's last frame is played whole (its padding included) and the next part keeps
its encoder priming (AAC, 1024 samples) or delay (MP3, 1105 samples). Dropping the priming
would leave the part's first frame without the frame its overlap-add needs, and its first
43 ms decode wrong; keeping it costs 45-95 ms of near-silence per join at 22.05-24 kHz.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TypeVar

import av
import mutagen
from av.audio.stream import AudioStream
from av.container import InputContainer, OutputContainer
from av.packet import Packet

from pdf2audiobook.pipeline.audio.errors import AudioEncodingError, InvalidAudioArgumentError
from pdf2audiobook.pipeline.audio.filewriter import ChapterSpan, partial_path_for
from pdf2audiobook.pipeline.audio.m4b import (
    open_m4b_container,
    set_m4b_chapters,
    write_m4b_tags,
)
from pdf2audiobook.pipeline.audio.mp3 import Mp3Writer, write_mp3_tags
from pdf2audiobook.pipeline.audio.mp3_frames import (
    FrameTally,
    Mp3FrameError,
    first_frame,
    frame_blocks,
)
from pdf2audiobook.pipeline.audio.tags import BookTags, ChapterMark, WrittenBook
from pdf2audiobook.pipeline.audio.writers import AudiobookFormat

_T = TypeVar("_T")
_N = TypeVar("_N", int, float)

_AAC_FRAME_SAMPLES = 1024
_JPEG_SIGNATURE = b"\xff\xd8\xff"
_READ_ERRORS = (OSError, av.FFmpegError, Mp3FrameError)
_WRITE_ERRORS = (OSError, av.FFmpegError, mutagen.MutagenError)


@dataclass(frozen=True, slots=True)
class _Part:
    number: int
    title: str | None
    """None for a part that continues the chapter of the part before it."""
    path: Path

    def __str__(self) -> str:
        title = f"'{self.title}'" if self.title is not None else "continued"
        return f"part {self.number} ({title}, {self.path.name})"


@dataclass(frozen=True, slots=True)
class _AacSettings:
    sample_rate: int
    channels: int
    extradata: bytes


def join_chapter_files(
    parts: Sequence[tuple[str | None, Path]],
    fmt: AudiobookFormat,
    output: Path,
    tags: BookTags,
    cover_jpeg: bytes | None,
) -> WrittenBook:
    """Join one-chapter files written by `open_writer` as `fmt` into one book at `output`.

    Each part is a (chapter title, file) pair, in order. A part with a title starts a
    chapter; a part whose title is None continues the chapter before it (a long chapter
    spoken in several parts), so the first part needs a title. The book gets the given tags
    and cover; the parts' own tags are dropped. The compressed audio is copied, not
    re-encoded. Each chapter mark lands on the first sample of its first part's audio, as
    the writers' marks do, and each join lengthens the book by the previous part's end
    padding and the next part's encoder priming: under 0.1 s of near-silence at 22.05 kHz
    and above (see the module notes).

    The file appears at `output` only once complete: it is written to `<output>.partial`,
    which is deleted on any failure, leaving an earlier `output` as it was. Memory does not
    grow with the number or the size of the parts.

    Raises InvalidAudioArgumentError for no parts, a blank title, a first part without a
    title, an unknown format, a cover
    that is not a JPEG, or parts at different sample rates or encoder settings;
    AudioEncodingError if a part cannot be read as `fmt` or the book cannot be written.
    """
    checked = _check_arguments(parts, fmt, tags, cover_jpeg)
    partial = partial_path_for(output)
    try:
        with _reporting_write_errors(output):
            if fmt == "m4b":
                chapters, seconds = _join_m4b(checked, partial, tags, cover_jpeg)
            else:
                chapters, seconds = _join_mp3(checked, partial, tags, cover_jpeg)
            partial.replace(output)
    except BaseException:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        raise
    return WrittenBook(output, seconds, chapters)


def _check_arguments(
    parts: Sequence[tuple[str | None, Path]],
    fmt: AudiobookFormat,
    tags: BookTags,
    cover_jpeg: bytes | None,
) -> list[_Part]:
    if fmt not in ("m4b", "mp3"):
        raise InvalidAudioArgumentError(f"Unknown audiobook format {fmt!r}; use 'm4b' or 'mp3'.")
    if not parts:
        raise InvalidAudioArgumentError("There are no chapter files to join into a book.")
    if not tags.title.strip():
        raise InvalidAudioArgumentError("The book has no title; every audiobook needs one.")
    if cover_jpeg is not None and not cover_jpeg.startswith(_JPEG_SIGNATURE):
        raise InvalidAudioArgumentError("The cover image is not a JPEG file.")
    checked = []
    if parts[0][0] is None:
        raise InvalidAudioArgumentError(
            f"The first part ({parts[0][1].name}) has no chapter title; only later parts may "
            "continue a chapter."
        )
    for number, (title, path) in enumerate(parts, start=1):
        if title is not None and not title.strip():
            raise InvalidAudioArgumentError(f"The title of part {number} ({path.name}) is blank.")
        checked.append(_Part(number, title.strip() if title is not None else None, path))
    return checked


def _chapters_of(parts: list[_Part], starts: list[_N], end: _N) -> list[tuple[str, _N, _N]]:
    """(title, start, end) of each chapter, from where each part starts and the book ends."""
    heads: list[tuple[str, _N]] = [
        (part.title, start)
        for part, start in zip(parts, starts, strict=True)
        if part.title is not None
    ]
    ends = [start for _, start in heads[1:]] + [end]
    return [(title, start, stop) for (title, start), stop in zip(heads, ends, strict=True)]


def _one_sample_rate(parts: list[_Part], rates: list[int]) -> int:
    for part, rate in zip(parts, rates, strict=True):
        if rate != rates[0]:
            raise InvalidAudioArgumentError(
                f"The chapter files have different sample rates: {parts[0]} is {rates[0]} Hz "
                f"but {part} is {rate} Hz. Synthesise every chapter of a book at one rate."
            )
    return rates[0]


def _join_m4b(
    parts: list[_Part], partial: Path, tags: BookTags, cover_jpeg: bytes | None
) -> tuple[list[ChapterMark], float]:
    settings = [_aac_settings(part) for part in parts]
    rate = _one_sample_rate(parts, [found.sample_rate for found in settings])
    for part, found in zip(parts, settings, strict=True):
        if found != settings[0]:
            raise InvalidAudioArgumentError(
                f"{part} was encoded with different AAC settings from {parts[0]}; join only "
                "chapter files written for the same book."
            )
    output = open_m4b_container(partial)
    try:
        remuxer = _Remuxer(output, rate)
        starts = [remuxer.add(part, part is parts[-1]) for part in parts]
        end = remuxer.end
        spans = [ChapterSpan(*chapter) for chapter in _chapters_of(parts, starts, end)]
        set_m4b_chapters(output, spans, rate)
    except BaseException:
        with contextlib.suppress(Exception):
            output.close()
        raise
    output.close()
    write_m4b_tags(partial, tags, cover_jpeg)
    chapters = [ChapterMark(span.title, span.start / rate, span.end / rate) for span in spans]
    return chapters, end / rate


def _aac_settings(part: _Part) -> _AacSettings:
    with _reporting_read_errors(part), av.open(str(part.path)) as source:
        codec = _aac_stream(part, source).codec_context
        return _AacSettings(codec.sample_rate, codec.channels, bytes(codec.extradata or b""))


def _aac_stream(part: _Part, source: InputContainer) -> AudioStream:
    streams = source.streams.audio
    if len(streams) != 1 or streams[0].codec_context.name != "aac":
        raise AudioEncodingError(
            f"{part} is not an M4B chapter file: it should hold one AAC audio stream."
        )
    return streams[0]


class _Remuxer:
    """Lays the AAC packets of the parts end to end in one output stream.

    The book's timeline is the first part's, priming included (negative timestamps, which the
    muxer hides behind an edit list). Every packet but the book's last gets a whole frame: a
    part's short last packet still decodes to 1024 samples, and the timestamps must follow
    what is played for the chapter marks to land on their audio.
    """

    def __init__(self, output: OutputContainer, sample_rate: int) -> None:
        self.output = output
        self.sample_rate = sample_rate
        self.stream: AudioStream | None = None
        self.end = 0  # of the book so far, in samples

    def add(self, part: _Part, last_of_book: bool) -> int:
        """Mux all of `part`; returns the sample of the book where the part's first sample
        (its timestamp 0, after its priming) lands."""
        with _reporting_read_errors(part):
            source = av.open(str(part.path))
        with source:
            source_stream = _aac_stream(part, source)
            first_part = self.stream is None
            if self.stream is None:
                self.stream = self.output.add_stream_from_template(source_stream)
                self.stream.time_base = Fraction(1, self.sample_rate)
            packets = _aac_packets(part, source, source_stream)
            held = next(packets)
            first_pts = round(_require_pts(held) * held.time_base * self.sample_rate)
            position = first_pts if first_part else self.end
            start = position - first_pts
            for packet in packets:
                position = self._mux(held, position, _AAC_FRAME_SAMPLES)
                held = packet
            # Only the book's end may be shorter than a frame: there the edit list cuts it.
            duration = held.duration if last_of_book and held.duration else _AAC_FRAME_SAMPLES
            self.end = self._mux(held, position, duration)
        return start

    def _mux(self, packet: Packet[AudioStream], position: int, duration: int) -> int:
        """Mux `packet` at sample `position`; returns the position after it."""
        if self.stream is None:
            raise RuntimeError("The output stream is made before the first packet.")
        packet.stream = self.stream
        packet.time_base = Fraction(1, self.sample_rate)
        packet.pts = packet.dts = position
        packet.duration = duration
        self.output.mux_one(packet)
        return position + duration


def _aac_packets(
    part: _Part, source: InputContainer, stream: AudioStream
) -> Iterator[Packet[AudioStream]]:
    """The part's audio packets, checked: at least one, none damaged, as many as its index
    lists (a file cut short may end early without an error from the demuxer)."""
    count = 0
    for packet in _read(part, source.demux(stream)):
        if packet.size == 0:
            continue  # what demux yields at the end of the file
        if packet.pts is None or packet.is_corrupt:
            raise AudioEncodingError(f"Could not read {part}: AAC packet {count} is damaged.")
        count += 1
        yield packet
    if count == 0 or stream.frames not in (0, count):
        raise AudioEncodingError(
            f"Could not read {part}: it holds {count} of the {stream.frames} AAC packets its "
            "index lists; the file is damaged or cut short."
        )


def _require_pts(packet: Packet[AudioStream]) -> int:
    if packet.pts is None:
        raise AudioEncodingError("An AAC packet has no timestamp.")
    return packet.pts


def _join_mp3(
    parts: list[_Part], partial: Path, tags: BookTags, cover_jpeg: bytes | None
) -> tuple[list[ChapterMark], float]:
    rates = []
    for part in parts:
        with _reporting_read_errors(part):
            rates.append(first_frame(part.path).sample_rate)
    rate = _one_sample_rate(parts, rates)
    first_samples: list[int] = []
    total = 0
    with partial.open("wb") as sink:
        for part in parts:
            first_samples.append(total)
            tally = FrameTally()
            for block in _read(part, frame_blocks(part.path, rate, tally)):
                sink.write(block)
            total += tally.samples
    # A part's first sample plays 1105 samples after its first frame starts (the encoder
    # delay its frames carry plus the decoder's), as in its own file; the first chapter
    # starts at 0, as a written book's does.
    delay = Mp3Writer.decoder_delay_samples
    starts = [0.0] + [(first + delay) / rate for first in first_samples[1:]]
    chapters = [ChapterMark(*chapter) for chapter in _chapters_of(parts, starts, total / rate)]
    write_mp3_tags(partial, tags, cover_jpeg, chapters)
    return chapters, total / rate


def _read(part: _Part, items: Iterable[_T]) -> Iterator[_T]:
    """`items`, with a failure to produce them reported as the part's (the consumer's own
    failures, such as writing, never pass through here)."""
    with _reporting_read_errors(part):
        yield from items


@contextlib.contextmanager
def _reporting_read_errors(part: _Part) -> Iterator[None]:
    try:
        yield
    except _READ_ERRORS as error:
        # OSError and FFmpegError carry the bare reason apart from an errno and the path.
        reason = getattr(error, "strerror", None) or str(error)
        raise AudioEncodingError(
            f"Could not read {part}: {reason}. Chapter files must be complete files written "
            "by this package's writer in the book's format."
        ) from error


@contextlib.contextmanager
def _reporting_write_errors(output: Path) -> Iterator[None]:
    try:
        yield
    except _WRITE_ERRORS as error:
        raise AudioEncodingError(
            f"Could not write the audiobook {output.name}: {error}. Check that the folder "
            "exists, is writable and has free space."
        ) from error
