"""Finding the printed heading of an outline entry near the page it points to.

An outline entry only names a page; the chapter really starts at its heading, which
may sit mid-page (a paper's sections) or carry a label line ("Chapter 3") above it.
Matching is fuzzy because outlines and pages spell titles differently ("TeX" and "TEX",
"1 Historical background" and "One" / "Historical background"). To stay linear in the
size of the book, only the target page and the top of its two neighbours are searched.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from rapidfuzz import fuzz

from pdf2audiobook.pipeline.chapters.titles import (
    comparison_key,
    is_label_line,
    join_title_lines,
    looks_like_contents_line,
    trailing_folio,
    without_enumerator,
)
from pdf2audiobook.pipeline.document import PageText, TextLine

TARGET_PAGE_LINES = 150
NEIGHBOUR_PAGE_LINES = 15
"""Lines searched on the pages before and after the target (headings sit at the top)."""
MIN_RATIO = 80.0
MIN_PARTIAL_RATIO = 90.0
MIN_PARTIAL_SHARE = 0.6
"""A partial match must cover this share of the longer text, so "A" never matches "A Tale"."""
MAX_LABEL_CHARS = 14
"""Room for a "Appendix A" prefix that a line may carry and the title not."""
HEADING_SIZE_RATIO = 1.15
LABEL_GAP_IN_LINES = 3.0
"""How far above the title, in title-size units, a "Chapter N" line may sit."""


@dataclass(frozen=True, slots=True)
class Anchor:
    page: int
    line_index: int
    heading_lines: int
    """Matched title lines plus a label line found just above them."""
    title_size: float
    """Font size of the matched title (without its label), to recognise its siblings."""


@dataclass(frozen=True, slots=True)
class _Candidate:
    score: float
    line_index: int
    span: int


class TitleAnchorer:
    """Finds outline titles among a document's lines, caching each page's prepared text."""

    def __init__(self, pages: Mapping[int, PageText], body_size: float) -> None:
        self._pages = pages
        self._label_size = body_size * HEADING_SIZE_RATIO
        self._keys: dict[int, list[tuple[str, ...]]] = {}

    def find(self, title: str, page: int, after: tuple[int, int]) -> Anchor | None:
        """The heading of `title` on `page` (else the top of page+1, else of page-1).

        Only lines after the position `after` (page, line index) are considered, so
        anchors stay in document order. None when no line matches well enough.
        """
        key = comparison_key(title)
        variants = tuple(dict.fromkeys(v for v in (key, without_enumerator(key)) if v))
        folio = trailing_folio(title)
        searches = [
            (page, TARGET_PAGE_LINES),
            (page + 1, NEIGHBOUR_PAGE_LINES),
            (page - 1, NEIGHBOUR_PAGE_LINES),
        ]
        for page_number, limit in searches:
            if page_number not in self._pages or page_number < after[0]:
                continue
            candidate = self._best_on_page(page_number, limit, variants, folio, after)
            if candidate is not None:
                return self._anchor(page_number, candidate, after)
        return None

    def _best_on_page(
        self,
        page_number: int,
        limit: int,
        variants: tuple[str, ...],
        title_folio: str | None,
        after: tuple[int, int],
    ) -> _Candidate | None:
        lines = self._pages[page_number].lines
        keys = self._page_keys(page_number)
        first = after[1] + 1 if page_number == after[0] else 0
        # Cheap length bounds first: most lines of a page cannot match at all.
        shortest = MIN_PARTIAL_SHARE * min(len(v) for v in variants)
        longest = max(len(v) for v in variants) / MIN_PARTIAL_SHARE + MAX_LABEL_CHARS
        best: _Candidate | None = None
        for index in range(first, min(limit, len(lines))):
            length = 0
            for span in (1, 2):
                if index + span > len(lines):
                    break
                length += len(lines[index + span - 1].text) + span - 1
                if length > longest:
                    break
                if length < shortest:
                    continue
                texts = [line.text for line in lines[index : index + span]]
                text = join_title_lines(texts)
                if _is_contents_entry(text, title_folio):
                    continue
                line_variants = keys[index] if span == 1 else _variants(text)
                score = _similarity(variants, line_variants)
                if score is None:
                    continue
                # Best score wins; on a tie the single line (a page number or label
                # merged into a pair can score as well), then the earlier line.
                if best is None or (score, -span) > (best.score, -best.span):
                    best = _Candidate(score, index, span)
        return best

    def _anchor(self, page_number: int, candidate: _Candidate, after: tuple[int, int]) -> Anchor:
        lines = self._pages[page_number].lines
        matched = lines[candidate.line_index : candidate.line_index + candidate.span]
        title_size = max(line.size for line in matched)
        start, span = candidate.line_index, candidate.span
        above = start - 1
        if (page_number, above) > after and above >= 0 and self._is_label(lines[above], matched[0]):
            start, span = above, span + 1
        return Anchor(page_number, start, span, title_size)

    def _is_label(self, line: TextLine, title_line: TextLine) -> bool:
        gap = title_line.top - line.bottom
        return (
            line.size >= self._label_size
            and -1.0 <= gap <= LABEL_GAP_IN_LINES * title_line.size
            and is_label_line(line.text)
        )

    def _page_keys(self, page_number: int) -> list[tuple[str, ...]]:
        keys = self._keys.get(page_number)
        if keys is None:
            lines = self._pages[page_number].lines[:TARGET_PAGE_LINES]
            keys = [_variants(join_title_lines([line.text])) for line in lines]
            self._keys[page_number] = keys
        return keys


def _variants(text: str) -> tuple[str, ...]:
    key = comparison_key(text)
    stripped = without_enumerator(key)
    return (key, stripped) if stripped != key else (key,)


def _is_contents_entry(text: str, title_folio: str | None) -> bool:
    """A contents line names the title too, but ends with a page number the title lacks."""
    if not looks_like_contents_line(text):
        return False
    folio = trailing_folio(text)
    return folio is None or folio != title_folio


def _similarity(title_variants: tuple[str, ...], line_variants: tuple[str, ...]) -> float | None:
    """The best ratio between any two variants, or None when none is a match."""
    best: float | None = None
    for title in title_variants:
        for line in line_variants:
            shorter, longer = sorted((len(title), len(line)))
            if shorter < MIN_PARTIAL_SHARE * longer:
                # Neither a ratio of 80 nor an admissible partial match is possible.
                continue
            ratio = float(fuzz.ratio(title, line))
            if ratio < MIN_RATIO and not _partial_match(title, line):
                continue
            if best is None or ratio > best:
                best = ratio
    return best


def _partial_match(first: str, second: str) -> bool:
    shorter, longer = sorted((first, second), key=len)
    if len(shorter) < max(4, MIN_PARTIAL_SHARE * len(longer)):
        return False
    return float(fuzz.partial_ratio(first, second)) >= MIN_PARTIAL_RATIO
