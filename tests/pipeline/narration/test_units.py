"""A book cut into work units: every chunk once, cuts only at pauses, parts of similar size."""

from __future__ import annotations

import pytest

from pdf2audiobook.pipeline.narration import (
    ChapterSpeech,
    WorkUnit,
    dispatch_order,
    split_into_units,
)
from pdf2audiobook.pipeline.narration.units import MAX_PART_CHARS, MIN_PART_CHARS, part_size
from pdf2audiobook.pipeline.speech import Pause, SpeechChunk


def chapter(
    title: str, paragraphs: int, chunks_per_paragraph: int = 2, size: int = 100
) -> ChapterSpeech:
    """A title chunk, then paragraphs of equal chunks (SENTENCE inside, PARAGRAPH after)."""
    chunks = [SpeechChunk(title, Pause.TITLE)]
    for _ in range(paragraphs):
        for index in range(chunks_per_paragraph):
            last = index == chunks_per_paragraph - 1
            chunks.append(SpeechChunk("x" * size, Pause.PARAGRAPH if last else Pause.SENTENCE))
    chunks[-1] = SpeechChunk(chunks[-1].text, Pause.CHAPTER)
    return ChapterSpeech(title, chunks)


def covered(units: list[WorkUnit]) -> list[tuple[int, int]]:
    """(chapter, chunk) of every chunk the units hold, in order."""
    return [(u.chapter, i) for u in units for i in range(u.start, u.end)]


def test_every_chunk_is_in_exactly_one_unit_in_reading_order() -> None:
    chapters = [chapter("One", 40), chapter("Two", 3), chapter("Three", 90)]
    units = split_into_units(chapters, workers=2, part_chars=2_000)
    expected = [(n, i) for n, c in enumerate(chapters, start=1) for i in range(len(c.chunks))]
    assert covered(units) == expected
    assert [u.characters for u in units] == [
        sum(len(c.text) for c in chapters[u.chapter - 1].chunks[u.start : u.end]) for u in units
    ]


def test_long_chapters_are_cut_after_paragraphs_into_parts_of_similar_size() -> None:
    chapters = [chapter("One", 5), chapter("Long", 100)]  # 20,004 characters
    units = split_into_units(chapters, workers=2, part_chars=5_000)
    long_parts = [u for u in units if u.chapter == 2]
    assert len(long_parts) == 5
    assert [u.part for u in long_parts] == [1, 2, 3, 4, 5]
    assert all(u.parts == 5 for u in long_parts)
    sizes = [u.characters for u in long_parts]
    assert max(sizes) - min(sizes) <= 200  # one paragraph
    for unit in long_parts[:-1]:
        last_chunk = chapters[1].chunks[unit.end - 1]
        assert last_chunk.pause_after in (Pause.PARAGRAPH, Pause.TITLE, Pause.CHAPTER)


def test_a_chapter_without_paragraph_pauses_stays_whole() -> None:
    one_paragraph = chapter("Run-on", 1, chunks_per_paragraph=200)
    units = split_into_units([one_paragraph], workers=2, part_chars=1_000)
    # The only break is after the title, far from any share of the chapter.
    assert sum(u.characters for u in units) == sum(len(c.text) for c in one_paragraph.chunks)
    for unit in units[:-1]:
        assert one_paragraph.chunks[unit.end - 1].pause_after != Pause.SENTENCE


def test_short_chapters_are_one_unit_each() -> None:
    chapters = [chapter("A", 2), chapter("B", 3)]
    units = split_into_units(chapters, workers=4)
    assert [(u.chapter, u.part, u.parts) for u in units] == [(1, 1, 1), (2, 1, 1)]


def test_the_first_chapter_is_spread_over_every_worker() -> None:
    # 40,000 characters in chapter one: the book's part size would keep it in few parts,
    # but it is cut so that each of the four workers speaks a share of it.
    chapters = [chapter("First", 200), *(chapter(f"C{n}", 400) for n in range(6))]
    units = split_into_units(chapters, workers=4)
    first = [u for u in units if u.chapter == 1]
    assert len(first) == 4
    assert all(u.characters <= 40_004 / 4 + 200 for u in first)


def test_part_size_grows_with_the_book_between_bounds() -> None:
    assert part_size(10_000, 2) == MIN_PART_CHARS
    assert part_size(240_000, 2) == 20_000
    assert part_size(50_000_000, 2) == MAX_PART_CHARS
    assert part_size(240_000, 4) == 10_000


def test_dispatch_starts_with_the_first_chapter_then_the_longest() -> None:
    units = [
        WorkUnit(1, 1, 2, 0, 5, 500),
        WorkUnit(1, 2, 2, 5, 9, 400),
        WorkUnit(2, 1, 1, 0, 3, 300),
        WorkUnit(3, 1, 2, 0, 9, 900),
        WorkUnit(3, 2, 2, 9, 12, 350),
        WorkUnit(4, 1, 1, 0, 1, 50),
    ]
    order = dispatch_order(units)
    assert [(u.chapter, u.part) for u in order] == [(1, 1), (1, 2), (3, 1), (3, 2), (2, 1), (4, 1)]


@pytest.mark.parametrize("part_chars", [0, -5])
def test_a_part_size_below_one_is_refused(part_chars: int) -> None:
    with pytest.raises(ValueError, match="at least one character"):
        split_into_units([chapter("A", 2)], workers=2, part_chars=part_chars)
