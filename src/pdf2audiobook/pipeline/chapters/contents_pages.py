"""Reading a printed table of contents: which pages hold it, and the entries it lists.

An entry is a title and the page number printed after it ("2 The Parts of a Book 15",
"1.1 Console basics . . . . 1"). Its level comes from how it is set: entries in larger
type head those in smaller type, and within one size numbering ("1.1" is a section) and
indent tell the levels apart.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from pdf2audiobook.pipeline.chapters.titles import (
    looks_like_contents_line,
    normalize_title,
    skip_reason,
)
from pdf2audiobook.pipeline.document import PageText, TextLine

MIN_ENTRIES = 5
ENTRY_SHARE = 0.5
"""Share of a page's lines that read like entries on a contents page."""
SEARCH_SHARE = 0.15
MIN_SEARCH_PAGES = 12
"""Contents come at the front: the first pages of a book, never its index at the back."""
SIZE_TOLERANCE = 0.3
INDENT_TOLERANCE = 4.0
MAX_INDENTS = 4
"""More distinct left edges than this on a page: its entries are not set by indent."""

_LEADERS = re.compile(r"(?:\s?[.·]){2,}\s?|\s·\s")
# Front matter is numbered in small roman figures; a capital "I" ends "Part I" instead.
_FOLIO = re.compile(r"\s(?P<folio>\d{1,4}|(?=[ivxlc])c{0,3}(?:x[cl]|l?x{0,3})(?:i[xv]|v?i{0,3}))$")
# "1", "1.2.3", "A", "A.1", "IV", optionally after "Chapter" or "Appendix".
_NUMBERING = re.compile(
    r"^(?:(?i:chapter|appendix|part|section)\s+)?"
    r"(?P<number>\d{1,3}(?:\.\d{1,3})*|[A-Z](?:\.\d{1,3})*|[IVXLC]{1,6})\.?\s+(?=\S)"
)
_LIST_OF = re.compile(r"list of ", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ContentsEntry:
    title: str
    """The title as printed, numbering kept, page number and leaders removed."""
    folio: str
    """The printed page number, lower case: "15" or "xvii"."""
    level: int
    """0 for chapters, 1 for their sections, and so on."""
    contents_page: int
    """The contents page that lists it."""


def contents_page_runs(pages: Sequence[PageText]) -> list[list[int]]:
    """Runs of consecutive contents pages near the front of the book, blank pages between
    two pages of one run included."""
    limit = max(MIN_SEARCH_PAGES, round(SEARCH_SHARE * len(pages)))
    runs: list[list[int]] = []
    current: list[int] = []
    blanks: list[int] = []
    for page in pages[:limit]:
        if _is_contents_page(page, continuing=bool(current)):
            current.extend(blanks if current else [])
            current.append(page.number)
            blanks = []
        elif not page.lines and current:
            blanks.append(page.number)
        elif current:
            runs.append(current)
            current, blanks = [], []
    if current:
        runs.append(current)
    return runs


def _is_contents_page(page: PageText, continuing: bool) -> bool:
    """A page of entries; the last page of a run may hold only a few."""
    entries = sum(1 for line in page.lines if looks_like_contents_line(line.text))
    least = 1 if continuing else MIN_ENTRIES
    return entries >= least and entries >= ENTRY_SHARE * len(page.lines)


def contents_heading_index(page: PageText) -> int | None:
    """The line of `page` that heads the contents ("Contents", "Table of Contents")."""
    for index, line in enumerate(page.lines[:5]):
        text = normalize_title(line.text)
        if skip_reason(text) == "contents" and not _LIST_OF.match(text):
            return index
    return None


def parse_entries(pages: Sequence[PageText]) -> list[ContentsEntry]:
    """The entries of the contents printed on `pages`, in order, without repeats.

    A title that wraps onto a second line is joined to it; a line listing several
    subsections at once ("1.3.1 Blackletter 5, 1.3.2 Oldstyle 5,") is not an entry of
    its own. A "List of Figures" printed after the contents ends them.
    """
    lines = _entry_lines(pages)
    levels = _Levels(lines)
    entries: list[ContentsEntry] = []
    seen: set[tuple[str, str]] = set()
    for line in lines:
        key = (line.title.casefold(), line.folio)
        if key in seen:
            continue
        seen.add(key)
        entries.append(ContentsEntry(line.title, line.folio, levels.of(line), line.page))
    return entries


@dataclass(frozen=True, slots=True)
class _Line:
    title: str
    folio: str
    numbering: str | None
    line: TextLine
    page: int


def _entry_lines(pages: Sequence[PageText]) -> list[_Line]:
    found: list[_Line] = []
    pending: tuple[str, TextLine] | None = None
    for page in pages:
        for line in page.lines:
            text = normalize_title(_LEADERS.sub(" ", line.text))
            match = _FOLIO.search(text)
            if match is None:
                if _LIST_OF.match(text) and skip_reason(text) == "contents" and found:
                    return found  # the list of figures after the contents
                pending = (text, line) if text else None
                continue
            title = text[: match.start()].strip()
            if pending is not None and _continues(pending[1], line, title):
                # The second line of a wrapped title carries the page number.
                title, line = f"{pending[0]} {title}", pending[1]
            pending = None
            if title and not title.endswith(","):
                numbering = _NUMBERING.match(title)
                number = numbering.group("number") if numbering else None
                found.append(
                    _Line(title, match.group("folio").casefold(), number, line, page.number)
                )
    return found


def _continues(first: TextLine, second: TextLine, title: str) -> bool:
    return (
        _NUMBERING.match(title) is None
        and second.x0 >= first.x0 - 1.0
        and second.top - first.bottom < 0.8 * first.size
    )


class _Levels:
    """Levels of the entries.

    Type size ranks first: entries set larger head those set smaller (a file or part
    over its numbered chapters, chapters over sections). Within one size, numbering
    gives the depth ("1.2" is a section), and an unnumbered entry indented past the
    page's outermost entries of its size is one level down. On a page of centred or
    flush-right entries indent says nothing.
    """

    def __init__(self, lines: Sequence[_Line]) -> None:
        self._tiers: list[float] = []
        for size in sorted((line.line.size for line in lines), reverse=True):
            if not self._tiers or self._tiers[-1] - size > SIZE_TOLERANCE:
                self._tiers.append(size)
        outer: dict[tuple[int, int], list[TextLine]] = defaultdict(list)
        for line in lines:
            if line.numbering is None or "." not in line.numbering:
                outer[(line.page, self._tier(line))].append(line.line)
        self._indent = {
            key: min(line.x0 for line in candidates)
            for key, candidates in outer.items()
            if not _ragged(candidates)
        }

    def _tier(self, line: _Line) -> int:
        return next(
            index
            for index, size in enumerate(self._tiers)
            if size - line.line.size <= SIZE_TOLERANCE
        )

    def of(self, line: _Line) -> int:
        tier = self._tier(line)
        indent = self._indent.get((line.page, tier))
        indented = int(indent is not None and line.line.x0 > indent + INDENT_TOLERANCE)
        depth = line.numbering.count(".") if line.numbering is not None else 0
        return tier + max(depth, indented)


def _ragged(lines: Sequence[TextLine]) -> bool:
    """Left edges that wander (centred or flush-right entries) rather than falling into a
    few indents."""
    indents: list[float] = []
    for left in sorted(line.x0 for line in lines):
        if not indents or left - indents[-1] > INDENT_TOLERANCE / 2:
            indents.append(left)
    return len(indents) > MAX_INDENTS and len(indents) > len(lines) / 2
