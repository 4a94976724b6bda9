# mypy: disable-error-code="no-untyped-call"
# (mutagen ships py.typed but leaves its constructors unannotated.)
from __future__ import annotations

from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from mutagen.id3 import ID3, CTOCFlags
from mutagen.mp4 import MP4, MP4Cover

from pdf2audiobook.pipeline.audio import (
    AudiobookFormat,
    AudioEncodingError,
    AudioWriterStateError,
    BookTags,
    EmptyChapterError,
    InvalidAudioArgumentError,
    WrittenBook,
    open_writer,
)
from tests.pipeline.audio.synthetic import Samples, in_blocks, jpeg_cover, speech_like, tone

TAGS = BookTags(
    title="Tïtle of the Böok",
    author="Ada Author",
    narrator="Ned Narrator",
    year="2024",
    comment="Made in a test",
)
CHAPTER_SECONDS = (3.5, 2.0, 4.25)
CHAPTER_TITLES = ("Opening", "Chapitre deux", "The End")
FORMATS: list[AudiobookFormat] = ["m4b", "mp3"]
# MP3 decoders play sample n of the PCM as sample n + 1105 (no LAME gapless header).
DECODER_DELAY = {"m4b": 0, "mp3": 1105}


class VoiceCrashed(Exception):
    pass


def chapter_audio(sample_rate: int, seconds: float, seed: int) -> Samples:
    """Speech-like audio that opens with a loud 50 ms marker tone, so its start can be found."""
    audio = speech_like(sample_rate, seconds, level=0.2, seed=seed)
    marker = tone(sample_rate, 0.05, 1000.0, 0.9)
    audio[: marker.size] = marker
    return audio


