"""The book's title and author: from the PDF's metadata, else its first page, else its name."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePath

from pdf2audiobook.pipeline.cleaning.characters import clean_text
from pdf2audiobook.pipeline.document import PageText, RawDocument

_BY_LINE = re.compile(r"^\s*by\s+(.+)$", re.IGNORECASE)
# Producers fill Title with the source file name or a placeholder more often than not.
_PLACEHOLDER_TITLE = re.compile(
    r"(^untitled|^microsoft word|\.(docx?|tex|dvi|pdf|odt|rtf)$|^document\d*$)", re.IGNORECASE
)
_MAX_TITLE_WORDS = 20


@dataclass(frozen=True, slots=True)
class BookIdentity:
    title: str
    author: str | None


def identify_book(raw: RawDocument) -> BookIdentity:
    metadata_title = clean_text(raw.metadata.get("Title", ""))
    metadata_author = clean_text(raw.metadata.get("Author", "")) or None
    if metadata_title and not _PLACEHOLDER_TITLE.search(metadata_title):
        return BookIdentity(metadata_title, metadata_author)
    first_page = next((page for page in raw.pages if page.lines), None)
    if first_page is not None:
        found = _title_from_page(first_page)
        if found is not None:
            return BookIdentity(found.title, metadata_author or found.author)
    return BookIdentity(_title_from_file_name(raw.file_name), metadata_author)


def _title_from_page(page: PageText) -> BookIdentity | None:
    """The largest type in the upper half of the page, and a "by ..." line if any."""
    upper = [line for line in page.lines if line.top < page.height / 2 and line.text.strip()]
    if not upper:
        return None
    largest = max(line.size for line in upper)
    title_lines = [line for line in upper if line.size >= largest - 0.5]
    title = clean_text(" ".join(line.text for line in title_lines))
    if not title or len(title.split()) > _MAX_TITLE_WORDS:
        return None
    author = None
    for line in page.lines:
        match = _BY_LINE.match(line.text)
        if match:
            author = clean_text(match.group(1))
            break
    return BookIdentity(title, author)


def _title_from_file_name(file_name: str) -> str:
    stem = PurePath(file_name).stem
    words = re.sub(r"[_\-.]+", " ", stem).strip()
    return words[:1].upper() + words[1:] if words else "Untitled"
