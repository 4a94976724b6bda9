"""Joining a chapter's lines into the paragraphs a listener hears.

A new paragraph starts on a vertical gap of more than about 1.5 line pitches, on a
change of type size, on a first-line indent, or after a line that ends well short of
the column's right edge with sentence-final punctuation. A page or column change is
not a break by itself: the indent and short-line tests still decide there, measured
against the text block each line belongs to, so a sentence (or a word hyphenated)
across a page turn stays whole.

Coordinates come from the reading stage: tight glyph boxes, y growing downwards.
pdfium merges two visual rows joined by a soft hyphen into one line, whose box then
spans both rows; the vertical tests therefore compare the top of a line with the
bottom of the one before, which holds for single and merged rows alike.
"""

from __future__ import annotations

import itertools
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from pdf2audiobook.pipeline.cleaning.characters import clean_text
from pdf2audiobook.pipeline.cleaning.hyphenation import (
    HYPHENS,
    join_hyphenated,
    resolve_soft_hyphens,
)
from pdf2audiobook.pipeline.document import Paragraph, PlacedLine

# Defaults for a text too short to measure: TeX's 10 pt on 12 pt, tight glyph boxes.
_DEFAULT_PITCH_RATIO = 1.2
_DEFAULT_GAP_RATIO = 0.45
_MIN_PAIRS_TO_MEASURE = 3

_EXTRA_PITCHES_FOR_BREAK = 0.5
"""A gap this many pitches wider than usual starts a paragraph (1.5 pitches top to top)."""
_SIZE_CHANGE = 0.15
"""Relative change of type size that starts a paragraph (a heading, a block quote)."""
_INDENT_EMS = 0.6
"""A first-line indent is at least this many ems; TeX uses 1-1.5 em, glyph edges vary less."""
_SHORT_LINE_EMS = 2.0
_SHORT_LINE_SHARE = 0.1
"""In ragged text a line ends "well short" when it stops this far (ems, or share of the
block width, whichever is more) before the block's right edge."""
_SHORT_JUSTIFIED_EMS = 1.0
"""In justified text every line but a paragraph's last ends at the edge (within glyph
side bearings), so one em short is already telling."""
_FLUSH_RIGHT_EMS = 0.5
_JUSTIFIED_SHARE = 0.5
"""Text is justified when this share of rows (not last in their block) ends within
`_FLUSH_RIGHT_EMS` of the block's right edge."""
_SAME_ROW_GAP_EMS = 1.5
"""Pieces of one visual row (split by a superscript) lie closer than a column gutter."""
_SINGLE_ROW_EMS = 1.3
"""A line taller than this is several rows merged by pdfium; not used to measure pitch."""
_MIN_SIZE = 1.0
_HEADING_MAX_SHARE = 0.6
_HEADING_MAX_WORDS = 12
_CENTRED_EMS = 3.0
"""A row set in this far from both edges of its block, about equally, is centred."""

# A sentence-final mark, then any closing quotes or brackets.
_SENTENCE_END: Final = re.compile("[.!?:\u2026][\"'\u2019\u201d\u00bb)\\]]*$")


@dataclass(slots=True)
class _Row:
    """One visual row of text (or several merged by pdfium), already cleaned."""

    text: str
    page: int
    x0: float
    x1: float
    top: float
    bottom: float
    size: float


@dataclass(frozen=True, slots=True)
class _Spacing:
    """The document's usual line pitch and inter-row gap, as multiples of the type size."""

    pitch: float
    gap: float

    def break_gap(self, size: float) -> float:
        return (self.gap + _EXTRA_PITCHES_FOR_BREAK * self.pitch) * size


@dataclass(slots=True)
class _Block:
    """Rows that follow each other down one column with normal spacing."""

    left: float
    right: float
    rows: int = 1


