"""Chapter headings recognised by their type size, for documents without a usable outline.

Large type is not always a heading: title pages, type specimens and program output
use it too (corpus 01 and 07). So a size only counts as the chapter size when it opens
at least two pages that also carry body text, and when several sizes qualify the one
whose headings carry "Chapter N" labels wins, else the largest. Scanned books, whose
sizes say little, fall back on "Chapter N" lines alone.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from pdf2audiobook.pipeline.chapters.model import ChapterStart, SkippedSection
from pdf2audiobook.pipeline.chapters.titles import (
    has_word,
    is_label_line,
    join_title_lines,
    looks_like_contents_line,
    normalize_title,
    skip_reason,
    strong_label,
)
from pdf2audiobook.pipeline.document import PageText, TextLine

HEADING_SIZE_RATIO = 1.15
SIZE_TOLERANCE = 0.3
"""Points within which two headings are set in the same size."""
BODY_SIZE_TOLERANCE = 0.5
NEAR_TOP_LINES = 5
"""A chapter heading is among a page's first lines (running heads may sit above it)..."""
NEAR_TOP_SHARE = 0.45
"""...and in the upper part of the page."""
MIN_BODY_LINES = 3
"""Body-size lines that make a page a text page rather than a title or part page."""
MIN_PAGES = 2
MAX_HEADING_WORDS = 14
MAX_TITLE_LINES = 2
REPEATED_ON_PAGES = 3
"""Large text recurring on this many pages is page furniture, not a heading."""
LABEL_GAP_IN_LINES = 3.0
TITLE_GAP_IN_LINES = 1.0
MAX_PATTERN_TITLE_WORDS = 8

_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True, slots=True)
class Heading:
    """A heading: its first line, how many lines it spans, and its label and title."""

    page: int
    line_index: int
    line_count: int
    label: str
    """The "Chapter 3" / "One" line above the title; empty when there is none."""
    title: str
    """The title without its label; empty for a heading that is a label alone."""
    size: float
    near_top: bool
    on_text_page: bool
    numbered: bool
    """Carries a chapter number: a label above a title, or "Chapter 3"/"Appendix B"."""

    @property
    def spoken_title(self) -> str:
        if self.label and self.title:
            return f"{self.label}: {self.title}"
        return self.label or self.title

    def to_start(self) -> ChapterStart | SkippedSection:
        """This heading as a plan entry: a chapter, or a section to skip."""
        reason = skip_reason(self.title or self.label)
        if reason is not None:
            return SkippedSection(self.spoken_title, self.page, self.line_index, reason)
        return ChapterStart(
            self.spoken_title, self.page, self.line_index, self.line_count, "headings"
        )


def find_chapter_headings(pages: Sequence[PageText], body_size: float) -> list[Heading]:
    """The chapter headings of a document, in order; empty when none stand out.

    Headings of the chosen size on pages with no body text are kept only when they
    carry a label (a "Part II" page), so a title page in chapter type is not a chapter.
    """
    repeated = _repeated_keys(pages, body_size)
    headings = [heading for page in pages for heading in _page_headings(page, body_size, repeated)]
    tier = _chapter_tier(headings)
    if tier is None:
        return _labelled_lines(pages)
    chosen = [
        heading
        for heading in headings
        if abs(heading.size - tier) <= SIZE_TOLERANCE
        and (
            heading.on_text_page
            or heading.numbered
            or skip_reason(heading.title or heading.label) is not None
        )
    ]
    return _without_repeated_skips(_without_letter_runs(chosen))


def headings_of_size(pages: Sequence[PageText], body_size: float, size: float) -> list[Heading]:
    """Headings set in `size` at the top of a page, in document order.

    Used with the size the outline's own chapter headings were found in, to find a
    Preface, Contents or Index that the outline leaves out.
    """
    found: list[Heading] = []
    for page in pages:
        for heading in _page_headings(page, body_size, frozenset()):
            if (
                abs(heading.size - size) <= SIZE_TOLERANCE
                and heading.near_top
                and (heading.on_text_page or skip_reason(heading.title) is not None)
            ):
                found.append(heading)
    return _without_repeated_skips(found)


def _page_headings(page: PageText, body_size: float, repeated: frozenset[str]) -> list[Heading]:
    threshold = body_size * HEADING_SIZE_RATIO
    lines = page.lines
    body_lines = sum(1 for line in lines if abs(line.size - body_size) <= BODY_SIZE_TOLERANCE)
    on_text_page = body_lines >= MIN_BODY_LINES
    headings: list[Heading] = []
    index = 0
    while index < len(lines):
        if not _is_heading_line(lines[index], threshold):
            index += 1
            continue
        group = _group_at(lines, index, threshold)
        label = normalize_title(lines[index].text) if is_label_line(lines[index].text) else ""
        title_lines = [lines[i].text for i in group[1 if label else 0 :]]
        title_line = lines[group[1]] if label and len(group) > 1 else lines[index]
        near_top = index < NEAR_TOP_LINES and lines[index].top < NEAR_TOP_SHARE * page.height
        title = join_title_lines(title_lines)
        numbered = bool(label and title) or strong_label(lines[index].text) is not None
        if label or _key(title) not in repeated:
            headings.append(
                Heading(
                    page=page.number,
                    line_index=index,
                    line_count=len(group),
                    label=label,
                    title=title,
                    size=title_line.size,
                    near_top=near_top,
                    on_text_page=on_text_page,
                    numbered=numbered,
                )
            )
        index = group[-1] + 1
    return headings


