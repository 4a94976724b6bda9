"""Project Gutenberg's wrapper around a plain-text book: its header, licence and footer.

Every Gutenberg text sits between a header (title, author, language, release notes) and
a footer (the licence), marked by "*** START OF THE PROJECT GUTENBERG EBOOK ... ***" and
"*** END OF ... ***" lines; texts from the 1990s end their header with "*END*THE SMALL
PRINT!" instead. Neither part is the book, so both are left out of what is read.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from pdf2audiobook.pipeline.cleaning.characters import clean_text
from pdf2audiobook.pipeline.document import RemovalReason, RemovedBlock

_START: Final = re.compile(
    r"^\s*(?:\*{3}\s*START OF (?:THE|THIS) PROJECT GUTENBERG\b|\*END\*THE SMALL PRINT!)",
    re.IGNORECASE,
)
_END: Final = re.compile(r"^\s*\*{3}\s*END OF (?:THE|THIS) PROJECT GUTENBERG\b", re.IGNORECASE)
_CLOSING_LINE: Final = re.compile(r"^\s*End of (?:the )?Project Gutenberg", re.IGNORECASE)
_FIELD: Final = re.compile(r"^(Title|Author|Language):\s*(\S.*)$", re.IGNORECASE)
# "Project Gutenberg's Alice's Adventures in Wonderland, by Lewis Carroll", "The Project
# Gutenberg EBook of Pride and Prejudice, by Jane Austen": the first line of older headers.
_OPENING_LINE: Final = re.compile(
    r"^\s*(?:The\s+)?Project Gutenberg(?:['\u2019]s|\s+e-?book\s+of|\s+etext\s+of)\s+"
    r"(?P<title>.+?)(?:,\s+by\s+(?P<author>.+?))?\s*$",
    re.IGNORECASE,
)
_LANGUAGES: Final = {
    "english": "en",
    "french": "fr",
    "german": "de",
    "spanish": "es",
    "italian": "it",
    "portuguese": "pt",
    "dutch": "nl",
    "finnish": "fi",
    "swedish": "sv",
    "danish": "da",
    "norwegian": "no",
    "latin": "la",
    "greek": "el",
    "russian": "ru",
    "polish": "pl",
    "chinese": "zh",
    "japanese": "ja",
}


@dataclass(frozen=True, slots=True)
class GutenbergWrapper:
    """Where the book starts and ends inside a Gutenberg text, and what its header says."""

    body_start: int
    """Index of the first line of the book (0 when there is no header)."""
    body_end: int
    """Index just past the book's last line (the line count when there is no footer)."""
    title: str | None
    author: str | None
    language: str | None

    def ledger(self, lines: Sequence[str], last_section: int) -> list[RemovedBlock]:
        """The header as front matter of the first section and the footer as back matter
        of the last, for the ledger of what was left out."""
        found = []
        header = clean_text(" ".join(lines[: self.body_start]))
        if header:
            found.append(RemovedBlock(1, RemovalReason.FRONT_MATTER, header))
        footer = clean_text(" ".join(lines[self.body_end :]))
        if footer:
            found.append(RemovedBlock(max(last_section, 1), RemovalReason.BACK_MATTER, footer))
        return found


def find_wrapper(lines: Sequence[str]) -> GutenbergWrapper | None:
    """The Gutenberg header and footer of `lines`, or None for a text without them."""
    start = next((i for i, line in enumerate(lines) if _START.match(line)), None)
    search_from = 0 if start is None else start + 1
    end = next(
        (i for i in range(search_from, len(lines)) if _END.match(lines[i])),
        None,
    )
    if start is None and end is None:
        return None
    body_start = 0 if start is None else start + 1
    body_end = _before_closing_line(lines, body_start, len(lines) if end is None else end)
    fields = _header_fields(lines[:body_start])
    return GutenbergWrapper(
        body_start=body_start,
        body_end=body_end,
        title=fields.get("title"),
        author=fields.get("author"),
        language=_language_code(fields.get("language")),
    )


def _before_closing_line(lines: Sequence[str], start: int, end: int) -> int:
    """`end`, moved up past an "End of the Project Gutenberg EBook of ..." paragraph."""
    position = end
    while position > start and not lines[position - 1].strip():
        position -= 1
    paragraph_start = position
    while paragraph_start > start and lines[paragraph_start - 1].strip():
        paragraph_start -= 1
    if paragraph_start < position and _CLOSING_LINE.match(lines[paragraph_start]):
        return paragraph_start
    return end


def _header_fields(header: Sequence[str]) -> dict[str, str]:
    """Title, author and language as the header states them."""
    fields: dict[str, str] = {}
    current: str | None = None
    for line in header:
        match = _FIELD.match(line)
        if match:
            current = match.group(1).lower()
            fields.setdefault(current, match.group(2).strip())
        elif current is not None and line.startswith((" ", "\t")) and line.strip():
            # A long title goes on over indented lines.
            fields[current] = f"{fields[current]} {line.strip()}"
        else:
            current = None
    opening = next((line for line in header if line.strip()), "")
    match = _OPENING_LINE.match(opening)
    if match:
        fields.setdefault("title", match.group("title"))
        if match.group("author"):
            fields.setdefault("author", match.group("author"))
    return fields


def _language_code(name: str | None) -> str | None:
    if name is None:
        return None
    return _LANGUAGES.get(name.split(",")[0].strip().lower())
