"""Running headers, footers and page numbers: printed on every page, never to be heard.

The rule (measured on the corpus, see the project's PDF research) removes a line when
it sits among the two top-most or bottom-most lines of its page, is either a bare page
number or text that recurs at the same height on at least three pages, is not set in
heading type, and does not occur at least as often away from the page edges (which
keeps repeated body labels such as "Note" or "Tip").
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from pdf2audiobook.pipeline.document import PageText, RemovalReason, TextLine

EDGE_LINES = 2
MIN_REPEATS = 3
HEIGHT_TOLERANCE = 0.015
HEADING_RATIO = 1.15
MIN_OFFSET_SHARE = 0.3

_ROMAN = r"[ivxlcdm]+"
_BARE_PAGE_NUMBER = re.compile(
    rf"^\s*(?:page\s+)?(?:\d+|{_ROMAN})(?:\s*(?:/|of)\s*\d+)?\s*$", re.IGNORECASE
)
_DIGITS = re.compile(r"\d+")
_EDGE_ROMAN = re.compile(rf"(?:^{_ROMAN}\b|\b{_ROMAN}$)", re.IGNORECASE)
_SPACES = re.compile(r"\s+")
_LEADING_NUMBER = re.compile(r"^\s*(\d{1,4})\b")
_TRAILING_NUMBER = re.compile(r"\b(\d{1,4})\s*$")


@dataclass(frozen=True, slots=True)
class EdgeLine:
    page: int
    index: int
    """Index of the line in its page's content-order list."""
    at_top: bool


def normalise_key(text: str) -> str:
    """Digit- and folio-insensitive form of a line, so "Page 3" and "Page 4" agree."""
    key = _DIGITS.sub("#", text.lower())
    key = _EDGE_ROMAN.sub("#", key.strip())
    return _SPACES.sub(" ", key).strip()


def is_bare_page_number(text: str) -> bool:
    return bool(_BARE_PAGE_NUMBER.match(text))


def find_running_heads(
    pages: Sequence[PageText], body_size: float
) -> dict[tuple[int, int], RemovalReason]:
    """Map (page number, line index) of every running head, foot or folio to its reason."""
    edges = _edge_lines(pages)
    edge_keys: dict[EdgeLine, str] = {}
    key_heights: dict[str, list[float]] = defaultdict(list)
    for edge in edges:
        page = pages[edge.page - 1]
        line = page.lines[edge.index]
        key = normalise_key(line.text)
        edge_keys[edge] = key
        key_heights[key].append(_relative_height(line, page))
    inner_counts = _inner_key_counts(pages, edges)
    folio_offset = _dominant_folio_offset(pages, edges)

    removed: dict[tuple[int, int], RemovalReason] = {}
    for edge, key in edge_keys.items():
        page = pages[edge.page - 1]
        line = page.lines[edge.index]
        if line.size >= HEADING_RATIO * body_size:
            continue
        if is_bare_page_number(line.text):
            removed[(edge.page, edge.index)] = RemovalReason.PAGE_NUMBER
            continue
        repeats = _repeats_at_height(key_heights[key], _relative_height(line, page))
        recurring = repeats >= MIN_REPEATS and inner_counts[key] < repeats
        if recurring or _carries_folio(line.text, edge.page, folio_offset):
            removed[(edge.page, edge.index)] = (
                RemovalReason.HEADER if edge.at_top else RemovalReason.FOOTER
            )
    return removed


def _edge_lines(pages: Sequence[PageText]) -> list[EdgeLine]:
    """The top-most and bottom-most lines of each page, by position, not stream order."""
    edges: list[EdgeLine] = []
    for page in pages:
        order = sorted(range(len(page.lines)), key=lambda i: page.lines[i].top)
        top = order[:EDGE_LINES]
        bottom = [i for i in order[-EDGE_LINES:] if i not in top]
        edges.extend(EdgeLine(page.number, i, True) for i in top)
        edges.extend(EdgeLine(page.number, i, False) for i in bottom)
    return edges


def _relative_height(line: TextLine, page: PageText) -> float:
    return line.top / page.height if page.height > 0 else 0.0


def _repeats_at_height(heights: list[float], height: float) -> int:
    return sum(1 for other in heights if abs(other - height) <= HEIGHT_TOLERANCE)


def _inner_key_counts(pages: Sequence[PageText], edges: list[EdgeLine]) -> Counter[str]:
    """How often each edge text also occurs away from the edges (body labels)."""
    edge_positions = {(edge.page, edge.index) for edge in edges}
    wanted = {normalise_key(pages[e.page - 1].lines[e.index].text) for e in edges}
    counts: Counter[str] = Counter()
    for page in pages:
        for index, line in enumerate(page.lines):
            if (page.number, index) in edge_positions or len(line.text) > 120:
                continue
            key = normalise_key(line.text)
            if key in wanted:
                counts[key] += 1
    return counts


def _folio(text: str) -> list[int]:
    numbers = []
    for pattern in (_LEADING_NUMBER, _TRAILING_NUMBER):
        match = pattern.search(text)
        if match:
            numbers.append(int(match.group(1)))
    return numbers


def _dominant_folio_offset(pages: Sequence[PageText], edges: list[EdgeLine]) -> int | None:
    """The printed-minus-physical page offset that most edge lines agree on.

    Books print the page number inside a running head whose text changes with every
    section ("1.3. BOOK TYPES 9"), so such heads never recur; but their number always
    differs from the physical page by the same offset.
    """
    offsets: Counter[int] = Counter()
    for edge in edges:
        line = pages[edge.page - 1].lines[edge.index]
        for number in set(_folio(line.text)):
            offsets[number - edge.page] += 1
    if not offsets:
        return None
    offset, count = offsets.most_common(1)[0]
    if count < MIN_REPEATS or count < MIN_OFFSET_SHARE * len(pages):
        return None
    return offset


def _carries_folio(text: str, page: int, offset: int | None) -> bool:
    if offset is None or len(text.split()) > 16:
        return False
    return any(number - page == offset for number in _folio(text))
