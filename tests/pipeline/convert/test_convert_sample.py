# mypy: disable-error-code="no-untyped-call"
# (mutagen leaves its ID3 methods unannotated.)
"""The sample book becomes an M4B and an MP3 a listener would keep: measured, not assumed."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import av
import mutagen
import numpy as np
import numpy.typing as npt
import pyloudnorm
import pytest
from mutagen.id3 import ID3

from pdf2audiobook.pipeline.audio import Pauses
from pdf2audiobook.pipeline.book_builder import build_book
from pdf2audiobook.pipeline.convert import (
    ConvertOptions,
    ConvertResult,
    convert_book,
    extract_plan,
    speaking_processes,
    spoken_paragraphs,
)
from pdf2audiobook.pipeline.narration import split_into_units
from pdf2audiobook.pipeline.progress import ProgressEvent
from pdf2audiobook.pipeline.reading.reader import ReadOptions, read_pdf
from pdf2audiobook.pipeline.speech import Pause, chapter_speech, split_sentences
from pdf2audiobook.pipeline.summary.chapters import SummaryMode
from pdf2audiobook.pipeline.voices import ChunkCache, get_provider
from tests.conftest import SAMPLES, SampleConversion

SAMPLE_BOOK = SAMPLES / "sample-book.pdf"
JOIN_SLACK = {"m4b": 0.1, "mp3": 0.2}
"""Seconds a join of two unit files may add: the encoder's end padding and priming (MP3:
up to a frame of padding, LAME's final frame and its 1105-sample delay)."""
TITLES = [
    "Chapter I: Wolves and Sheep",
    "Chapter II: The Cunning of Foxes",
    "Chapter III: Strength and Wisdom",
]


@dataclass(frozen=True)
class Converted:
    result: ConvertResult
    events: list[ProgressEvent]
    cache: Path


@pytest.fixture(scope="module")
def cache_dir(sample_chunk_cache: Path) -> Path:
    return sample_chunk_cache


def _convert(out: Path, fmt: str, cache: Path) -> Converted:
    events: list[ProgressEvent] = []
    options = ConvertOptions(output=out, fmt=fmt, cache_dir=cache)  # type: ignore[arg-type]
    result = convert_book(SAMPLE_BOOK, options, events.append)
    return Converted(result, events, cache)


@pytest.fixture(scope="module")
def m4b(sample_conversion: SampleConversion) -> Converted:
    """The session's first conversion of the sample: every chunk synthesised, into the
    cache the MP3 run then reads."""
    done = sample_conversion
    return Converted(done.result, done.events, done.cache)


@pytest.fixture(scope="module")
def mp3(tmp_path_factory: pytest.TempPathFactory, cache_dir: Path, m4b: Converted) -> Converted:
    del m4b  # runs second, so its chunks come from the cache the M4B run filled
    return _convert(tmp_path_factory.mktemp("mp3") / "sample.mp3", "mp3", cache_dir)


def _decoded(path: Path) -> tuple[npt.NDArray[np.float64], int]:
    with av.open(str(path)) as container:
        rate = container.streams.audio[0].sample_rate
        blocks = [frame.to_ndarray().reshape(-1) for frame in container.decode(audio=0)]
    return np.concatenate(blocks).astype(np.float64), rate


def _chapters(path: Path) -> list[tuple[str, float, float]]:
    marks = []
    with av.open(str(path)) as container:
        for chapter in container.chapters():
            time_base = chapter["time_base"]
            assert time_base is not None
            start = float(chapter["start"] * time_base)
            marks.append((chapter["metadata"]["title"], start, float(chapter["end"] * time_base)))
    return marks


def _expected_chapter_seconds(cache: Path) -> list[float]:
    """Each chapter's length from the synthesised chunks themselves, plus the pauses."""
    provider = get_provider("local")
    voice = provider.resolve_voice(None, None)
    store = ChunkCache(cache)
    pauses = Pauses()
    gap = {
        Pause.SENTENCE: 0.0,
        Pause.PARAGRAPH: pauses.paragraph,
        Pause.TITLE: pauses.title,
        Pause.CHAPTER: pauses.chapter,
    }
    book = build_book(read_pdf(SAMPLE_BOOK, ReadOptions()))
    lengths = []
    for chapter in book.chapters:
        seconds = 0.0
        for chunk in chapter_speech(chapter.title, spoken_paragraphs(chapter), provider.max_chars):
            key = store.key_for(chunk.text, "local", voice, 1.0, provider.engine_version(voice))
            audio = store.get(key)
            assert audio is not None
            seconds += audio.duration + gap[chunk.pause_after]
        lengths.append(seconds)
    lengths[0] += pauses.head
    lengths[-1] += pauses.tail
    return lengths