def build_paragraphs(lines: Sequence[PlacedLine]) -> list[Paragraph]:
    """Join `lines` (content-stream order, running heads and notes removed) into paragraphs.

    Line texts are cleaned with `clean_text` after their soft hyphens are decided;
    lines that end up empty are skipped. Each paragraph carries the page it starts on.
    """
    rows = _rows(lines)
    if not rows:
        return []
    spacing = _measure_spacing(rows)
    block_of = _assign_blocks(rows, spacing)
    blocks = _blocks(rows, block_of)
    justified = _is_justified(rows, block_of, blocks)
    paragraphs: list[Paragraph] = []
    pieces = [rows[0].text]
    page = rows[0].page
    for index in range(1, len(rows)):
        prev, row = rows[index - 1], rows[index]
        prev_block, block = blocks[block_of[index - 1]], blocks[block_of[index]]
        prev_alone = len(pieces) == 1
        if _starts_paragraph(prev, row, prev_block, block, justified, prev_alone):
            paragraphs.append(Paragraph("".join(pieces), page))
            pieces, page = [row.text], row.page
        else:
            _append_row_text(pieces, row.text)
    paragraphs.append(Paragraph("".join(pieces), page))
    return paragraphs


def _append_row_text(pieces: list[str], text: str) -> None:
    """Join `text` to the paragraph's last piece, keeping the whole join linear in time.

    `join_hyphenated` returns the left text (perhaps without its hyphen, plus a space)
    followed by the right one unchanged, since cleaned rows have no outer spaces; only
    the last piece is rewritten, so a paragraph of many lines is never copied again.
    """
    joined = join_hyphenated(pieces[-1], text)
    pieces[-1] = joined[: len(joined) - len(text)]
    pieces.append(text)


def _rows(lines: Sequence[PlacedLine]) -> list[_Row]:
    """Clean each line and glue the pieces of one visual row back together."""
    rows: list[_Row] = []
    for placed in lines:
        line = placed.line
        text = clean_text(resolve_soft_hyphens(line.text))
        if not text:
            continue
        size = max(line.size, _MIN_SIZE)
        row = _Row(text, placed.page, line.x0, line.x1, line.top, line.bottom, size)
        if rows and _continues_row(rows[-1], row):
            _absorb(rows[-1], row)
        else:
            rows.append(row)
    return rows


def _continues_row(prev: _Row, row: _Row) -> bool:
    """Whether `row` sits just right of `prev`'s last visual row on the same page."""
    if row.page != prev.page:
        return False
    last_row_top = prev.bottom - prev.size
    shares_height = row.top < prev.bottom and row.bottom > last_row_top
    distance = row.x0 - prev.x1
    return shares_height and -0.5 * prev.size <= distance < _SAME_ROW_GAP_EMS * prev.size


def _absorb(row: _Row, piece: _Row) -> None:
    row.text = join_hyphenated(row.text, piece.text)
    row.x0 = min(row.x0, piece.x0)
    row.x1 = max(row.x1, piece.x1)
    row.top = min(row.top, piece.top)
    row.bottom = max(row.bottom, piece.bottom)


def _flows_down(prev: _Row, row: _Row) -> bool:
    """Whether `row` continues `prev`'s column downwards on the same page."""
    overlaps = min(prev.x1, row.x1) > max(prev.x0, row.x0)
    below = row.top > prev.bottom - 0.5 * min(prev.size, row.size)
    return row.page == prev.page and overlaps and below


def _is_single_row(row: _Row) -> bool:
    return row.bottom - row.top <= _SINGLE_ROW_EMS * row.size


def _measure_spacing(rows: Sequence[_Row]) -> _Spacing:
    """Median pitch and gap between consecutive single rows of the same size."""
    pitches: list[float] = []
    gaps: list[float] = []
    for prev, row in itertools.pairwise(rows):
        if not (_flows_down(prev, row) and _is_single_row(prev) and _is_single_row(row)):
            continue
        if abs(row.size - prev.size) > _SIZE_CHANGE * prev.size:
            continue
        pitch = (row.top - prev.top) / prev.size
        if 0 < pitch <= 3:
            pitches.append(pitch)
            gaps.append((row.top - prev.bottom) / prev.size)
    if len(pitches) < _MIN_PAIRS_TO_MEASURE:
        return _Spacing(_DEFAULT_PITCH_RATIO, _DEFAULT_GAP_RATIO)
    return _Spacing(statistics.median(pitches), statistics.median(gaps))


def _breaks_flow(prev: _Row, row: _Row, spacing: _Spacing) -> bool:
    """A wide gap or a change of type size between rows of one column."""
    size = min(prev.size, row.size)
    if abs(row.size - prev.size) > _SIZE_CHANGE * size:
        return True
    return row.top - prev.bottom > spacing.break_gap(size)


