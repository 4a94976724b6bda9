# mypy: disable-error-code="no-untyped-call"
# (mutagen ships py.typed but leaves its constructors unannotated.)
"""Joining one-chapter files into a book: the parts are written by `open_writer` and the
result is read back with PyAV and mutagen, never with the code under test."""

from __future__ import annotations

import multiprocessing
import resource
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import av
import numpy as np
import numpy.typing as npt
import pytest
from mutagen.id3 import ID3, CTOCFlags
from mutagen.mp4 import MP4, MP4Cover

from pdf2audiobook.pipeline.audio import (
    AudiobookFormat,
    AudioEncodingError,
    BookTags,
    InvalidAudioArgumentError,
    WrittenBook,
    join_chapter_files,
    open_writer,
)
from tests.pipeline.audio.synthetic import in_blocks, jpeg_cover, speech_like, tone

TAGS = BookTags(
    title="Tïtle of the Böok",
    author="Ada Author",
    narrator="Ned Narrator",
    year="2024",
    comment="Joined in a test",
)
PART_TITLES = ("Opening", "Chapitre deux", "The End")
PART_SECONDS = (1.3, 0.7, 2.1)
# A different steady tone per part, from its very first sample: a join that lost the
# encoder priming of a part would garble that part's first frame.
PART_FREQUENCIES = (440.0, 880.0, 1760.0)
FORMATS: list[AudiobookFormat] = ["m4b", "mp3"]
RATES = [24000, 22050]
# Samples per codec frame: AAC-LC, and MPEG-2 layer III (the layer at 22.05 and 24 kHz).
FRAME_SAMPLES = {"m4b": 1024, "mp3": 576}
# Where a part's first sample plays in its own decoded file (MP3 has no gapless header).
FIRST_SAMPLE = {"m4b": 0, "mp3": 1105}

Parts = list[tuple[str | None, Path]]
Decoded = npt.NDArray[np.float32]


def write_part(
    path: Path, fmt: AudiobookFormat, rate: int, seconds: float, frequency: float
) -> Path:
    with open_writer(path, fmt, rate, BookTags("A part", None, None), None) as writer:
        writer.start_chapter("Whatever the part called itself")
        for block in in_blocks(tone(rate, seconds, frequency, 0.5), rate // 2):
            writer.write(block)
    return path


def write_parts(folder: Path, fmt: AudiobookFormat, rate: int) -> Parts:
    folder.mkdir(exist_ok=True)
    return [
        (title, write_part(folder / f"part{number}.{fmt}", fmt, rate, seconds, frequency))
        for number, (title, seconds, frequency) in enumerate(
            zip(PART_TITLES, PART_SECONDS, PART_FREQUENCIES, strict=True)
        )
    ]


def decode(path: Path) -> tuple[Decoded, int]:
    """Every sample PyAV decodes from the file, and the sample rate."""
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        blocks = [frame.to_ndarray().reshape(-1) for frame in container.decode(stream)]
        return np.concatenate(blocks).astype(np.float32), stream.codec_context.sample_rate


def chapters_in_file(path: Path) -> list[tuple[str, float]]:
    """(title, start in seconds) of each chapter, in the order FFmpeg lists them."""
    found = []
    with av.open(str(path)) as container:
        for chapter in container.chapters():
            time_base = chapter["time_base"]
            assert time_base is not None
            found.append((chapter["metadata"]["title"], float(chapter["start"] * time_base)))
    return found


def dominant_frequency(samples: Decoded, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(samples.size)))
    return float(np.argmax(spectrum)) * rate / samples.size


def aac_payloads(path: Path) -> list[bytes]:
    with av.open(str(path)) as container:
        return [bytes(packet) for packet in container.demux(audio=0) if packet.size]


def mp3_frames_bytes(path: Path) -> bytes:
    """The file after its ID3v2 tag: the MPEG frames."""
    data = path.read_bytes()
    assert data[:3] == b"ID3"
    syncsafe_size = sum((data[6 + index] & 0x7F) << (7 * (3 - index)) for index in range(4))
    return data[10 + syncsafe_size :]


def leftovers(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir() if path.name.startswith("book"))


def join(parts: Parts, fmt: AudiobookFormat, folder: Path) -> tuple[Path, WrittenBook]:
    output = folder / f"book.{fmt}"
    return output, join_chapter_files(parts, fmt, output, TAGS, jpeg_cover())


