"""The document's body text size, the yardstick for headings, notes and running heads."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from pdf2audiobook.pipeline.document import PageText

_DEFAULT_BODY_SIZE = 10.0


def body_font_size(pages: Iterable[PageText]) -> float:
    """The font size that sets the most characters (rounded to 0.5 pt)."""
    weights: Counter[float] = Counter()
    for page in pages:
        for line in page.lines:
            weights[round(line.size * 2) / 2] += len(line.text)
    if not weights:
        return _DEFAULT_BODY_SIZE
    return weights.most_common(1)[0][0]
