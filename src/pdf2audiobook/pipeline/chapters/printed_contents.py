"""A chapter plan from the printed table of contents, for a PDF without an outline.

The contents give titles and printed page numbers; the PDF's own pages are numbered
from its cover. The offset between the two is found by looking for the entries' titles
on the pages they would land on at each plausible offset: the offset where most of them
are found wins. Front matter numbered in roman figures gets its own offset. The entries
then act as an outline would, anchored to their headings in the body, and the plan is
used only when enough of its chapters are found there.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace

from rapidfuzz import fuzz

from pdf2audiobook.pipeline.chapters.contents_pages import (
    ContentsEntry,
    contents_heading_index,
    contents_page_runs,
    parse_entries,
)
from pdf2audiobook.pipeline.chapters.model import ChapterPlan, SkippedSection, position
from pdf2audiobook.pipeline.chapters.outline import outline_targets
from pdf2audiobook.pipeline.chapters.outline_plan import plan_from_outline
from pdf2audiobook.pipeline.chapters.titles import (
    comparison_key,
    normalize_title,
    without_enumerator,
)
from pdf2audiobook.pipeline.document import OutlineEntry, PageText

SOURCE = "printed_contents"
MAX_OFFSET = 60
"""Pages of front matter before printed page 1 that an offset may account for."""
PROBE_ENTRIES = 20
"""Entries tried per offset: enough to outvote chance matches, cheap on a long contents."""
MIN_VOTES = 2
MIN_TITLE_RATIO = 90.0
MIN_ANCHORED_SHARE = 0.6
"""Share of the plan's chapters whose heading must be found on the page the contents
give (or next to it) for the plan to be trusted."""

_ROMAN_VALUES = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100, "d": 500, "m": 1000}


def plan_from_printed_contents(pages: Mapping[int, PageText], body_size: float) -> ChapterPlan:
    """The plan the printed contents give, or an empty plan when there are none or they
    do not match the body well enough. The contents pages are skipped as "contents"."""
    ordered = [pages[number] for number in sorted(pages)]
    runs = contents_page_runs(ordered)
    if not runs:
        return ChapterPlan()
    contents_pages = {number for run in runs for number in run}
    entries = parse_entries([pages[number] for number in sorted(contents_pages)])
    outline = _as_outline(entries, pages, contents_pages)
    targets = outline_targets(outline, max(pages))
    if not targets:
        return ChapterPlan()
    plan = plan_from_outline(pages, targets, body_size)
    anchored = sum(start.line_index is not None for start in plan.starts)
    if not plan.starts or anchored < MIN_ANCHORED_SHARE * len(plan.starts):
        return ChapterPlan()
    skipped = list(plan.skipped)
    for run in runs:
        if not any(s.reason == "contents" and s.page in run for s in skipped):
            first = pages[run[0]]
            heading = contents_heading_index(first)
            title = "Contents" if heading is None else normalize_title(first.lines[heading].text)
            skipped.append(SkippedSection(title, first.number, heading, "contents"))
    return ChapterPlan(
        [replace(start, source=SOURCE) for start in plan.starts],
        sorted(skipped, key=position),
        SOURCE,
    )


def _as_outline(
    entries: Sequence[ContentsEntry], pages: Mapping[int, PageText], contents_pages: set[int]
) -> list[OutlineEntry]:
    """The entries with their printed page numbers turned into the PDF's page numbers.

    Pages numbered in roman figures come before printed page 1, which bounds their offset.
    """
    arabic = [(entry, int(entry.folio)) for entry in entries if entry.folio.isdigit()]
    roman = [(entry, _roman(entry.folio)) for entry in entries if not entry.folio.isdigit()]
    finder = _TitleFinder(pages, contents_pages)
    arabic_offset = finder.offset(arabic, before=max(pages) + 1)
    if arabic_offset is None:
        return []
    outline = [
        OutlineEntry(entry.title, entry.level, printed + arabic_offset) for entry, printed in arabic
    ]
    roman_offset = finder.offset(roman, before=arabic_offset + 1)
    if roman_offset is not None:
        outline.extend(
            OutlineEntry(entry.title, entry.level, printed + roman_offset)
            for entry, printed in roman
        )
    return sorted(outline, key=lambda entry: entry.page or 0)


class _TitleFinder:
    """Finds a contents title among the lines of a body page, caching each page's keys."""

    def __init__(self, pages: Mapping[int, PageText], contents_pages: set[int]) -> None:
        self._pages = pages
        self._contents_pages = contents_pages
        self._keys: dict[int, list[str]] = {}

    def offset(self, numbered: Sequence[tuple[ContentsEntry, int]], before: int) -> int | None:
        """The offset (PDF page minus printed page) at which most probed titles are found
        on pages before `before`; the smallest such offset on a tie. None when too few are
        found: two, or the one entry there is."""
        probes = [(entry, printed) for entry, printed in numbered if entry.level == 0]
        probes = (probes or list(numbered))[:PROBE_ENTRIES]
        votes: Counter[int] = Counter()
        for entry, printed in probes:
            title = without_enumerator(comparison_key(entry.title))
            if not title:
                continue
            for offset in range(0, min(MAX_OFFSET, before - 1 - printed) + 1):
                if self._found_on(title, printed + offset):
                    votes[offset] += 1
        if not votes:
            return None
        count, offset = max((count, -offset) for offset, count in votes.items())
        return -offset if count >= min(MIN_VOTES, len(probes)) else None

    def _found_on(self, title: str, page: int) -> bool:
        if page in self._contents_pages or page not in self._pages:
            return False
        shortest, longest = 0.6 * len(title), 1.7 * len(title) + 14
        for key in self._page_keys(page):
            if shortest <= len(key) <= longest and (
                fuzz.ratio(title, key) >= MIN_TITLE_RATIO
                or fuzz.ratio(title, without_enumerator(key)) >= MIN_TITLE_RATIO
            ):
                return True
        return False

    def _page_keys(self, page: int) -> list[str]:
        keys = self._keys.get(page)
        if keys is None:
            keys = [comparison_key(line.text) for line in self._pages[page].lines]
            self._keys[page] = keys
        return keys


def _roman(numeral: str) -> int:
    values = [_ROMAN_VALUES[ch] for ch in numeral.casefold()]
    return sum(
        -value if index + 1 < len(values) and value < values[index + 1] else value
        for index, value in enumerate(values)
    )