@pytest.mark.parametrize("rate", RATES)
@pytest.mark.parametrize("fmt", FORMATS)
def test_each_part_becomes_a_chapter_that_starts_on_its_own_audio(
    fmt: AudiobookFormat, rate: int, tmp_path: Path
) -> None:
    parts = write_parts(tmp_path / "parts", fmt, rate)

    output, book = join(parts, fmt, tmp_path)

    in_file = chapters_in_file(output)
    assert [title for title, _ in in_file] == list(PART_TITLES)
    assert [mark.title for mark in book.chapters] == list(PART_TITLES)
    for (_, start), mark in zip(in_file, book.chapters, strict=True):
        assert start == pytest.approx(mark.start, abs=0.001)  # files keep milliseconds
    joined, joined_rate = decode(output)
    assert joined_rate == rate
    for number, ((_, part), mark) in enumerate(zip(parts, book.chapters, strict=True)):
        own, _ = decode(part)
        # The part's audio plays from its chapter mark just as it plays in its own file
        # (the first chapter, like a written book's, starts at 0 before the MP3 delay).
        plays_at = round(mark.start * rate) if number else FIRST_SAMPLE[fmt]
        window = round(0.25 * rate)
        expected = own[FIRST_SAMPLE[fmt] : FIRST_SAMPLE[fmt] + window]
        heard = joined[plays_at : plays_at + window]
        assert np.abs(heard - expected).max() < 0.01


@pytest.mark.parametrize("rate", RATES)
@pytest.mark.parametrize("fmt", FORMATS)
def test_middle_of_each_chapter_sounds_its_parts_tone(
    fmt: AudiobookFormat, rate: int, tmp_path: Path
) -> None:
    parts = write_parts(tmp_path / "parts", fmt, rate)

    output, _ = join(parts, fmt, tmp_path)

    joined, _ = decode(output)
    starts = [start for _, start in chapters_in_file(output)]
    ends = [*starts[1:], joined.size / rate]
    for start, end, frequency in zip(starts, ends, PART_FREQUENCIES, strict=True):
        middle = round((start + end) / 2 * rate)
        half_window = round(0.1 * rate)
        heard = dominant_frequency(joined[middle - half_window : middle + half_window], rate)
        assert heard == pytest.approx(frequency, abs=10.0)


@pytest.mark.parametrize("rate", RATES)
@pytest.mark.parametrize("fmt", FORMATS)
def test_book_lasts_as_long_as_its_parts_plus_at_most_two_frames_per_join(
    fmt: AudiobookFormat, rate: int, tmp_path: Path
) -> None:
    parts = write_parts(tmp_path / "parts", fmt, rate)

    output, book = join(parts, fmt, tmp_path)

    # Nothing is decoded, so each join keeps the previous part's last-frame padding and the
    # next part's encoder priming (AAC) or delay (MP3): at most two frames of near-silence.
    allowance = 2 * FRAME_SAMPLES[fmt] / rate
    part_seconds = [decode(part)[0].size / rate for _, part in parts]
    starts = [start for _, start in chapters_in_file(output)]
    for joins, start in enumerate(starts):
        before = sum(part_seconds[:joins])
        assert before - 0.001 <= start <= before + joins * allowance + 0.001
    joined_seconds = decode(output)[0].size / rate
    assert sum(part_seconds) <= joined_seconds <= sum(part_seconds) + 2 * allowance
    assert joined_seconds == pytest.approx(sum(part_seconds), abs=0.1)
    with av.open(str(output)) as container:
        assert container.duration is not None
        assert book.duration_seconds == pytest.approx(container.duration / av.time_base, abs=0.002)
    assert book.chapters[-1].end == book.duration_seconds


@pytest.mark.parametrize("fmt", FORMATS)
def test_parts_without_a_title_continue_the_chapter_before_them(
    fmt: AudiobookFormat, tmp_path: Path
) -> None:
    # Four parts: a chapter of one part, then a chapter spoken in three.
    rate = 24000
    folder = tmp_path / "parts"
    folder.mkdir()
    spoken = [(0.8, 440.0), (0.6, 880.0), (0.9, 1320.0), (0.7, 1760.0)]
    files = [
        write_part(folder / f"part{n}.{fmt}", fmt, rate, seconds, frequency)
        for n, (seconds, frequency) in enumerate(spoken)
    ]
    parts: Parts = [("One", files[0]), ("Two", files[1]), (None, files[2]), (None, files[3])]

    output, book = join(parts, fmt, tmp_path)

    assert [mark.title for mark in book.chapters] == ["One", "Two"]
    in_file = chapters_in_file(output)
    assert [title for title, _ in in_file] == ["One", "Two"]
    # The marks are where the chapters' first parts start, and the audio is the same as
    # when every part is its own chapter.
    one_chapter_per_part = join_chapter_files(
        [(str(n), path) for n, path in enumerate(files)],
        fmt,
        tmp_path / f"each.{fmt}",
        TAGS,
        None,
    )
    assert book.chapters[1].start == pytest.approx(one_chapter_per_part.chapters[1].start)
    assert book.chapters[1].end == pytest.approx(one_chapter_per_part.chapters[3].end)
    assert book.duration_seconds == pytest.approx(one_chapter_per_part.duration_seconds)
    joined, _ = decode(output)
    reference, _ = decode(tmp_path / f"each.{fmt}")
    assert joined.size == reference.size
    assert np.abs(joined - reference).max() < 1e-4


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_first_part_without_a_title_is_refused(fmt: AudiobookFormat, tmp_path: Path) -> None:
    parts = write_parts(tmp_path / "parts", fmt, 24000)
    untitled_first: Parts = [(None, parts[0][1]), *parts[1:]]
    with pytest.raises(InvalidAudioArgumentError, match="no chapter title"):
        join(untitled_first, fmt, tmp_path)
    assert leftovers(tmp_path) == []