@pytest.mark.parametrize("book", ["m4b", "mp3"])
def test_chapters_have_real_titles_and_the_synthesised_lengths(
    book: str, request: pytest.FixtureRequest
) -> None:
    converted: Converted = request.getfixturevalue(book)
    chapters = _chapters(converted.result.path)
    assert [title for title, _, _ in chapters] == TITLES
    expected = _expected_chapter_seconds(converted.cache)
    slack = JOIN_SLACK[book]
    # The book is joined from its work units (chapters, or parts of long ones), and each
    # join may add encoder priming and padding; how many units there are depends on the
    # number of cores.
    units = _unit_chapters()
    starts = np.cumsum([0.0, *expected[:-1]])
    for number, ((_, start, end), want_start, want_length) in enumerate(
        zip(chapters, starts, expected, strict=True), start=1
    ):
        joins_before = sum(1 for chapter in units if chapter < number)
        joins_within = units.count(number)
        # MP3 marks sit after the encoder's delay (46 ms at 24 kHz): see the MP3 writer.
        assert want_start <= start + 0.06 <= want_start + 0.12 + slack * joins_before
        assert end - start == pytest.approx(want_length, abs=0.06 + slack * joins_within)
    joins = len(units) - 1
    assert converted.result.duration_seconds == pytest.approx(
        sum(expected) + slack * joins / 2, abs=0.1 + slack * joins / 2
    )


def _unit_chapters() -> list[int]:
    """The chapter number of each work unit the sample is spoken in, in order."""
    options = ConvertOptions()
    _, plan = extract_plan(SAMPLE_BOOK, options)
    workers = speaking_processes(options, get_provider("local").max_concurrency)
    return [unit.chapter for unit in split_into_units(plan.chapters, workers)]


@pytest.mark.parametrize("book", ["m4b", "mp3"])
def test_loudness_is_even_and_peaks_stay_under_the_ceiling(
    book: str, request: pytest.FixtureRequest
) -> None:
    converted: Converted = request.getfixturevalue(book)
    samples, rate = _decoded(converted.result.path)
    loudness = pyloudnorm.Meter(rate).integrated_loudness(samples)
    assert loudness == pytest.approx(-18.0, abs=1.0)
    assert 20 * np.log10(np.max(np.abs(samples))) <= -2.9
    assert len(samples) / rate == pytest.approx(converted.result.duration_seconds, abs=0.2)


def test_m4b_carries_tags_narrator_and_cover(m4b: Converted) -> None:
    tags = mutagen.File(m4b.result.path).tags
    assert tags["©nam"] == ["Fables of Aesop"]
    assert tags["©ART"] == ["Aesop"]
    assert tags["©gen"] == ["Audiobook"]
    assert tags["©wrt"] == ["Heart (synthetic voice)"]
    assert bytes(tags["covr"][0])[:3] == b"\xff\xd8\xff"


def test_mp3_carries_chapter_frames_tags_narrator_and_cover(mp3: Converted) -> None:
    tags = ID3(mp3.result.path)
    assert str(tags["TIT2"]) == "Fables of Aesop"
    assert str(tags["TPE1"]) == "Aesop"
    assert str(tags["TCOM"]) == "Heart (synthetic voice)"
    assert len(tags.getall("CHAP")) == 3
    assert len(tags.getall("CTOC")) == 1
    assert tags.getall("APIC")[0].data[:3] == b"\xff\xd8\xff"


def test_progress_follows_the_milestones(m4b: Converted) -> None:
    percents = [event.percent for event in m4b.events]
    assert percents[:3] == [5, 15, 35]
    assert percents == sorted(percents)
    assert percents[-1] == 100
    middle = percents[3:-1]
    assert middle
    assert all(40 <= percent <= 95 for percent in middle)
    assert max(event.chapters_done for event in m4b.events) == 3


def test_second_format_reuses_every_synthesised_chunk(m4b: Converted, mp3: Converted) -> None:
    # Same text, voice and speed: every chunk of the MP3 run comes from the M4B run's cache.
    assert m4b.result.chunks_synthesised > 0
    assert m4b.result.chunks_from_cache == 0
    assert mp3.result.chunks_synthesised == 0
    assert mp3.result.chunks_from_cache == m4b.result.chunks_synthesised


def test_summary_chapter_comes_first_and_is_made_of_the_books_sentences(
    tmp_path: Path, m4b: Converted, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A copy: the summary's chunks must be new to this cache, whatever ran before.
    cache_dir = tmp_path / "chunks"
    shutil.copytree(m4b.cache, cache_dir)
    # No language model configured: the summary is extractive, from the book itself.
    for name in ("SUMMARY_LLM_BASE_URL", "SUMMARY_LLM_MODEL"):
        monkeypatch.delenv(name, raising=False)
    options = ConvertOptions(
        output=tmp_path / "with-summary.m4b", cache_dir=cache_dir, summary=SummaryMode.BEFORE
    )
    result = convert_book(SAMPLE_BOOK, options)
    assert [title for title, _, _ in _chapters(result.path)] == ["Summary", *TITLES]
    book, _ = extract_plan(SAMPLE_BOOK, options)
    summary, *chapters = [chapter.text for chapter in book.chapters]
    book_text = " ".join(" ".join(text.split()) for text in chapters)
    for sentence in split_sentences(summary):
        assert sentence in book_text
    assert 100 <= len(summary.split()) <= 190
    # The chapters themselves were cached by the earlier runs: only the summary is new.
    limit = get_provider("local").max_chars
    assert result.chunks_synthesised == len(chapter_speech("Summary", [summary], limit))