def _assign_blocks(rows: Sequence[_Row], spacing: _Spacing) -> list[int]:
    """Number the blocks: a new one at every page or column change and every flow break."""
    block_of = [0]
    for prev, row in itertools.pairwise(rows):
        same_block = _flows_down(prev, row) and not _breaks_flow(prev, row, spacing)
        block_of.append(block_of[-1] if same_block else block_of[-1] + 1)
    return block_of


def _blocks(rows: Sequence[_Row], block_of: Sequence[int]) -> list[_Block]:
    """Each block's left and right edge and its number of rows."""
    blocks: list[_Block] = []
    for row, number in zip(rows, block_of, strict=True):
        if number == len(blocks):
            blocks.append(_Block(row.x0, row.x1))
        else:
            block = blocks[number]
            block.left = min(block.left, row.x0)
            block.right = max(block.right, row.x1)
            block.rows += 1
    return blocks


def _is_justified(rows: Sequence[_Row], block_of: Sequence[int], blocks: Sequence[_Block]) -> bool:
    """Whether most rows that are not last in their block reach the block's right edge."""
    inner = flush = 0
    for index, row in enumerate(rows[:-1]):
        number = block_of[index]
        if block_of[index + 1] != number:
            continue
        inner += 1
        flush += row.x1 >= blocks[number].right - _FLUSH_RIGHT_EMS * row.size
    return inner > 0 and flush >= _JUSTIFIED_SHARE * inner


def _starts_paragraph(
    prev: _Row, row: _Row, prev_block: _Block, block: _Block, justified: bool, prev_alone: bool
) -> bool:
    """Whether `row` starts a new paragraph after `prev` (`prev_alone`: prev opened one)."""
    if len(prev.text) > 1 and prev.text[-1] in HYPHENS and prev.text[-2].isalpha():
        return False  # a word broken at the line end goes on in this row, wherever it is
    same_block = block is prev_block
    flows = _flows_down(prev, row)
    if flows and not same_block:
        return True  # the flow broke: a wide gap or a new type size
    ends_sentence = _SENTENCE_END.search(prev.text) is not None
    if row.text[0].islower() and not ends_sentence:
        # A new paragraph almost never starts in lower case after an unfinished
        # sentence: this is a continuation (a hanging indent, a list item's next line).
        return False
    if _is_centred(prev, prev_block) or _is_centred(row, block):
        # A centred row is a title or a display line: it stands alone, so a heading
        # set in body type is not read as the first words of the text under it.
        return True
    if not flows and (block.rows == 1 or prev_block.rows == 1):
        # A lone row at a column or page change is a heading, a caption or a stray
        # label: TeX avoids leaving a single line of a paragraph there.
        return True
    if (
        prev_alone
        and not ends_sentence
        and row.text[0].isupper()
        and _is_heading_like(prev, prev_block)
    ):
        # A short row without closing punctuation before a capital is a run-in
        # heading ("5.10 Number formatting"): the listener needs a pause after it.
        return True
    indented = row.x0 > block.left + _INDENT_EMS * row.size
    if same_block:
        # Only a step in from the line above counts: lines that stay indented (a
        # quotation, an item's continuation) do not each start a paragraph.
        indented = indented and row.x0 > prev.x0 + _INDENT_EMS * row.size
    return indented or (ends_sentence and _ends_short(prev, prev_block, justified))


def _is_heading_like(row: _Row, block: _Block) -> bool:
    width = block.right - block.left
    return (
        width > 0
        and row.x1 - row.x0 < _HEADING_MAX_SHARE * width
        and len(row.text.split()) <= _HEADING_MAX_WORDS
        and row.text[-1] not in ",;-\u2013\u2014"
    )


def _is_centred(row: _Row, block: _Block) -> bool:
    margin = _CENTRED_EMS * row.size
    left = row.x0 - block.left
    right = block.right - row.x1
    return left > margin and right > margin and abs(left - right) < margin


def _ends_short(row: _Row, block: _Block, justified: bool) -> bool:
    if justified:
        margin = _SHORT_JUSTIFIED_EMS * row.size
    else:
        margin = max(_SHORT_LINE_EMS * row.size, _SHORT_LINE_SHARE * (block.right - block.left))
    return row.x1 < block.right - margin
