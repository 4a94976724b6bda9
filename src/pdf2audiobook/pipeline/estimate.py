"""Before any work: how many characters a book sends, how long it plays, what it costs."""

from __future__ import annotations

import math
from dataclasses import dataclass

from pdf2audiobook.pipeline.convert import spoken_paragraphs
from pdf2audiobook.pipeline.document import Book
from pdf2audiobook.pipeline.reading.text_count import TextCount
from pdf2audiobook.pipeline.speech import Lexicon, chapter_speech
from pdf2audiobook.pipeline.voices import provider_statuses
from pdf2audiobook.pipeline.voices.pricing import cost_of

WORDS_PER_MINUTE = 170.0
"""Measured pace of the default voice at speed 1.0 (174 wpm); cloud voices are close."""
_PLANNING_CHUNK = 100_000
"""Chunk size only for counting: the text is the same however a provider splits it."""


@dataclass(frozen=True, slots=True)
class ProviderEstimate:
    provider: str
    available: bool
    reason: str | None
    characters: int
    duration_seconds: float
    cost_usd: float


def spoken_text_size(book: Book, lexicon: Lexicon | None = None) -> tuple[int, int]:
    """(characters, words) of the text exactly as it would be sent to a voice."""
    characters = words = 0
    for chapter in book.chapters:
        for chunk in chapter_speech(
            chapter.title, spoken_paragraphs(chapter), _PLANNING_CHUNK, lexicon
        ):
            characters += len(chunk.text)
            words += len(chunk.text.split())
    return characters, words


def estimate_book(
    book: Book, speed: float = 1.0, lexicon: Lexicon | None = None
) -> list[ProviderEstimate]:
    """One estimate per known provider, available or not (with the reason)."""
    characters, words = spoken_text_size(book, lexicon)
    duration = words / WORDS_PER_MINUTE * 60.0 / speed
    return [
        ProviderEstimate(
            provider=status.name,
            available=status.available,
            reason=status.reason,
            characters=characters,
            duration_seconds=duration,
            cost_usd=cost_of(status.name, characters),
        )
        for status in provider_statuses()
    ]


OCR_CHARACTERS_PER_PAGE = 2_000
"""Assumed for a page of scanned text when pricing a book before OCR has read it: a dense
book page holds about 1,800 characters."""
SPOKEN_PER_VISIBLE = 1.2
"""Spoken characters per visible character of a text layer: the spaces between words come
back, and numbers and abbreviations are spelled out; removed headers and page numbers make
up a little of it."""


def characters_before_reading(count: TextCount) -> int:
    """Characters a book will probably send to a voice, judged from a quick count: enough to
    price it before it is read, a little over rather than under."""
    spoken = count.characters * SPOKEN_PER_VISIBLE
    return math.ceil(spoken + count.pages_without_text * OCR_CHARACTERS_PER_PAGE)
