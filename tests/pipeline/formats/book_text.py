"""The books under tests/data/formats and how much of their text a reader kept.

Recall is measured on words: letters and digits, case folded, compatibility-normalised
as the readers' text cleaning does, counted with their repeats. Punctuation, italics
marks and line breaks do not count, so the figure says which words a listener would
miss.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from pathlib import Path

from pdf2audiobook.pipeline.formats.flow import FlowDocument

FORMATS_DATA = Path(__file__).resolve().parents[2] / "data" / "formats"
MIN_RECALL = 0.995
_WORD = re.compile(r"[^\W_]+")
_CHAPTER_LINE = re.compile(r"^\s*CHAPTER [IVXL]+\.?.*$", re.MULTILINE)


def spoken_text(document: FlowDocument) -> str:
    """Every title, paragraph and note of the document, in order."""
    parts: list[str] = []
    for section in document.sections:
        parts.extend([section.title or "", *section.paragraphs, *section.notes])
    return "\n".join(parts)


def word_recall(expected: str, document: FlowDocument) -> float:
    """The share of `expected`'s words (with repeats) that the document's text holds."""
    wanted = _words(expected)
    found = _words(spoken_text(document))
    kept = sum(min(count, found[word]) for word, count in wanted.items())
    return kept / sum(wanted.values())


def gutenberg_body(path: Path) -> str:
    """The book inside a Project Gutenberg text: what lies between its START and END
    lines, without the closing "End of Project Gutenberg's ..." line."""
    text = path.read_text(encoding="utf-8-sig")
    body = text.split("*** START OF", 1)[1].split("\n", 1)[1]
    body = body.split("*** END OF", 1)[0]
    return body.split("End of Project Gutenberg", 1)[0]


def chapter_lines(text: str) -> list[str]:
    """The book's own chapter headings: its "CHAPTER IV. ..." lines, as printed."""
    return [" ".join(line.split()) for line in _CHAPTER_LINE.findall(text)]


def _words(text: str) -> Counter[str]:
    return Counter(_WORD.findall(unicodedata.normalize("NFKC", text).casefold()))