def _group_at(lines: Sequence[TextLine], index: int, threshold: float) -> list[int]:
    """The heading starting at `index`: a label line, then title lines of one size."""
    group = [index]
    if is_label_line(lines[index].text):
        following = index + 1
        if following >= len(lines) or not _continues(
            lines[index], lines[following], threshold, LABEL_GAP_IN_LINES
        ):
            return group
        group.append(following)
    title_size = lines[group[-1]].size
    for _ in range(MAX_TITLE_LINES - 1):
        following = group[-1] + 1
        if following >= len(lines) or abs(lines[following].size - title_size) > SIZE_TOLERANCE:
            break
        if not _continues(lines[group[-1]], lines[following], threshold, TITLE_GAP_IN_LINES):
            break
        group.append(following)
    return group


def _continues(previous: TextLine, line: TextLine, threshold: float, max_gap: float) -> bool:
    """`line` carries on the heading that `previous` belongs to (gap in line heights)."""
    gap = line.top - previous.bottom
    return (
        _is_heading_line(line, threshold)
        and not is_label_line(line.text)
        and -0.5 * line.size <= gap <= max_gap * line.size
    )


def _is_heading_line(line: TextLine, threshold: float) -> bool:
    if line.size < threshold:
        return False
    if is_label_line(line.text):
        return True
    text = normalize_title(line.text)
    return (
        has_word(text)
        and len(text.split()) <= MAX_HEADING_WORDS
        and not looks_like_contents_line(text)
    )


def _chapter_tier(headings: Sequence[Heading]) -> float | None:
    """The chapter size: recurring at the top of text pages; labelled, else largest."""
    tiers: dict[float, list[Heading]] = defaultdict(list)
    for heading in sorted(headings, key=lambda h: h.size):
        tier = next((t for t in tiers if abs(t - heading.size) <= SIZE_TOLERANCE), heading.size)
        tiers[tier].append(heading)
    best: tuple[int, float] | None = None
    for tier, members in tiers.items():
        opening = {h.page for h in members if h.near_top and h.on_text_page}
        if len(opening) < MIN_PAGES:
            continue
        labelled = {h.page for h in members if h.near_top and h.numbered}
        rank = (len(labelled) if len(labelled) >= MIN_PAGES else 0, tier)
        if best is None or rank > best:
            best = rank
    return None if best is None else best[1]


def _labelled_lines(pages: Sequence[PageText]) -> list[Heading]:
    """Lines such as "Chapter N" at the top of pages, for scans where sizes tell nothing."""
    headings: list[Heading] = []
    for page in pages:
        lines = page.lines
        for index, line in enumerate(lines[:NEAR_TOP_LINES]):
            parts = strong_label(line.text)
            if parts is None or len(parts[1].split()) > MAX_PATTERN_TITLE_WORDS:
                continue
            label, title = parts
            count = 1
            if not title and index + 1 < len(lines) and _is_pattern_title(line, lines[index + 1]):
                title, count = normalize_title(lines[index + 1].text), 2
            headings.append(
                Heading(page.number, index, count, label, title, line.size, True, True, True)
            )
            break
    chapters = {h.page for h in headings if not h.label.casefold().startswith("appendix")}
    if len(chapters) < MIN_PAGES:
        return []
    return headings


def _is_pattern_title(label: TextLine, line: TextLine) -> bool:
    text = normalize_title(line.text)
    words = text.split()
    return (
        0 < len(words) <= MAX_PATTERN_TITLE_WORDS
        and has_word(text)
        and text[0].isupper()
        and not text.endswith((".", ",", ";", ":"))
        and 0 <= line.top - label.bottom <= LABEL_GAP_IN_LINES * max(label.size, 1.0)
    )


def _repeated_keys(pages: Sequence[PageText], body_size: float) -> frozenset[str]:
    threshold = body_size * HEADING_SIZE_RATIO
    pages_of: dict[str, set[int]] = defaultdict(set)
    for page in pages:
        for line in page.lines:
            if line.size >= threshold:
                pages_of[_key(line.text)].add(page.number)
    return frozenset(
        key
        for key, numbers in pages_of.items()
        if len(numbers) >= REPEATED_ON_PAGES and skip_reason(key) is None
    )


def _key(text: str) -> str:
    return _DIGITS.sub("#", normalize_title(text).casefold())


def _without_letter_runs(headings: Sequence[Heading]) -> list[Heading]:
    """Drop bare labels ("A", "B") that share a page or sit mid-page: an index's letters.

    A chapter may open with a bare "One", but never twice on a page nor below its top.
    """
    bare_per_page = Counter(h.page for h in headings if h.label and not h.title)
    return [
        h
        for h in headings
        if h.title or h.numbered or (h.near_top and bare_per_page[h.page] < MIN_PAGES)
    ]


def _without_repeated_skips(headings: Sequence[Heading]) -> list[Heading]:
    """Drop a skipped heading ("Contents") repeated on the pages that continue it."""
    kept: list[Heading] = []
    for heading in headings:
        repeated = kept and kept[-1].spoken_title == heading.spoken_title
        if repeated and skip_reason(heading.title or heading.label) is not None:
            continue
        kept.append(heading)
    return kept
