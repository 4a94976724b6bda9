"""A book cut into work units: whole chapters, or parts of long ones, each spoken apart.

A unit is spoken, normalised and encoded by one process, so a book keeps every core busy
only if its units are many and of similar size: one three-hour chapter on one core would
leave the others idle for hours. Long chapters are therefore cut into parts of similar
size, always after a paragraph (or longer) pause, so that a part boundary, with its
small change of gain and its encoder priming, falls in silence.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

from pdf2audiobook.pipeline.narration.model import ChapterSpeech, chapter_characters
from pdf2audiobook.pipeline.speech import Pause, SpeechChunk

MIN_PART_CHARS = 3_000
"""About three minutes of speech: enough to measure a part's loudness on, and to make the
per-part cost (opening an encoder, tagging a file) small beside the speaking."""
MAX_PART_CHARS = 40_000
"""About 45 minutes of speech: even a very long book keeps its tail short."""
PARTS_PER_WORKER = 6
"""Units per worker: with the longest dispatched first, the last ones are small, so every
worker finishes within a small part's time of the others."""

_BREAKS = frozenset({Pause.PARAGRAPH, Pause.TITLE, Pause.CHAPTER})


@dataclass(frozen=True, slots=True)
class WorkUnit:
    """Chunks `start:end` of chapter `chapter` (1-based): its part `part` of `parts`."""

    chapter: int
    part: int
    parts: int
    start: int
    end: int
    characters: int

    @property
    def first_of_chapter(self) -> bool:
        return self.part == 1

    @property
    def last_of_chapter(self) -> bool:
        return self.part == self.parts


def part_size(total_chars: int, workers: int) -> int:
    """Characters per part for a book of `total_chars` spoken by `workers` processes."""
    share = math.ceil(total_chars / (max(1, workers) * PARTS_PER_WORKER))
    return min(max(share, MIN_PART_CHARS), MAX_PART_CHARS)


def split_into_units(
    chapters: Sequence[ChapterSpeech], workers: int, part_chars: int | None = None
) -> list[WorkUnit]:
    """Every chunk of `chapters` in exactly one unit, in reading order.

    A chapter longer than the part size (`part_chars`, by default `part_size` of the book)
    is cut into as many parts of similar size as that takes. The first chapter is cut
    finer, into one part per worker when it is long enough, so that all of them speak it
    and it is finished early. Cuts fall only after chunks followed by a paragraph pause or
    a longer one, so a chapter without such a pause stays whole.
    """
    total = sum(chapter_characters(chapter) for chapter in chapters)
    size = part_chars if part_chars is not None else part_size(total, workers)
    if size < 1:
        raise ValueError(f"a part needs at least one character, not {size}")
    units: list[WorkUnit] = []
    for number, chapter in enumerate(chapters, start=1):
        characters = chapter_characters(chapter)
        limit = size
        if number == 1 and part_chars is None:
            limit = min(size, max(MIN_PART_CHARS, math.ceil(characters / max(1, workers))))
        ranges = _part_ranges(chapter.chunks, math.ceil(characters / limit))
        for part, (start, end) in enumerate(ranges, start=1):
            chars = sum(len(chunk.text) for chunk in chapter.chunks[start:end])
            units.append(WorkUnit(number, part, len(ranges), start, end, chars))
    return units


def dispatch_order(units: Sequence[WorkUnit]) -> list[WorkUnit]:
    """The first chapter's units in order, so it is finished first, then the rest longest
    first, so the last units to start are the shortest and the workers finish together."""
    if not units:
        return []
    first = min(unit.chapter for unit in units)
    opening = sorted((u for u in units if u.chapter == first), key=lambda u: u.part)
    rest = sorted(
        (u for u in units if u.chapter != first),
        key=lambda u: (-u.characters, u.chapter, u.part),
    )
    return [*opening, *rest]


def _part_ranges(chunks: Sequence[SpeechChunk], wanted: int) -> list[tuple[int, int]]:
    """Chunk ranges of up to `wanted` parts of similar size, cut only at breaks."""
    if wanted <= 1 or len(chunks) < 2:
        return [(0, len(chunks))]
    ends: list[int] = []  # characters up to and including each chunk
    running = 0
    for chunk in chunks:
        running += len(chunk.text)
        ends.append(running)
    # A cut after chunk i (never after the last one, which ends the chapter anyway).
    candidates = [i for i in range(len(chunks) - 1) if chunks[i].pause_after in _BREAKS]
    cuts: list[int] = []
    for share in range(1, wanted):
        target = running * share / wanted
        later = [i for i in candidates if not cuts or i > cuts[-1]]
        if not later:
            break
        best = min(later, key=lambda i: abs(ends[i] - target))
        cuts.append(best)
    bounds = [0, *(cut + 1 for cut in cuts), len(chunks)]
    return list(itertools.pairwise(bounds))
