"""Lines with boxes and font sizes from a pdfium text page, in content-stream order."""

from __future__ import annotations

import re
import statistics

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from pdf2audiobook.pipeline.document import TextLine

_LINE_BREAK = "\r\n"
_SOFT_HYPHEN = "\ufffe"
_SIZE_SAMPLES = 10
_SMALL_RATIO = 0.85
_RAISE_SHARE = 0.25
"""A superscript's bottom is at least this share of the base glyph's height above it."""
# Characters that can be a footnote marker; their size is always measured.
_MARKER_CHARS = frozenset("0123456789*\u2020\u2021\u00a7\u00b6")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def _utf16_offsets(text: str) -> list[int] | None:
    """Map each str index to its pdfium char index when astral characters shift them."""
    if _ASTRAL.search(text) is None:
        return None
    offsets = []
    position = 0
    for ch in text:
        offsets.append(position)
        position += 2 if ord(ch) >= 0x10000 else 1
    return offsets


def read_lines(textpage: pdfium.PdfTextPage, page_height: float) -> list[TextLine]:
    """Split the page text at pdfium's generated line breaks and measure each line."""
    text = textpage.get_text_range()
    offsets = _utf16_offsets(text)
    raw_page = textpage.raw
    lines: list[TextLine] = []
    start = 0
    length = len(text)
    while start < length:
        end = text.find(_LINE_BREAK, start)
        if end < 0:
            end = length
        for row_start, row_end in _rows(raw_page, text, start, end, offsets):
            segment = text[row_start:row_end]
            if not segment.strip():
                continue
            first = row_start + (len(segment) - len(segment.lstrip()))
            last = row_start + len(segment.rstrip()) - 1
            line = _measure(raw_page, text, first, last, offsets, page_height)
            if line is not None:
                lines.append(line)
        start = end + len(_LINE_BREAK)
    return lines


def _rows(
    raw_page: object, text: str, start: int, end: int, offsets: list[int] | None
) -> list[tuple[int, int]]:
    """Split a pdfium line where a soft hyphen joined two visual rows.

    pdfium drops the line break after a hyphen it considers soft, and so glues the next
    row of the stream to this one, even when that row is a running foot on another part
    of the page. Cutting after the mark keeps every line's box on one row; the mark
    stays at the end of the first part for the hyphenation step to decide.
    """
    rows = []
    row_start = start
    mark = text.find(_SOFT_HYPHEN, start, end)
    while mark >= 0:
        before, after = mark - 1, mark + 1
        if before >= row_start and after < end:
            _, _, bottom_before, top_before = _char_box(raw_page, _index(before, offsets))
            _, _, _, top_after = _char_box(raw_page, _index(after, offsets))
            height = max(top_before - bottom_before, 1.0)
            if abs(top_after - top_before) > 0.6 * height:
                rows.append((row_start, after))
                row_start = after
        mark = text.find(_SOFT_HYPHEN, mark + 1, end)
    rows.append((row_start, end))
    return rows


def _index(position: int, offsets: list[int] | None) -> int:
    return offsets[position] if offsets is not None else position


def _measure(
    raw_page: object,
    text: str,
    first: int,
    last: int,
    offsets: list[int] | None,
    page_height: float,
) -> TextLine | None:
    visible = [i for i in range(first, last + 1) if not text[i].isspace()]
    if not visible:
        return None
    sampled = _size_samples(text, visible)
    sizes = {i: float(pdfium_c.FPDFText_GetFontSize(raw_page, _index(i, offsets))) for i in sampled}
    typical = [sizes[i] for i in sampled if text[i] not in _MARKER_CHARS] or list(sizes.values())
    median = statistics.median(typical)
    left, right, bottom, top = _char_box(raw_page, _index(first, offsets))
    last_left, last_right, last_bottom, last_top = _char_box(raw_page, _index(last, offsets))
    uniform = min(sizes.values()) == max(sizes.values())
    raised = () if uniform else _raised_markers(raw_page, text, visible, sizes, median, offsets)
    return TextLine(
        text=text[first : last + 1],
        x0=min(left, last_left),
        top=page_height - max(top, last_top),
        x1=max(right, last_right),
        bottom=page_height - min(bottom, last_bottom),
        size=median,
        lead_size=sizes[visible[0]],
        char_sizes=() if uniform else tuple(sizes.get(i, median) for i in range(first, last + 1)),
        raised=tuple(i - first for i in raised),
    )


def _raised_markers(
    raw_page: object,
    text: str,
    visible: list[int],
    sizes: dict[int, float],
    median: float,
    offsets: list[int] | None,
) -> list[int]:
    """Small digits or note symbols whose box sits above the preceding glyph's baseline."""
    raised = []
    previous = None
    for i in visible:
        small = i in sizes and sizes[i] < _SMALL_RATIO * median
        if text[i] in _MARKER_CHARS and small and previous is not None:
            _, _, bottom, _ = _char_box(raw_page, _index(i, offsets))
            _, _, base_bottom, base_top = _char_box(raw_page, _index(previous, offsets))
            if bottom > base_bottom + _RAISE_SHARE * (base_top - base_bottom):
                raised.append(i)
                continue
        if not small:
            previous = i
    return raised


def _size_samples(text: str, visible: list[int]) -> list[int]:
    """Which characters to ask pdfium the size of.

    Asking for every character costs a foreign call each (millions in a long book);
    a few evenly spaced characters give the line's size, and every digit or note
    symbol is measured so superscript note markers are still seen.
    """
    if len(visible) <= _SIZE_SAMPLES:
        return visible
    step = len(visible) / _SIZE_SAMPLES
    chosen = {visible[int(k * step)] for k in range(_SIZE_SAMPLES)}
    chosen.add(visible[-1])
    chosen.update(i for i in visible if text[i] in _MARKER_CHARS)
    return sorted(chosen)


_LEFT = pdfium_c.c_double()
_RIGHT = pdfium_c.c_double()
_BOTTOM = pdfium_c.c_double()
_TOP = pdfium_c.c_double()


def _char_box(raw_page: object, index: int) -> tuple[float, float, float, float]:
    pdfium_c.FPDFText_GetCharBox(
        raw_page,
        index,
        pdfium_c.byref(_LEFT),
        pdfium_c.byref(_RIGHT),
        pdfium_c.byref(_BOTTOM),
        pdfium_c.byref(_TOP),
    )
    return _LEFT.value, _RIGHT.value, _BOTTOM.value, _TOP.value