def test_m4b_join_copies_the_aac_packets_byte_for_byte(tmp_path: Path) -> None:
    parts = write_parts(tmp_path / "parts", "m4b", 24000)

    output, _ = join(parts, "m4b", tmp_path)

    copied = [payload for _, part in parts for payload in aac_payloads(part)]
    assert aac_payloads(output) == copied


def test_mp3_join_copies_the_frames_byte_for_byte(tmp_path: Path) -> None:
    parts = write_parts(tmp_path / "parts", "mp3", 22050)

    output, _ = join(parts, "mp3", tmp_path)

    assert mp3_frames_bytes(output) == b"".join(mp3_frames_bytes(part) for _, part in parts)


def test_mp3_part_with_an_id3v1_tag_is_joined_without_it(tmp_path: Path) -> None:
    parts = write_parts(tmp_path / "parts", "mp3", 24000)
    frames_before = mp3_frames_bytes(parts[1][1])
    ID3(parts[1][1]).save(v1=2, v2_version=3)
    assert parts[1][1].read_bytes()[-128:].startswith(b"TAG")

    output, _ = join(parts, "mp3", tmp_path)

    frames = [mp3_frames_bytes(part) for _, part in parts]
    assert mp3_frames_bytes(output) == frames[0] + frames_before + frames[2]


def test_joined_m4b_is_an_audiobook_with_the_books_tags_and_cover(tmp_path: Path) -> None:
    parts = write_parts(tmp_path / "parts", "m4b", 22050)

    output, book = join(parts, "m4b", tmp_path)

    assert output.read_bytes()[4:12] == b"ftypM4B "
    audio = MP4(output)
    tags: Any = audio.tags
    assert tags["©nam"] == [TAGS.title]
    assert tags["©alb"] == [TAGS.title]
    assert tags["©ART"] == [TAGS.author]
    assert tags["©wrt"] == [TAGS.narrator]
    assert tags["©day"] == ["2024"]
    assert tags["©cmt"] == [TAGS.comment]
    assert tags["stik"] == [2]
    [cover] = tags["covr"]
    assert cover.imageformat == MP4Cover.FORMAT_JPEG
    assert bytes(cover) == jpeg_cover()
    chapters: Any = audio.chapters  # the Nero `chpl` list, read by mutagen
    assert [chapter.title for chapter in chapters] == list(PART_TITLES)
    for chapter, mark in zip(chapters, book.chapters, strict=True):
        assert chapter.start == pytest.approx(mark.start, abs=0.001)
    assert book.path == output
    assert leftovers(tmp_path) == ["book.m4b"]


