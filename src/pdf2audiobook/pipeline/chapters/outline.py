"""Which outline entries become chapters: the level to use, and the entries to skip.

The rule comes from the corpus measurements: the top level is the chapter list in
every book we have, once contents, lists and index entries are set aside. When the
top level holds a single entry (the book's own title, typically) or an unwieldy number
of them, the next level down is tried.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from pdf2audiobook.pipeline.chapters.titles import SkipReason, normalize_title, skip_reason
from pdf2audiobook.pipeline.document import OutlineEntry

MAX_OUTLINE_ENTRIES = 5000
"""Entries looked at; a giant (or looping) outline costs no more than this."""
MIN_CHAPTERS = 2
MAX_CHAPTERS = 60
"""Above this many entries a level is a list of sections rather than of chapters."""


@dataclass(frozen=True, slots=True)
class OutlineTarget:
    """An outline entry chosen for the plan: a chapter, or a section to skip."""

    title: str
    page: int
    skip: SkipReason | None


@dataclass(frozen=True, slots=True)
class _Usable:
    target: OutlineTarget
    level: int
    under_skipped: bool
    """The entry sits below a skipped top-level entry (the letters of an index)."""


def outline_targets(outline: Sequence[OutlineEntry], page_count: int) -> list[OutlineTarget]:
    """The outline entries to plan with, in page order; empty when the outline is no use.

    Entries without a title, without a page or pointing outside the document are
    ignored, and so is any entry that points before the one kept ahead of it.
    """
    usable = _usable_entries(outline, page_count)
    level = _chapter_level(usable)
    if level is None:
        return []
    picked: list[OutlineTarget] = []
    for entry in usable:
        if entry.under_skipped or entry.level > level:
            continue
        if entry.level < level and entry.target.skip is None:
            continue
        if picked and entry.target.page < picked[-1].page:
            continue
        picked.append(entry.target)
    return picked


def is_skipped_title(title: str) -> bool:
    """True for an outline title whose section is not read aloud (Contents, Index...)."""
    return skip_reason(normalize_title(title)) is not None


def _usable_entries(outline: Sequence[OutlineEntry], page_count: int) -> list[_Usable]:
    usable: list[_Usable] = []
    top_skipped = False
    for entry in itertools.islice(outline, MAX_OUTLINE_ENTRIES):
        title = normalize_title(entry.title)
        reason = skip_reason(title) if title else None
        if entry.level == 0:
            top_skipped = reason is not None
        if not title or entry.page is None or not 1 <= entry.page <= page_count:
            continue
        target = OutlineTarget(title, entry.page, reason)
        usable.append(_Usable(target, entry.level, top_skipped and entry.level > 0))
    return usable


def _chapter_level(usable: Sequence[_Usable]) -> int | None:
    """Level 0 when it lists 2-60 chapters, else level 1 if that does; else what exists."""
    counts = [0, 0]
    for entry in usable:
        if entry.level < len(counts) and entry.target.skip is None and not entry.under_skipped:
            counts[entry.level] += 1
    for level, count in enumerate(counts):
        if MIN_CHAPTERS <= count <= MAX_CHAPTERS:
            return level
    # Neither level looks like a chapter list: many chapters beat none (an anthology
    # of short pieces has a long flat outline), and a single chapter is no structure.
    for level, count in enumerate(counts):
        if count >= MIN_CHAPTERS:
            return level
    return None