def write_book(path: Path, fmt: AudiobookFormat, sample_rate: int) -> tuple[WrittenBook, list[int]]:
    """Three chapters in 0.5 s blocks; returns the result and each chapter's first sample."""
    starts = []
    written = 0
    with open_writer(path, fmt, sample_rate, TAGS, jpeg_cover()) as writer:
        for number, (title, seconds) in enumerate(
            zip(CHAPTER_TITLES, CHAPTER_SECONDS, strict=True)
        ):
            writer.start_chapter(title)
            starts.append(written)
            audio = chapter_audio(sample_rate, seconds, seed=number)
            for block in in_blocks(audio, sample_rate // 2):
                writer.write(block)
            written += audio.size
        book = writer.close()
    return book, starts


def marker_onsets(path: Path) -> list[float]:
    """Seconds at which a loud marker starts in the decoded file (at least 1 s apart)."""
    onsets: list[float] = []
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        position = 0
        for frame in container.decode(stream):
            loud = np.flatnonzero(np.abs(frame.to_ndarray().reshape(-1)) > 0.5)
            for index in loud + position:
                seconds = float(index) / frame.sample_rate
                if not onsets or seconds - onsets[-1] > 1.0:
                    onsets.append(seconds)
            position += frame.samples
    return onsets


def chapters_in_file(path: Path) -> list[tuple[str, float, float]]:
    """(title, start, end) of each chapter, in the order FFmpeg lists them."""
    found = []
    with av.open(str(path)) as container:
        for chapter in container.chapters():
            time_base = chapter["time_base"]
            assert time_base is not None
            start = float(chapter["start"] * time_base)
            found.append((chapter["metadata"]["title"], start, float(chapter["end"] * time_base)))
    return found


def no_leftovers(directory: Path) -> bool:
    return not any(path.name.endswith(".partial") for path in directory.iterdir())


@pytest.mark.parametrize("rate", [24000, 22050])
@pytest.mark.parametrize("fmt", FORMATS)
def test_chapters_start_where_their_audio_starts(
    fmt: AudiobookFormat, rate: int, tmp_path: Path
) -> None:
    path = tmp_path / f"book.{fmt}"

    book, starts = write_book(path, fmt, rate)

    expected_starts = [0.0] + [(start + DECODER_DELAY[fmt]) / rate for start in starts[1:]]
    in_file = chapters_in_file(path)
    assert [title for title, _, _ in in_file] == list(CHAPTER_TITLES)
    assert [mark.title for mark in book.chapters] == list(CHAPTER_TITLES)
    for (_, start, _), mark, expected in zip(in_file, book.chapters, expected_starts, strict=True):
        assert start == pytest.approx(expected, abs=0.002)
        assert mark.start == pytest.approx(expected, abs=1e-9)
    # The decoded audio agrees: each chapter's marker tone sounds at its chapter mark.
    onsets = marker_onsets(path)
    assert len(onsets) == len(CHAPTER_TITLES)
    for onset, (_, start, _) in zip(onsets[1:], in_file[1:], strict=True):
        assert onset == pytest.approx(start, abs=0.005)
    assert [mark.end for mark in book.chapters[:-1]] == [mark.start for mark in book.chapters[1:]]


@pytest.mark.parametrize("fmt", FORMATS)
def test_many_chapters_keep_their_order_whatever_their_title_lengths(
    fmt: AudiobookFormat, tmp_path: Path
) -> None:
    # mutagen sorts ID3 frames by size; the titles shrink so that order would be reversed.
    titles = [f"Chapter {number} " + "x" * (40 - 3 * number) for number in range(1, 13)]
    path = tmp_path / f"book.{fmt}"
    with open_writer(path, fmt, 22050, TAGS, None) as writer:
        for title in titles:
            writer.start_chapter(title)
            writer.write(speech_like(22050, 0.3))

    in_file = chapters_in_file(path)

    assert [title for title, _, _ in in_file] == titles
    starts = [start for _, start, _ in in_file]
    assert starts == sorted(starts)


@pytest.mark.parametrize("fmt", FORMATS)
def test_file_plays_for_the_length_written(fmt: AudiobookFormat, tmp_path: Path) -> None:
    path = tmp_path / f"book.{fmt}"

    book, _ = write_book(path, fmt, 24000)

    written_seconds = sum(round(seconds * 24000) for seconds in CHAPTER_SECONDS) / 24000
    with av.open(str(path)) as container:
        assert container.duration is not None
        assert container.duration / av.time_base == pytest.approx(written_seconds, abs=0.1)
    assert book.duration_seconds == pytest.approx(written_seconds, abs=0.1)
    assert book.path == path
    assert no_leftovers(tmp_path)


def test_m4b_is_an_audiobook_with_tags_narrator_and_cover(tmp_path: Path) -> None:
    path = tmp_path / "book.m4b"

    write_book(path, "m4b", 24000)

    assert path.read_bytes()[4:12] == b"ftypM4B "
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        assert stream.codec_context.name == "aac"
        assert stream.codec_context.channels == 1
        assert container.metadata["major_brand"] == "M4B "
    tags: Any = MP4(path).tags
    assert tags["©nam"] == [TAGS.title]
    assert tags["©alb"] == [TAGS.title]
    assert tags["©ART"] == [TAGS.author]
    assert tags["aART"] == [TAGS.author]
    assert tags["©gen"] == ["Audiobook"]
    assert tags["©day"] == ["2024"]
    assert tags["©cmt"] == [TAGS.comment]
    assert tags["©wrt"] == [TAGS.narrator]
    assert tags["----:com.apple.iTunes:NARRATOR"] == [b"Ned Narrator"]
    assert tags["stik"] == [2]
    [cover] = tags["covr"]
    assert cover.imageformat == MP4Cover.FORMAT_JPEG
    assert bytes(cover) == jpeg_cover()


def test_mp3_has_id3v23_tags_narrator_cover_and_chapter_table(tmp_path: Path) -> None:
    path = tmp_path / "book.mp3"

    write_book(path, "mp3", 22050)

    assert path.read_bytes()[:4] == b"ID3\x03"
    tag: Any = ID3(path)
    assert tag["TIT2"].text == [TAGS.title]
    assert tag["TALB"].text == [TAGS.title]
    assert tag["TPE1"].text == [TAGS.author]
    assert tag["TPE2"].text == [TAGS.author]
    assert tag["TCON"].text == ["Audiobook"]
    assert tag["COMM::eng"].text == [TAGS.comment]
    assert tag["TCOM"].text == [TAGS.narrator]
    assert tag["TXXX:NARRATOR"].text == [TAGS.narrator]
    assert tag["APIC:Cover"].mime == "image/jpeg"
    assert tag["APIC:Cover"].data == jpeg_cover()
    chapters = tag.getall("CHAP")
    assert [chapter.element_id for chapter in chapters] == ["chp0", "chp1", "chp2"]
    assert [chapter.sub_frames["TIT2"].text for chapter in chapters] == [
        [title] for title in CHAPTER_TITLES
    ]
    [table] = tag.getall("CTOC")
    assert table.flags == CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED
    assert table.child_element_ids == ["chp0", "chp1", "chp2"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_failure_inside_the_block_leaves_no_file(fmt: AudiobookFormat, tmp_path: Path) -> None:
    path = tmp_path / f"book.{fmt}"

    def crash_midway() -> None:
        with open_writer(path, fmt, 24000, TAGS, None) as writer:
            writer.start_chapter("One")
            writer.write(speech_like(24000, 2.0))
            assert (tmp_path / f"book.{fmt}.partial").exists()
            raise VoiceCrashed

    with pytest.raises(VoiceCrashed):
        crash_midway()

    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_failed_rewrite_keeps_the_previous_file(fmt: AudiobookFormat, tmp_path: Path) -> None:
    path = tmp_path / f"book.{fmt}"
    path.write_bytes(b"the previous audiobook")

    def crash_at_once() -> None:
        with open_writer(path, fmt, 24000, TAGS, None) as writer:
            writer.start_chapter("One")
            raise VoiceCrashed

    with pytest.raises(VoiceCrashed):
        crash_at_once()

    assert path.read_bytes() == b"the previous audiobook"
    assert no_leftovers(tmp_path)


@pytest.mark.parametrize("fmt", FORMATS)
def test_chapter_without_audio_is_refused(fmt: AudiobookFormat, tmp_path: Path) -> None:
    path = tmp_path / f"book.{fmt}"

    writer = open_writer(path, fmt, 24000, TAGS, None)
    writer.start_chapter("Empty")

    with pytest.raises(EmptyChapterError, match="Empty"):
        writer.start_chapter("Two")

    writer.abort()

    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_last_chapter_without_audio_is_refused_on_close(
    fmt: AudiobookFormat, tmp_path: Path
) -> None:
    path = tmp_path / f"book.{fmt}"
    writer = open_writer(path, fmt, 24000, TAGS, None)
    writer.start_chapter("One")
    writer.write(speech_like(24000, 1.0))
    writer.start_chapter("Trailing")

    with pytest.raises(EmptyChapterError, match="Trailing"):
        writer.close()

    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_book_without_chapters_is_refused(fmt: AudiobookFormat, tmp_path: Path) -> None:
    with (
        pytest.raises(EmptyChapterError),
        open_writer(tmp_path / f"book.{fmt}", fmt, 24000, TAGS, None),
    ):
        pass

    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_audio_before_the_first_chapter_is_refused(fmt: AudiobookFormat, tmp_path: Path) -> None:
    with (
        pytest.raises(AudioWriterStateError),
        open_writer(tmp_path / f"book.{fmt}", fmt, 24000, TAGS, None) as writer,
    ):
        writer.write(speech_like(24000, 1.0))

    assert list(tmp_path.iterdir()) == []


def test_leaving_the_block_finishes_the_book_and_close_repeats_the_result(tmp_path: Path) -> None:
    path = tmp_path / "book.mp3"
    with open_writer(path, "mp3", 24000, TAGS, None) as writer:
        writer.start_chapter("Only")
        writer.write(speech_like(24000, 1.0))

    assert path.exists()
    assert writer.result.chapters[0].title == "Only"
    assert writer.close() is writer.result
    with pytest.raises(AudioWriterStateError):
        writer.write(speech_like(24000, 1.0))


def test_result_is_only_there_once_the_book_is_finished(tmp_path: Path) -> None:
    with open_writer(tmp_path / "book.m4b", "m4b", 24000, TAGS, None) as writer:
        writer.start_chapter("Only")
        writer.write(speech_like(24000, 1.0))
        with pytest.raises(AudioWriterStateError):
            _ = writer.result


@pytest.mark.parametrize(
    ("fmt", "rate", "cover"),
    [
        ("ogg", 24000, None),
        ("m4b", 0, None),
        ("mp3", -22050, None),
        ("m4b", 23000, None),
        ("mp3", 24000, b"\x89PNG\r\n\x1a\n"),
    ],
    ids=["unknown format", "zero rate", "negative rate", "unsupported rate", "png cover"],
)
def test_invalid_arguments_are_refused_before_any_file_is_made(
    fmt: Any, rate: int, cover: bytes | None, tmp_path: Path
) -> None:
    with pytest.raises(InvalidAudioArgumentError):
        open_writer(tmp_path / "book.out", fmt, rate, TAGS, cover)

    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_missing_folder_is_an_encoding_error(fmt: AudiobookFormat, tmp_path: Path) -> None:
    with pytest.raises(AudioEncodingError, match="writable"):
        open_writer(tmp_path / "missing" / f"book.{fmt}", fmt, 24000, TAGS, None)


@pytest.mark.parametrize("fmt", FORMATS)
def test_blank_chapter_titles_and_bad_blocks_are_refused(
    fmt: AudiobookFormat, tmp_path: Path
) -> None:
    with open_writer(tmp_path / f"book.{fmt}", fmt, 24000, TAGS, None) as writer:
        with pytest.raises(InvalidAudioArgumentError):
            writer.start_chapter("   ")
        writer.start_chapter("One")
        with pytest.raises(InvalidAudioArgumentError):
            writer.write(np.full(100, np.nan, dtype=np.float32))
        writer.write(speech_like(24000, 1.0))

    assert (tmp_path / f"book.{fmt}").exists()
