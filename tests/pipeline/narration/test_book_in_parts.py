"""A chapter spoken in parts by separate processes sounds like one chapter: its loudness,
its peaks, its one chapter mark, and part boundaries that fall in pauses."""

from __future__ import annotations

import tempfile
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt
import pyloudnorm
import pytest

from pdf2audiobook.pipeline.audio import BookTags, join_chapter_files
from pdf2audiobook.pipeline.narration import (
    ChapterSpeech,
    OutputSpec,
    UnitWorkers,
    VoiceChoice,
    narrate_book,
    split_into_units,
)
from pdf2audiobook.pipeline.narration.speak_unit import UnitJob, speak_unit
from pdf2audiobook.pipeline.progress import ProgressEvent, Stage
from pdf2audiobook.pipeline.speech import Pause, SpeechChunk, chapter_speech
from pdf2audiobook.pipeline.voices import ChunkCache, ChunkTooLongError, get_provider

TAGS = BookTags(title="Parts", author="A. Writer", narrator="Heart (synthetic voice)")
VOICE = VoiceChoice("local", "heart", 1.0, 24_000)
PARAGRAPHS = [
    "The harbour was quiet in the early morning, and the boats lay still on the grey water.",
    "Old Tobias walked along the quay with his dog, counting the gulls as he always did.",
    "Nobody knew why he counted them. He said it kept the weather honest, and laughed.",
    "By seven the fish market opened, and the square filled with voices and carts.",
    "A girl sold apples from a basket, calling out the price to anyone who passed her.",
    "Then the rain came in from the sea, and everyone ran for the shelter of the arcade.",
]
PART_CHARS = 180
"""Small parts, so that a short chapter is cut in three."""


def speech(title: str, paragraphs: list[str]) -> ChapterSpeech:
    limit = get_provider("local").max_chars
    return ChapterSpeech(title, chapter_speech(title, paragraphs, limit))


BOOK = [speech("A short opening", PARAGRAPHS[:1]), speech("The market", PARAGRAPHS)]


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("chunks")


def decoded(path: Path) -> tuple[npt.NDArray[np.float64], int]:
    with av.open(str(path)) as container:
        rate = container.streams.audio[0].sample_rate
        blocks = [frame.to_ndarray().reshape(-1) for frame in container.decode(audio=0)]
    return np.concatenate(blocks).astype(np.float64), rate


def chapter_marks(path: Path) -> list[tuple[str, float, float]]:
    with av.open(str(path)) as container:
        marks = []
        for chapter in container.chapters():
            time_base = chapter["time_base"]
            assert time_base is not None
            start, end = float(chapter["start"] * time_base), float(chapter["end"] * time_base)
            marks.append((chapter["metadata"]["title"], start, end))
    return marks


def lufs(samples: npt.NDArray[np.float64], rate: int) -> float:
    return float(pyloudnorm.Meter(rate).integrated_loudness(samples))


def peak_dbfs(samples: npt.NDArray[np.float64]) -> float:
    with np.errstate(divide="ignore"):
        return float(20 * np.log10(np.max(np.abs(samples))))


def test_parts_end_in_a_pause_and_join_into_a_chapter_at_the_target_loudness(
    tmp_path: Path, cache_dir: Path
) -> None:
    chapter = BOOK[1]
    units = [u for u in split_into_units(BOOK, 2, PART_CHARS) if u.chapter == 2]
    assert len(units) == 3
    files = []
    for unit in units:
        path = tmp_path / f"part{unit.part}.m4b"
        job = UnitJob(
            title=chapter.title,
            chunks=chapter.chunks[unit.start : unit.end],
            voices=[VOICE],
            output=OutputSpec(path, "m4b", TAGS, None),
            closes_book=unit.last_of_chapter,
        )
        speak_unit(job, ChunkCache(cache_dir))
        files.append(path)

    for path in files[:-1]:
        # The part's last half second (before the encoder's end padding) is the paragraph
        # pause that follows its last chunk: the join between parts falls in it.
        samples, rate = decoded(path)
        ending = samples[-round(0.55 * rate) : -round(0.05 * rate)]
        assert peak_dbfs(ending) < -45.0

    output = tmp_path / "chapter.m4b"
    joined = join_chapter_files(
        [(chapter.title, files[0]), *((None, path) for path in files[1:])],
        "m4b",
        output,
        TAGS,
        None,
    )
    assert [mark.title for mark in joined.chapters] == [chapter.title]
    samples, rate = decoded(output)
    assert lufs(samples, rate) == pytest.approx(-18.0, abs=0.5)
    assert peak_dbfs(samples) <= -3.0
    for path in files:
        part, _ = decoded(path)
        assert lufs(part, rate) == pytest.approx(-18.0, abs=0.5)


@pytest.fixture
def private_tempdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary folder of this test's own, to see what the narration leaves in it."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.mark.parametrize("fmt", ["m4b", "mp3"])
def test_a_book_spoken_in_parts_by_two_processes_has_one_mark_per_chapter(
    fmt: str, tmp_path: Path, cache_dir: Path, private_tempdir: Path
) -> None:
    events: list[ProgressEvent] = []
    output = tmp_path / f"book.{fmt}"
    with UnitWorkers(2, "local", "heart", cache_dir, None) as workers:
        narration = narrate_book(
            BOOK,
            [VOICE],
            OutputSpec(output, fmt, TAGS, None),  # type: ignore[arg-type]
            workers,
            on_progress=events.append,
            part_chars=PART_CHARS,
        )

    marks = chapter_marks(output)
    assert [title for title, _, _ in marks] == ["A short opening", "The market"]
    assert narration.book.chapters[1].start == pytest.approx(marks[1][1], abs=0.002)
    samples, rate = decoded(output)
    # Chapter two starts where chapter one's audio ends: on its title, after a pause.
    second = round(marks[1][1] * rate)
    assert peak_dbfs(samples[second - round(0.5 * rate) : second]) < -45.0
    assert peak_dbfs(samples[second : second + round(1.0 * rate)]) > -30.0
    assert lufs(samples[second:], rate) == pytest.approx(-18.0, abs=0.5)
    assert peak_dbfs(samples) <= -3.0
    assert narration.chapter_voices == [VOICE, VOICE]
    assert narration.chunks_synthesised + narration.chunks_from_cache == sum(
        len(chapter.chunks) for chapter in BOOK
    )
    percents = [event.percent for event in events]
    assert percents == sorted(percents)
    assert max(event.chapters_done for event in events) == 2
    assert events[-1].stage == Stage.WRITING
    assert events[-1].audio_seconds > 20.0
    assert list(private_tempdir.iterdir()) == []
    assert sorted(path.name for path in tmp_path.iterdir()) == [f"book.{fmt}", "tmp"]


def test_a_failing_unit_leaves_no_book_and_no_unit_files(
    tmp_path: Path, private_tempdir: Path
) -> None:
    limit = get_provider("local").max_chars
    too_long = SpeechChunk("word " * limit, Pause.CHAPTER)
    broken = ChapterSpeech("Broken", [*BOOK[1].chunks[:2], too_long])
    output = tmp_path / "book.m4b"
    with (
        UnitWorkers(2, "local", "heart", None, None) as workers,
        pytest.raises(ChunkTooLongError),
    ):
        narrate_book([BOOK[0], broken], [VOICE], OutputSpec(output, "m4b", TAGS, None), workers)
    assert list(private_tempdir.iterdir()) == []
    assert list(tmp_path.iterdir()) == [private_tempdir]
