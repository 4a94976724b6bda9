"""Cleaning and chapter planning: a `RawDocument` becomes a `Book` a listener can follow.

Order matters: running heads go first (they would otherwise look like headings and
break sentences at every page turn), then footnotes, then the chapter plan is made on
what remains, and only then are lines joined into paragraphs inside each chapter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from pdf2audiobook.pipeline.chapters import ChapterPlan, plan_chapters
from pdf2audiobook.pipeline.cleaning.body_size import body_font_size
from pdf2audiobook.pipeline.cleaning.characters import clean_text
from pdf2audiobook.pipeline.cleaning.footnotes import split_footnotes, strip_inline_markers
from pdf2audiobook.pipeline.cleaning.paragraphs import build_paragraphs
from pdf2audiobook.pipeline.cleaning.running_heads import find_running_heads
from pdf2audiobook.pipeline.cleaning.split import split_by_words
from pdf2audiobook.pipeline.cleaning.tables import find_table_rows
from pdf2audiobook.pipeline.document import (
    Book,
    Chapter,
    OcrPage,
    PageText,
    Paragraph,
    PlacedLine,
    RawDocument,
    RemovalReason,
    RemovedBlock,
)
from pdf2audiobook.pipeline.metadata import identify_book

# Text before the first heading of a heading-planned document (a paper's abstract,
# say) is kept as its own chapter when it is long enough to be content.
MIN_LEADING_WORDS = 60


class FootnotePolicy(StrEnum):
    END = "end"
    """Read the notes at the end of their chapter, under "Notes"."""
    DROP = "drop"


@dataclass(frozen=True, slots=True)
class _Note:
    page: int
    text: str


@dataclass(frozen=True, slots=True)
class _Section:
    title: str
    lines: list[PlacedLine]
    skip_reason: RemovalReason | None


# Plans from a list of the book's sections: what comes before the first is front matter.
_LISTED_SOURCES = frozenset({"outline", "printed_contents"})

_SKIP_REASONS = {
    "contents": RemovalReason.CONTENTS,
    "front_matter": RemovalReason.FRONT_MATTER,
    "back_matter": RemovalReason.BACK_MATTER,
}


def build_book(raw: RawDocument, footnotes: FootnotePolicy = FootnotePolicy.END) -> Book:
    """Clean `raw` and split it into chapters. Pure: no I/O, deterministic."""
    removed: list[RemovedBlock] = []
    body_size = body_font_size(raw.pages)
    pages, notes = _clean_pages(raw.pages, body_size, removed)
    plan = plan_chapters(pages, raw.outline)
    identity = identify_book(raw)
    sections = _sections(pages, plan, identity.title)
    chapters: list[Chapter] = []
    for section in sections:
        if section.skip_reason is not None:
            removed.extend(_ledger_lines(section.lines, section.skip_reason))
            continue
        chapters.extend(_chapters_of(section))
    if not chapters:
        chapters = _fallback_chapters(pages)
    _place_notes(chapters, notes, footnotes, removed)
    removed.sort(key=lambda block: block.page)
    return Book(
        title=identity.title,
        author=identity.author,
        page_count=raw.page_count,
        chapters=chapters,
        removed=removed,
        ocr_pages=[OcrPage(p.number, p.ocr_engine) for p in raw.pages if p.ocr_engine],
    )


def _clean_pages(
    pages: Sequence[PageText], body_size: float, removed: list[RemovedBlock]
) -> tuple[list[PageText], list[_Note]]:
    heads = find_running_heads(pages, body_size)
    cleaned: list[PageText] = []
    notes: list[_Note] = []
    for page in pages:
        kept = []
        for index, line in enumerate(page.lines):
            reason = heads.get((page.number, index))
            if reason is not None:
                removed.append(RemovedBlock(page.number, reason, clean_text(line.text)))
            else:
                kept.append(line)
        page = replace(page, lines=tuple(kept))
        if page.ocr_engine is None:
            page_notes = split_footnotes(page, body_size)
            notes.extend(_Note(page.number, clean_text(text)) for text in page_notes.notes)
            table_rows = find_table_rows(page, body_size)
            body_lines = []
            for index in page_notes.body:
                if index in table_rows:
                    removed.append(
                        RemovedBlock(
                            page.number, RemovalReason.TABLE, clean_text(page.lines[index].text)
                        )
                    )
                    continue
                line, markers = strip_inline_markers(page.lines[index])
                removed.extend(
                    RemovedBlock(page.number, RemovalReason.FOOTNOTE_MARKER, m) for m in markers
                )
                body_lines.append(line)
            page = replace(page, lines=tuple(body_lines))
        cleaned.append(page)
    return cleaned, notes


def _sections(pages: Sequence[PageText], plan: ChapterPlan, book_title: str) -> list[_Section]:
    """Cut the document's lines at the plan's starts; drop the heading lines themselves."""
    cuts: list[tuple[int, int, int, str, RemovalReason | None]] = []
    for start in plan.starts:
        cuts.append((start.page, start.line_index or 0, start.heading_lines, start.title, None))
    for skipped in plan.skipped:
        skip_reason = _SKIP_REASONS.get(skipped.reason, RemovalReason.FRONT_MATTER)
        cuts.append((skipped.page, skipped.line_index or 0, 0, skipped.title, skip_reason))
    cuts.sort(key=lambda cut: (cut[0], cut[1]))

    leading_title = book_title
    leading_reason: RemovalReason | None = (
        RemovalReason.FRONT_MATTER if plan.source in _LISTED_SOURCES else None
    )
    sections = [_Section(leading_title, [], leading_reason)]
    cut_index = 0
    skip_heading = 0
    for page in pages:
        for index, line in enumerate(page.lines):
            while cut_index < len(cuts) and (cuts[cut_index][0], cuts[cut_index][1]) <= (
                page.number,
                index,
            ):
                _, _, heading_lines, title, reason = cuts[cut_index]
                sections.append(_Section(title, [], reason))
                skip_heading = heading_lines
                cut_index += 1
            if skip_heading > 0:
                skip_heading -= 1
                continue
            sections[-1].lines.append(PlacedLine(page.number, line))
    leading = sections[0]
    if leading.skip_reason is None and _word_count(leading.lines) < MIN_LEADING_WORDS:
        sections[0] = _Section(leading.title, leading.lines, RemovalReason.FRONT_MATTER)
    return sections


def _word_count(lines: Sequence[PlacedLine]) -> int:
    return sum(len(placed.line.text.split()) for placed in lines)


def _chapters_of(section: _Section) -> list[Chapter]:
    paragraphs = build_paragraphs(section.lines)
    if not paragraphs:
        return []
    first_page = section.lines[0].page
    last_page = section.lines[-1].page
    return [Chapter(clean_text(section.title), first_page, last_page, paragraphs)]


def _fallback_chapters(pages: Sequence[PageText]) -> list[Chapter]:
    lines = [PlacedLine(page.number, line) for page in pages for line in page.lines]
    return split_by_words(build_paragraphs(lines))


def _ledger_lines(lines: Sequence[PlacedLine], reason: RemovalReason) -> list[RemovedBlock]:
    """One ledger entry per page of a skipped section, so the ledger stays readable."""
    by_page: dict[int, list[str]] = {}
    for placed in lines:
        by_page.setdefault(placed.page, []).append(clean_text(placed.line.text))
    return [RemovedBlock(page, reason, " ".join(texts)) for page, texts in by_page.items()]


def _place_notes(
    chapters: list[Chapter],
    notes: Sequence[_Note],
    policy: FootnotePolicy,
    removed: list[RemovedBlock],
) -> None:
    for note in notes:
        owner = _chapter_for_page(chapters, note.page)
        if policy is FootnotePolicy.DROP or owner is None:
            removed.append(RemovedBlock(note.page, RemovalReason.FOOTNOTE, note.text))
        else:
            owner.notes.append(Paragraph(note.text, note.page))


def _chapter_for_page(chapters: Sequence[Chapter], page: int) -> Chapter | None:
    owner = None
    for chapter in chapters:
        if chapter.start_page <= page:
            owner = chapter
    if owner is not None and page > owner.end_page:
        return None
    return owner
