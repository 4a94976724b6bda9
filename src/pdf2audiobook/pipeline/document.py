"""Typed values passed between the pipeline's stages.

The reading stage produces a `RawDocument` (pages of positioned lines); cleaning and
chapter planning turn it into a `Book` of `Chapter`s whose paragraphs are what a
listener hears. Coordinates are PDF points with y growing downwards from the top of
the page, so "top of page" reads naturally as a small y.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class TextLine:
    """One line of text as the page's content stream gives it."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    size: float
    """Dominant font size of the line, in points."""
    lead_size: float
    """Font size of the line's first visible character (small for footnote markers)."""
    char_sizes: tuple[float, ...] = ()
    """Font size of every character of `text`; empty when every character is set in
    `size` or when sizes are unknown (OCR lines). Kept sparse because a long book has
    millions of characters and most lines use one size."""
    raised: tuple[int, ...] = ()
    """Indexes into `text` of digits and note symbols set small above the baseline:
    superscripts, the candidates for footnote markers (subscripts are not raised)."""


@dataclass(frozen=True, slots=True)
class PageText:
    number: int
    """1-based page number."""
    width: float
    height: float
    lines: tuple[TextLine, ...]
    ocr_engine: str | None = None
    """Name of the OCR engine that read this page, or None for a text layer."""


@dataclass(frozen=True, slots=True)
class OutlineEntry:
    title: str
    level: int
    """0 for top-level entries."""
    page: int | None
    """1-based target page, or None when the entry points nowhere usable."""


@dataclass(frozen=True, slots=True)
class RawDocument:
    """What the reading stage extracted, before any cleaning."""

    page_count: int
    pages: tuple[PageText, ...]
    outline: tuple[OutlineEntry, ...]
    metadata: dict[str, str]
    file_name: str
    cover_jpeg: bytes | None = None
    """The first page as JPEG, when the caller asked for a cover."""


class RemovalReason(StrEnum):
    HEADER = "header"
    FOOTER = "footer"
    PAGE_NUMBER = "page_number"
    FOOTNOTE = "footnote"
    FOOTNOTE_MARKER = "footnote_marker"
    CONTENTS = "contents"
    FRONT_MATTER = "front_matter"
    BACK_MATTER = "back_matter"
    TABLE = "table"
    HEADING = "heading"
    UNREADABLE = "unreadable"


@dataclass(frozen=True, slots=True)
class RemovedBlock:
    page: int
    reason: RemovalReason
    text: str


@dataclass(frozen=True, slots=True)
class Paragraph:
    text: str
    page: int
    """Page on which the paragraph starts."""


@dataclass(slots=True)
class Chapter:
    title: str
    start_page: int
    end_page: int
    paragraphs: list[Paragraph] = field(default_factory=list)
    notes: list[Paragraph] = field(default_factory=list)
    """Footnotes moved to the end of the chapter, read under a "Notes" heading."""

    @property
    def text(self) -> str:
        body = [p.text for p in self.paragraphs]
        if self.notes:
            body.append("Notes.")
            body.extend(n.text for n in self.notes)
        return "\n\n".join(body)

    @property
    def word_count(self) -> int:
        return len(self.text.split())


@dataclass(frozen=True, slots=True)
class OcrPage:
    page: int
    engine: str


@dataclass(slots=True)
class Book:
    """The chapter plan: everything a listener will hear, and what was left out."""

    title: str
    author: str | None
    page_count: int
    chapters: list[Chapter]
    removed: list[RemovedBlock]
    ocr_pages: list[OcrPage]


@dataclass(frozen=True, slots=True)
class PlacedLine:
    """A line together with the page it sits on, for stages that cross page breaks."""

    page: int
    line: TextLine
