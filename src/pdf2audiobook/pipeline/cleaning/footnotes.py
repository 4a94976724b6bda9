"""Footnotes: the notes leave the running text, and their markers leave the sentences.

A footnote block is found geometrically: in the lower half of the page, a line that
starts with a short marker set smaller than the text after it (or a marker alone on
its line), followed by text in note type (at most 0.9 of the body size). Markers in
the body are the same symbols set small (superscripts) right after a word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from pdf2audiobook.pipeline.document import PageText, TextLine

NOTE_SIZE_RATIO = 0.9
MARKER_SIZE_RATIO = 0.85
_MARKER_TEXT = re.compile(r"^\s*([0-9]{1,3}|[*†‡§¶]{1,3}|[a-z])(?=\s|[A-Z(“\"']|$)")
_MARKER_CHARS = frozenset("0123456789*†‡§¶")
# A marker set small needs no separator: "5http://..." opens a note too.
_SMALL_MARKER_TEXT = re.compile(r"^\s*([0-9]{1,3}|[*†‡§¶]{1,3})")


@dataclass(frozen=True, slots=True)
class PageNotes:
    body: tuple[int, ...]
    """Indexes of the page's lines that stay in the running text."""
    notes: list[str]
    """Each footnote's text, its marker removed."""


def split_footnotes(page: PageText, body_size: float) -> PageNotes:
    """Separate the page's footnote blocks from its body lines.

    Notes live in the lower half of the page, below the last line of body type, and
    each starts with a marker: one set smaller than its text, alone on its line, or,
    in that zone below all body text, simply a number or symbol opening the line.
    """
    order = sorted(range(len(page.lines)), key=lambda i: page.lines[i].top)
    note_limit = NOTE_SIZE_RATIO * body_size
    zone_start = len(order)
    for position in range(len(order) - 1, -1, -1):
        line = page.lines[order[position]]
        if line.size > note_limit or line.top < page.height / 2:
            break
        zone_start = position
    notes: list[str] = []
    note_lines: set[int] = set()
    for position in range(zone_start, len(order)):
        index = order[position]
        line = page.lines[index]
        if _is_marker_only(line, body_size):
            notes.append("")
        elif _starts_with_small_marker(line):
            notes.append(_SMALL_MARKER_TEXT.sub("", line.text, count=1).strip())
        elif _MARKER_TEXT.match(line.text):
            notes.append(_strip_marker(line.text))
        elif notes:
            notes[-1] = f"{notes[-1]} {line.text}".strip()
        else:
            # Small type below the text that opens without a marker is not a note
            # (a caption, an imprint): leave the page alone.
            return PageNotes(body=tuple(range(len(page.lines))), notes=[])
        note_lines.add(index)
    body = tuple(i for i in range(len(page.lines)) if i not in note_lines)
    return PageNotes(body=body, notes=[note for note in notes if note])


def _is_marker_only(line: TextLine, body_size: float) -> bool:
    text = line.text.strip()
    return (
        len(text) <= 3
        and all(ch in _MARKER_CHARS for ch in text)
        and line.size <= MARKER_SIZE_RATIO * body_size
    )


def _starts_with_small_marker(line: TextLine) -> bool:
    match = _SMALL_MARKER_TEXT.match(line.text)
    if match is None or not line.char_sizes:
        return False
    marker_end = match.end()
    rest = [
        s
        for s, ch in zip(line.char_sizes[marker_end:], line.text[marker_end:], strict=False)
        if not ch.isspace()
    ]
    return bool(rest) and line.lead_size < MARKER_SIZE_RATIO * max(rest)


def _strip_marker(text: str) -> str:
    return _MARKER_TEXT.sub("", text, count=1).strip()


def strip_inline_markers(line: TextLine) -> tuple[TextLine, list[str]]:
    """Remove superscript note markers that follow a word or punctuation mark.

    Returns the line without them and the markers removed. The reading stage marks
    raised small digits and symbols; subscripts ("N1") are not raised and stay.
    """
    if not line.raised:
        return line, []
    text = line.text
    raised = set(line.raised)
    keep: list[str] = []
    markers: list[str] = []
    index = 0
    while index < len(text):
        if index in raised and index > 0 and not text[index - 1].isspace():
            end = index
            while end in raised:
                end += 1
            markers.append(text[index:end])
            index = end
            continue
        keep.append(text[index])
        index += 1
    if not markers:
        return line, []
    return replace(line, text="".join(keep), char_sizes=(), raised=()), markers
