"""Plain-text books: paragraphs between blank lines, chapters from their heading lines.

Text files are usually wrapped by hand at about 70 characters, so the lines of a
paragraph are joined back together; a blank line ends a paragraph. Chapters come from
lines such as "CHAPTER IV" (see `text_headings`); a book without them is one untitled
section, which the book builder cuts into parts. A Project Gutenberg header and licence
are left out and listed in the ledger.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import pairwise
from pathlib import Path
from typing import Final

from pdf2audiobook.pipeline.cleaning.characters import clean_text
from pdf2audiobook.pipeline.document import RemovalReason, RemovedBlock
from pdf2audiobook.pipeline.errors import FileTooLargeError
from pdf2audiobook.pipeline.formats.flow import FlowDocument, FlowSection
from pdf2audiobook.pipeline.formats.gutenberg import find_wrapper
from pdf2audiobook.pipeline.formats.source_file import read_text_file
from pdf2audiobook.pipeline.formats.text_headings import find_headings
from pdf2audiobook.pipeline.reading.limits import ReadLimits

# A word broken at a line end by a typist ("waistcoat-" / "pocket") keeps its hyphen and
# takes no space; so does a dash written as two hyphens.
_ENDS_JOINED: Final = re.compile(r"(?:\w-|--)$")
_HAS_WORD: Final = re.compile(r"\w")


def read_plain_text(path: Path, limits: ReadLimits) -> FlowDocument:
    """The book in the text file `path`, as sections of paragraphs.

    Raises InvalidDocumentError for a file that cannot be read, is empty or holds binary
    data, and FileTooLargeError past `limits.max_file_bytes` or when the text has
    more headings than `limits.max_reflow_sections`. Reads nothing but `path`.
    """
    text = read_text_file(path, limits, "text")
    lines = [line.rstrip() for line in text.replace("\f", "\n").split("\n")]
    wrapper = find_wrapper(lines)
    body = lines if wrapper is None else lines[wrapper.body_start : wrapper.body_end]
    removed: list[RemovedBlock] = []
    sections = _sections(_blocks(body), removed)
    if len(sections) > limits.max_reflow_sections:
        raise FileTooLargeError(
            f"{path.name} has {len(sections):,} chapter headings; at most "
            f"{limits.max_reflow_sections:,} are read. Split the book and try again."
        )
    if wrapper is not None:
        removed = [*wrapper.ledger(lines, len(sections)), *removed]
    return FlowDocument(
        format="text",
        file_name=path.name,
        title=wrapper.title if wrapper else None,
        author=wrapper.author if wrapper else None,
        language=wrapper.language if wrapper else None,
        sections=tuple(sections),
        removed=tuple(removed),
    )


def _blocks(lines: Sequence[str]) -> list[list[str]]:
    """Runs of non-blank lines, each line stripped."""
    blocks: list[list[str]] = []
    current: list[str] = []
    for line in lines:
        stripped = line.strip()
        if stripped:
            current.append(stripped)
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def _sections(blocks: Sequence[Sequence[str]], removed: list[RemovedBlock]) -> list[FlowSection]:
    headings, contents = find_headings(blocks)
    ranks = sorted({heading.rank for heading in headings})
    starts = {heading.block: heading for heading in headings}
    subtitles = {h.subtitle_block for h in headings if h.subtitle_block is not None}
    contents_blocks = set(contents)
    built: list[FlowSection] = []
    title: str | None = None
    level = 0
    paragraphs: list[str] = []
    listing: list[str] = []
    listing_section = 1

    def close() -> None:
        if paragraphs or title is not None:
            built.append(FlowSection(title, level, tuple(paragraphs)))

    for index, block in enumerate(blocks):
        heading = starts.get(index)
        if heading is not None:
            close()
            title, level, paragraphs = clean_text(heading.title), ranks.index(heading.rank), []
        elif index in contents_blocks:
            if not listing:
                listing_section = len(built) + 1
            listing.append(_joined(block))
        elif index not in subtitles and _HAS_WORD.search(" ".join(block)):
            paragraphs.append(_paragraph(block))
    close()
    if listing:
        removed.append(RemovedBlock(listing_section, RemovalReason.CONTENTS, " ".join(listing)))
    return built or [FlowSection(None, 0, ())]


def _paragraph(lines: Sequence[str]) -> str:
    """The lines of a hand-wrapped paragraph joined into one."""
    parts = [lines[0]]
    for before, line in pairwise(lines):
        parts.append(line if _ENDS_JOINED.search(before) else f" {line}")
    return clean_text("".join(parts))


def _joined(lines: Sequence[str]) -> str:
    return clean_text(" ".join(line.strip() for line in lines if line.strip()))
