"""What a reader of a reflowable format gives back: sections of paragraphs, in order.

A PDF is read as positioned lines and its structure is inferred (running heads, footnote
areas, heading sizes). EPUB, DOCX, Markdown and plain text carry their structure in the
file: headings, paragraphs and notes are marked. Their readers say so directly with a
`FlowDocument`, and one builder turns it into the same `Book` a PDF becomes.

Reflowable books have no pages. A section's 1-based position stands in for a page number
wherever the pipeline needs one (chapter ranges, the ledger of what was left out).
"""

from __future__ import annotations

from dataclasses import dataclass

from pdf2audiobook.pipeline.document import RemovalReason, RemovedBlock


@dataclass(frozen=True, slots=True)
class FlowSection:
    """A run of the book under one heading (or one EPUB spine document)."""

    title: str | None
    """The heading as the book gives it; None where the source names none."""
    level: int
    """0 for a top-level heading (a chapter), 1 below it, and so on."""
    paragraphs: tuple[str, ...]
    """Body text, one entry per paragraph, note markers already taken out."""
    notes: tuple[str, ...] = ()
    """Footnotes and endnotes that belong to this section, in reading order."""
    skip: RemovalReason | None = None
    """Set for sections a listener must not hear (contents, index, navigation): they are
    left out and listed in the ledger with this reason."""


@dataclass(frozen=True, slots=True)
class FlowDocument:
    """A reflowable book as its reader found it, before chapter planning."""

    format: str
    """Short name of the source format: "epub", "docx", "markdown" or "text"."""
    file_name: str
    title: str | None
    author: str | None
    language: str | None
    sections: tuple[FlowSection, ...]
    cover_jpeg: bytes | None = None
    removed: tuple[RemovedBlock, ...] = ()
    """What the reader itself left out (note markers, say), by section number."""
