"""A chapter plan from the outline: each chosen entry anchored to its printed heading."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from pdf2audiobook.pipeline.chapters.anchoring import HEADING_SIZE_RATIO, TitleAnchorer
from pdf2audiobook.pipeline.chapters.headings import headings_of_size
from pdf2audiobook.pipeline.chapters.model import (
    ChapterPlan,
    ChapterStart,
    SkippedSection,
    position,
)
from pdf2audiobook.pipeline.chapters.outline import OutlineTarget
from pdf2audiobook.pipeline.chapters.titles import looks_like_contents_line
from pdf2audiobook.pipeline.document import PageText

MIN_CONTENTS_LINES = 5
CONTENTS_LINE_SHARE = 0.5
"""Share of a page's lines that read like contents entries on a contents page."""

Start = ChapterStart | SkippedSection


def plan_from_outline(
    pages: Mapping[int, PageText], targets: Sequence[OutlineTarget], body_size: float
) -> ChapterPlan:
    """Anchor each target to its heading; add front-matter headings the outline missed."""
    anchorer = TitleAnchorer(pages, body_size)
    starts: list[Start] = []
    title_sizes: list[float] = []
    for number, target in enumerate(targets):
        last = position(starts[-1]) if starts else (0, -1)
        anchor = anchorer.find(target.title, target.page, last)
        if anchor is not None:
            title_sizes.append(anchor.title_size)
            _append(starts, _start(target, anchor.page, anchor.line_index, anchor.heading_lines))
            continue
        next_page = targets[number + 1].page if number + 1 < len(targets) else None
        moved_to = _page_after_contents(pages, target, next_page)
        if moved_to is None:
            _append(starts, _start(target, target.page, None, 0))
        else:
            # The entry points into the table of contents (a broken link, as in
            # corpus 02): skip the contents and start the chapter after them.
            _append(starts, SkippedSection("Contents", target.page, None, "contents"))
            _append(starts, _start(target, moved_to, None, 0))
    extra = _unlisted_headings(pages, body_size, title_sizes, starts)
    return _as_plan(_merged(starts, extra))


def _start(target: OutlineTarget, page: int, line_index: int | None, heading_lines: int) -> Start:
    if target.skip is not None:
        return SkippedSection(target.title, page, line_index, target.skip)
    return ChapterStart(target.title, page, line_index, heading_lines, "outline")


def _append(starts: list[Start], start: Start) -> None:
    """Keep starts strictly in order; an unanchored start at the same place gives way."""
    if starts:
        previous = starts[-1]
        if position(start) < position(previous):
            return
        if position(start) == position(previous):
            if previous.line_index is not None:
                return
            starts.pop()
    starts.append(start)


def _page_after_contents(
    pages: Mapping[int, PageText], target: OutlineTarget, next_page: int | None
) -> int | None:
    """The first page after a run of contents pages that starts at the target's page."""
    if target.skip is not None or not _is_contents_page(pages.get(target.page)):
        return None
    page = target.page
    while _is_contents_page(pages.get(page + 1)):
        page += 1
    after = page + 1
    if after not in pages or (next_page is not None and after > next_page):
        return None
    return after


def _is_contents_page(page: PageText | None) -> bool:
    if page is None or len(page.lines) < MIN_CONTENTS_LINES:
        return False
    entries = sum(1 for line in page.lines if looks_like_contents_line(line.text))
    return entries >= CONTENTS_LINE_SHARE * len(page.lines)


def _unlisted_headings(
    pages: Mapping[int, PageText],
    body_size: float,
    title_sizes: Sequence[float],
    starts: Sequence[Start],
) -> list[Start]:
    """Headings in chapter-title type that the outline leaves out.

    Before the outline's first entry every such heading counts (a Preface, the
    Contents); after it only sections to skip do (an Index or Bibliography that the
    outline omits, as in corpus 02), since a stray large line must not split a chapter.
    """
    if not title_sizes or not starts:
        return []
    rounded = Counter(round(size * 2) / 2 for size in title_sizes)
    common = rounded.most_common(1)[0][0]
    size = next(s for s in title_sizes if round(s * 2) / 2 == common)
    if size < body_size * HEADING_SIZE_RATIO:
        return []
    first = position(starts[0])
    ordered = [pages[number] for number in sorted(pages)]
    found = [heading.to_start() for heading in headings_of_size(ordered, body_size, size)]
    return [s for s in found if position(s) < first or isinstance(s, SkippedSection)]


def _merged(starts: Sequence[Start], extra: Sequence[Start]) -> list[Start]:
    """Outline starts and extra headings, in document order.

    An extra heading gives way to an outline start at the same place, and is dropped
    inside a section already skipped for the same reason.
    """
    tagged = [(position(s), False, s) for s in starts] + [(position(s), True, s) for s in extra]
    tagged.sort(key=lambda item: (item[0], item[1]))
    merged: list[Start] = []
    for place, is_extra, start in tagged:
        previous = merged[-1] if merged else None
        if previous is not None and position(previous) == place:
            continue
        if (
            is_extra
            and isinstance(start, SkippedSection)
            and isinstance(previous, SkippedSection)
            and previous.reason == start.reason
        ):
            continue
        merged.append(start)
    return merged


def _as_plan(starts: Sequence[Start]) -> ChapterPlan:
    chapters = [s for s in starts if isinstance(s, ChapterStart)]
    skipped = [s for s in starts if isinstance(s, SkippedSection)]
    if not chapters:
        return ChapterPlan()
    return ChapterPlan(chapters, skipped, "outline")
