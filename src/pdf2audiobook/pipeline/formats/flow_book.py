"""A reflowable book's sections become the same `Book` a PDF becomes.

Each titled section is a chapter. Untitled text before the first title is kept as its own
chapter when it is long enough to be content (as for PDFs), else listed as front matter;
untitled text after a title continues that chapter. A book with no titles at all is cut
into parts of about 5,000 words. A section's position stands in for its page number.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePath

from pdf2audiobook.pipeline.book_builder import MIN_LEADING_WORDS, FootnotePolicy
from pdf2audiobook.pipeline.cleaning.characters import clean_text
from pdf2audiobook.pipeline.cleaning.split import split_by_words
from pdf2audiobook.pipeline.document import (
    Book,
    Chapter,
    Paragraph,
    RemovalReason,
    RemovedBlock,
)
from pdf2audiobook.pipeline.errors import NoTextError
from pdf2audiobook.pipeline.formats.flow import FlowDocument, FlowSection


@dataclass(frozen=True, slots=True)
class _Numbered:
    number: int
    section: FlowSection
    paragraphs: list[Paragraph]
    notes: list[Paragraph]


def flow_to_book(document: FlowDocument, footnotes: FootnotePolicy = FootnotePolicy.END) -> Book:
    """The chapter plan of `document`. Pure: no I/O, deterministic. Raises NoTextError
    when nothing is left to read aloud."""
    removed = list(document.removed)
    numbered: list[_Numbered] = []
    for number, section in enumerate(document.sections, start=1):
        paragraphs = _cleaned(section.paragraphs, number)
        notes = _cleaned(section.notes, number)
        if section.skip is not None:
            removed.extend(_ledger(number, section, paragraphs, notes, section.skip))
        else:
            numbered.append(_Numbered(number, section, paragraphs, notes))
    if any(item.section.title for item in numbered):
        chapters = _titled_chapters(numbered, document, removed)
    else:
        chapters = _parts(numbered)
    if not any(chapter.paragraphs for chapter in chapters):
        raise NoTextError(f"{document.file_name} has no text to read aloud.")
    for chapter in chapters:
        if footnotes is FootnotePolicy.DROP:
            removed.extend(
                RemovedBlock(n.page, RemovalReason.FOOTNOTE, n.text) for n in chapter.notes
            )
            chapter.notes.clear()
    removed.sort(key=lambda block: block.page)
    return Book(
        title=clean_text(document.title or "") or _title_from_file_name(document.file_name),
        author=clean_text(document.author or "") or None,
        page_count=len(document.sections),
        chapters=chapters,
        removed=removed,
        ocr_pages=[],
    )


def _titled_chapters(
    numbered: Sequence[_Numbered], document: FlowDocument, removed: list[RemovedBlock]
) -> list[Chapter]:
    chapters: list[Chapter] = []
    part: _Numbered | None = None
    """A titled section with no text of its own, waiting to see what follows it."""
    for item in numbered:
        title = clean_text(item.section.title or "")
        if title:
            if part is not None and item.section.level <= part.section.level:
                removed.append(_heading(part))
            if not item.paragraphs:
                part = item
                if chapters and item.notes:
                    chapters[-1].notes.extend(item.notes)
                continue
            if part is not None and item.section.level > part.section.level:
                # A part's title over its chapters: a listener hears it, and a player shows
                # it, with the part's first chapter ("Part 2: Chapter 1"), since chapter
                # numbers often start again in every part.
                title = f"{_heading(part).text}: {title}"
            part = None
            chapters.append(
                Chapter(title, item.number, item.number, list(item.paragraphs), list(item.notes))
            )
        elif chapters:
            chapters[-1].paragraphs.extend(item.paragraphs)
            chapters[-1].notes.extend(item.notes)
            chapters[-1].end_page = item.number
        elif _words(item.paragraphs) >= MIN_LEADING_WORDS:
            book_title = clean_text(document.title or "") or _title_from_file_name(
                document.file_name
            )
            chapters.append(
                Chapter(
                    book_title, item.number, item.number, list(item.paragraphs), list(item.notes)
                )
            )
        else:
            removed.extend(
                _ledger(
                    item.number,
                    item.section,
                    item.paragraphs,
                    item.notes,
                    RemovalReason.FRONT_MATTER,
                )
            )
    if part is not None:
        removed.append(_heading(part))
    return chapters


def _heading(item: _Numbered) -> RemovedBlock:
    """A heading with nothing under it, as the ledger lists it."""
    return RemovedBlock(item.number, RemovalReason.HEADING, clean_text(item.section.title or ""))


def _parts(numbered: Sequence[_Numbered]) -> list[Chapter]:
    paragraphs = [p for item in numbered for p in item.paragraphs]
    chapters = split_by_words(paragraphs)
    for item in numbered:
        owner = next(
            (c for c in reversed(chapters) if c.start_page <= item.number),
            chapters[0] if chapters else None,
        )
        if owner is not None:
            owner.notes.extend(item.notes)
    return chapters


def _cleaned(texts: Sequence[str], number: int) -> list[Paragraph]:
    cleaned = (clean_text(text) for text in texts)
    return [Paragraph(text, number) for text in cleaned if text]


def _ledger(
    number: int,
    section: FlowSection,
    paragraphs: Sequence[Paragraph],
    notes: Sequence[Paragraph],
    reason: RemovalReason,
) -> list[RemovedBlock]:
    """One entry for the section's text, as the PDF ledger has one per page."""
    parts = [
        clean_text(section.title or ""),
        *(p.text for p in paragraphs),
        *(n.text for n in notes),
    ]
    text = " ".join(part for part in parts if part)
    return [RemovedBlock(number, reason, text)] if text else []


def _words(paragraphs: Sequence[Paragraph]) -> int:
    return sum(len(paragraph.text.split()) for paragraph in paragraphs)


def _title_from_file_name(file_name: str) -> str:
    words = " ".join(PurePath(file_name).stem.replace("_", " ").replace("-", " ").split())
    return words[:1].upper() + words[1:] if words else "Untitled"