def test_joined_mp3_has_the_books_id3v23_tags_cover_and_chapter_table(tmp_path: Path) -> None:
    parts = write_parts(tmp_path / "parts", "mp3", 24000)

    output, book = join(parts, "mp3", tmp_path)

    assert output.read_bytes()[:4] == b"ID3\x03"
    tag: Any = ID3(output)
    assert tag["TIT2"].text == [TAGS.title]
    assert tag["TPE1"].text == [TAGS.author]
    assert tag["TCOM"].text == [TAGS.narrator]
    assert tag["COMM::eng"].text == [TAGS.comment]
    assert tag["APIC:Cover"].data == jpeg_cover()
    chapters = tag.getall("CHAP")
    assert [chapter.sub_frames["TIT2"].text for chapter in chapters] == [
        [title] for title in PART_TITLES
    ]
    assert [chapter.start_time for chapter in chapters] == [
        round(mark.start * 1000) for mark in book.chapters
    ]
    [table] = tag.getall("CTOC")
    assert table.flags == CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED
    assert table.child_element_ids == ["chp0", "chp1", "chp2"]
    assert leftovers(tmp_path) == ["book.mp3"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_joining_no_parts_is_refused(fmt: AudiobookFormat, tmp_path: Path) -> None:
    with pytest.raises(InvalidAudioArgumentError, match="no chapter files"):
        join([], fmt, tmp_path)

    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_parts_at_different_sample_rates_are_refused(fmt: AudiobookFormat, tmp_path: Path) -> None:
    parts: Parts = [
        ("One", write_part(tmp_path / f"one.{fmt}", fmt, 24000, 0.5, 440.0)),
        ("Two", write_part(tmp_path / f"two.{fmt}", fmt, 22050, 0.5, 440.0)),
    ]

    with pytest.raises(InvalidAudioArgumentError, match=r"24000 Hz but part 2 .* 22050 Hz"):
        join(parts, fmt, tmp_path)

    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("damage", ["cut short", "garbage", "other format", "missing"])
def test_unreadable_part_fails_the_join_and_keeps_the_previous_book(
    fmt: AudiobookFormat, damage: str, tmp_path: Path
) -> None:
    parts = write_parts(tmp_path / "parts", fmt, 24000)
    broken = parts[1][1]
    if damage == "cut short":
        # The M4B loses its index (written last); the MP3 its last frame's end.
        data = broken.read_bytes()
        broken.write_bytes(data[: len(data) * 3 // 5] if fmt == "m4b" else data[:-50])
    elif damage == "garbage":
        broken.write_bytes(np.random.default_rng(0).bytes(20_000))
    elif damage == "other format":
        other: AudiobookFormat = "mp3" if fmt == "m4b" else "m4b"
        write_part(broken, other, 24000, 0.5, 440.0)
    else:
        broken.unlink()
    (tmp_path / f"book.{fmt}").write_bytes(b"the previous book")

    with pytest.raises(AudioEncodingError, match=r"part 2 \('Chapitre deux'"):
        join(parts, fmt, tmp_path)

    assert (tmp_path / f"book.{fmt}").read_bytes() == b"the previous book"
    assert leftovers(tmp_path) == [f"book.{fmt}"]


@pytest.mark.parametrize(
    ("fmt", "title", "book_title", "cover"),
    [
        ("ogg", "One", "Book", None),
        ("mp3", "  ", "Book", None),
        ("m4b", "One", " ", None),
        ("m4b", "One", "Book", b"\x89PNG\r\n\x1a\n"),
    ],
    ids=["unknown format", "blank chapter title", "blank book title", "png cover"],
)
def test_invalid_arguments_are_refused_before_any_file_is_made(
    fmt: Any, title: str, book_title: str, cover: bytes | None, tmp_path: Path
) -> None:
    part = write_part(tmp_path / "part.mp3", "mp3", 24000, 0.5, 440.0)

    with pytest.raises(InvalidAudioArgumentError):
        join_chapter_files(
            [(title, part)], fmt, tmp_path / "book.out", BookTags(book_title, None, None), cover
        )

    assert leftovers(tmp_path) == []


def test_missing_output_folder_is_an_encoding_error(tmp_path: Path) -> None:
    parts = write_parts(tmp_path / "parts", "m4b", 24000)

    with pytest.raises(AudioEncodingError, match="writable"):
        join_chapter_files(parts, "m4b", tmp_path / "missing" / "book.m4b", TAGS, None)


# Memory: a one-hour book of twelve 5-minute parts against a book of two.
PART_MINUTES = 5
LONG_BOOK_PARTS = 12
# MP3 frames are copied in blocks, so memory is flat. An MP4 muxer keeps its sample index in
# memory until the file closes (about 6 MB per hour of AAC, as when M4bWriter writes a book).
ALLOWED_GROWTH_MB = {"mp3": 5.0, "m4b": 15.0}


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def join_short_then_long_book(folder: str, fmt: AudiobookFormat) -> tuple[float, float, float]:
    """Peak RSS after joining 2 parts and after joining 12 (MB), and the long book's seconds."""
    rate = 24000
    source = in_blocks(speech_like(rate, 60.0, level=0.3), rate // 2)
    part = Path(folder) / f"part.{fmt}"
    with open_writer(part, fmt, rate, TAGS, None) as writer:
        writer.start_chapter("Part")
        for block in source * PART_MINUTES:
            writer.write(block)
    join_chapter_files(
        [("One", part), ("Two", part)], fmt, Path(folder) / f"short.{fmt}", TAGS, None
    )
    after_short = peak_rss_mb()
    parts = [(f"Chapter {number}", part) for number in range(1, LONG_BOOK_PARTS + 1)]
    book = join_chapter_files(parts, fmt, Path(folder) / f"long.{fmt}", TAGS, None)
    return after_short, peak_rss_mb(), book.duration_seconds


@pytest.mark.slow
@pytest.mark.parametrize("fmt", FORMATS)
def test_memory_does_not_grow_with_the_number_or_size_of_parts(
    fmt: AudiobookFormat, tmp_path: Path
) -> None:
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as child:
        short, long, seconds = child.submit(join_short_then_long_book, str(tmp_path), fmt).result()

    assert seconds == pytest.approx(LONG_BOOK_PARTS * PART_MINUTES * 60, abs=1.0)
    assert long - short < ALLOWED_GROWTH_MB[fmt]
