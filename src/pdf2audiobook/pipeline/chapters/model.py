"""The chapter plan: where each chapter, and each section not to be read, begins."""

from __future__ import annotations

from dataclasses import dataclass, field

from pdf2audiobook.pipeline.chapters.titles import SkipReason


@dataclass(frozen=True, slots=True)
class ChapterStart:
    """A chapter begins at `pages[page - 1].lines[line_index]` (None: the top of the page).

    The `heading_lines` lines from there are the printed heading; they are not read as
    body text because `title` is announced instead.
    """

    title: str
    page: int
    line_index: int | None
    heading_lines: int
    source: str
    """"outline", "printed_contents" or "headings": what found this start."""


@dataclass(frozen=True, slots=True)
class SkippedSection:
    """A section that is not read aloud (contents, index...), from here to the next start."""

    title: str
    page: int
    line_index: int | None
    reason: SkipReason


@dataclass(frozen=True, slots=True)
class ChapterPlan:
    """Chapter and skipped-section starts in document order.

    What lies between one start (of either kind) and the next belongs to the first;
    what lies before the first start is front matter. No starts at all means no
    structure was found.
    """

    starts: list[ChapterStart] = field(default_factory=list)
    skipped: list[SkippedSection] = field(default_factory=list)
    source: str = "none"
    """"outline", "printed_contents", "headings", or "none" for an empty plan."""


def position(start: ChapterStart | SkippedSection) -> tuple[int, int]:
    """Sort key of a start: page, then line; the top of a page is the same place as line 0."""
    return start.page, start.line_index or 0
