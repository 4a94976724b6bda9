"""Chapter planning: outline first, then the printed contents, then font-size headings,
else no plan at all."""

from __future__ import annotations

from collections.abc import Sequence

from pdf2audiobook.pipeline.chapters.headings import Heading, find_chapter_headings
from pdf2audiobook.pipeline.chapters.model import ChapterPlan, ChapterStart, SkippedSection
from pdf2audiobook.pipeline.chapters.outline import outline_targets
from pdf2audiobook.pipeline.chapters.outline_plan import plan_from_outline
from pdf2audiobook.pipeline.chapters.printed_contents import plan_from_printed_contents
from pdf2audiobook.pipeline.cleaning.body_size import body_font_size
from pdf2audiobook.pipeline.document import OutlineEntry, PageText


def plan_chapters(pages: Sequence[PageText], outline: Sequence[OutlineEntry]) -> ChapterPlan:
    """Where each chapter and each section not to be read begins, in document order.

    `pages` are the cleaned pages (running heads, folios and footnotes removed) and
    `outline` the document's bookmarks. The outline wins when it yields chapters; else
    a printed table of contents whose entries are found in the body; else headings are
    recognised by type size (or "Chapter N" lines on scans). An empty plan means that
    no structure was found. Pure and linear in the number of lines.
    """
    by_number = {page.number: page for page in pages}
    body_size = body_font_size(pages)
    if by_number:
        targets = outline_targets(outline, max(by_number))
        if targets:
            plan = plan_from_outline(by_number, targets, body_size)
            if plan.starts:
                return plan
        plan = plan_from_printed_contents(by_number, body_size)
        if plan.starts:
            return plan
    return plan_from_headings(pages, body_size)


def plan_from_headings(pages: Sequence[PageText], body_size: float) -> ChapterPlan:
    """The plan that headings recognised by type size give, on their own."""
    return _plan_from_headings(find_chapter_headings(pages, body_size))


def _plan_from_headings(headings: Sequence[Heading]) -> ChapterPlan:
    entries = [heading.to_start() for heading in headings]
    starts = [entry for entry in entries if isinstance(entry, ChapterStart)]
    skipped = [entry for entry in entries if isinstance(entry, SkippedSection)]
    if not starts:
        return ChapterPlan()
    return ChapterPlan(starts, skipped, "headings")
