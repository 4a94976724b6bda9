"""Tables are announced by their caption; their cells are never read aloud.

A table is found from its caption ("Table 1.1: ..."): the run of lines directly above
or below it, stacked at line spacing and set in from the page's text margin, is the
table body. Reading cells row by row makes no sense to a listener, and a column-wise
extractor makes even less.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from pdf2audiobook.pipeline.document import PageText, TextLine

_CAPTION = re.compile(r"^\s*(?:Table|Tab\.)\s+[A-Z]?[\d.\-]*\d\s*[:.]\s*\S", re.IGNORECASE)
MAX_ROW_GAP = 2.0
"""Largest gap between table rows, in multiples of the body size."""
MAX_CAPTION_GAP = 3.5
MIN_INDENT = 3.0
"""Points a row must be set in from the text margin to count as a cell row."""
MIN_ROWS = 2


def is_caption(line: TextLine) -> bool:
    return bool(_CAPTION.match(line.text))


def find_table_rows(page: PageText, body_size: float) -> set[int]:
    """Indexes of the page's lines that are table cells next to a caption."""
    if not any(is_caption(line) for line in page.lines):
        return set()
    order = sorted(range(len(page.lines)), key=lambda i: page.lines[i].top)
    margin = _text_margin(page.lines, body_size)
    rows: set[int] = set()
    for position, index in enumerate(order):
        if not is_caption(page.lines[index]):
            continue
        below = _stack(page.lines, order[position + 1 :], page.lines[index], margin, body_size)
        above = _stack(
            page.lines, list(reversed(order[:position])), page.lines[index], margin, body_size
        )
        best = max(below, above, key=len)
        if len(best) >= MIN_ROWS:
            rows.update(best)
    return rows


def _stack(
    lines: Sequence[TextLine],
    candidates: Sequence[int],
    caption: TextLine,
    margin: float,
    body_size: float,
) -> list[int]:
    """Consecutive indented lines walking away from the caption at row spacing."""
    stack: list[int] = []
    previous = caption
    for index in candidates:
        line = lines[index]
        gap = line.top - previous.bottom if line.top >= previous.top else previous.top - line.bottom
        limit = (MAX_CAPTION_GAP if not stack else MAX_ROW_GAP) * body_size
        if gap > limit or is_caption(line) or line.x0 < margin + MIN_INDENT:
            break
        stack.append(index)
        previous = line
    return stack


def _text_margin(lines: Sequence[TextLine], body_size: float) -> float:
    """The left edge most body-size lines start at."""
    starts: Counter[int] = Counter(
        round(line.x0) for line in lines if abs(line.size - body_size) < 0.6
    )
    if not starts:
        return min(line.x0 for line in lines)
    return float(starts.most_common(1)[0][0])
