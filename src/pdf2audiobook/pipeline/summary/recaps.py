"""Short recaps of each chapter, to be read after it."""

from __future__ import annotations

from pdf2audiobook.pipeline.document import Book
from pdf2audiobook.pipeline.summary.base import Summariser, SummaryResult

RECAP_TITLE_PREFIX = "Recap: "
DEFAULT_RECAP_WORDS = 60


def chapter_recaps(
    book: Book,
    summariser: Summariser,
    target_words: int = DEFAULT_RECAP_WORDS,
    *,
    min_chapter_words: int | None = None,
) -> list[tuple[str, SummaryResult]]:
    """("Recap: <chapter title>", recap) for each chapter worth recapping, in book order.

    A chapter shorter than `min_chapter_words` (by default twice the recap) is skipped:
    its recap would repeat most of it. So is a chapter whose recap came back empty.
    Raises whatever `summariser` raises (a FallbackSummariser raises nothing expected).
    """
    shortest = 2 * target_words if min_chapter_words is None else min_chapter_words
    recaps: list[tuple[str, SummaryResult]] = []
    for chapter in book.chapters:
        if chapter.word_count < shortest:
            continue
        recap = summariser.summarise_chapter(chapter, target_words)
        if recap.text:
            recaps.append((f"{RECAP_TITLE_PREFIX}{chapter.title}", recap))
    return recaps
