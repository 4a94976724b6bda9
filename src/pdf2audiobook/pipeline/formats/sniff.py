"""Which format a file is, told from its bytes alone; its name and the client's word are
never consulted."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from pdf2audiobook.pipeline.errors import InvalidDocumentError, UnsupportedFormatError
from pdf2audiobook.pipeline.formats.archive import is_zip, open_archive
from pdf2audiobook.pipeline.formats.encoding import decode_text
from pdf2audiobook.pipeline.reading.limits import ReadLimits

_PDF_MAGIC = b"%PDF-"
_PDF_WINDOW = 1024
_TEXT_SAMPLE = 64 * 1024
_EPUB_MEDIA_TYPE = b"application/epub+zip"
_MARKUP = re.compile(r"\A\s*<(?:!doctype\s+html|html[\s>]|\?xml|svg[\s>])", re.IGNORECASE)
"""A web page or an XML file is text, but not a book this program reads (it is most often
an error page saved in place of the book)."""


class SourceFormat(StrEnum):
    PDF = "pdf"
    EPUB = "epub"
    DOCX = "docx"
    MARKDOWN = "markdown"
    TEXT = "text"


@dataclass(frozen=True, slots=True)
class FormatInfo:
    label: str
    """How people call the format, for messages."""
    suffix: str
    media_type: str


FORMAT_INFO = {
    SourceFormat.PDF: FormatInfo("PDF", ".pdf", "application/pdf"),
    SourceFormat.EPUB: FormatInfo("EPUB", ".epub", "application/epub+zip"),
    SourceFormat.DOCX: FormatInfo(
        "Word (.docx)",
        ".docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    SourceFormat.MARKDOWN: FormatInfo("Markdown", ".md", "text/markdown"),
    SourceFormat.TEXT: FormatInfo("plain text", ".txt", "text/plain"),
}
ACCEPTED_FORMATS = "PDF, EPUB, Word (.docx), Markdown or plain text (UTF-8, UTF-16 or Latin-1)"
"""What the pipeline reads, as one phrase for messages."""


def sniff_format(path: Path, limits: ReadLimits) -> SourceFormat:
    """The format of the file at `path`, from its content.

    Raises InvalidDocumentError for a missing or empty file, UnsupportedFormatError (whose
    message lists what is accepted) for anything unreadable, and the archive errors for a
    zip container that is damaged, hostile or over the limits.
    """
    head = _head(path)
    if _PDF_MAGIC in head[:_PDF_WINDOW]:
        return SourceFormat.PDF
    if is_zip(head):
        return _zip_format(path, limits)
    text = decode_text(head, complete=len(head) < _TEXT_SAMPLE)
    if text is None or _MARKUP.match(text):
        raise UnsupportedFormatError(unsupported_message(path.name))
    return SourceFormat.MARKDOWN if looks_like_markdown(text) else SourceFormat.TEXT


def unsupported_message(name: str) -> str:
    """Why a file named `name` is refused, and what would be accepted. The name only picks
    the words ("is not a PDF file" for a web page saved as book.pdf)."""
    claimed = next(
        (info.label for info in FORMAT_INFO.values() if name.lower().endswith(info.suffix)),
        None,
    )
    if claimed is None:
        return f"{name} is not a file this program can read. It accepts {ACCEPTED_FORMATS}."
    article = "an" if claimed[0] in "AEIOU" else "a"
    return (
        f"{name} is not {article} {claimed} file, nor another kind this program reads. "
        f"It accepts {ACCEPTED_FORMATS}."
    )


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            head = handle.read(_TEXT_SAMPLE)
    except FileNotFoundError:
        raise InvalidDocumentError(f"No such file: {path}") from None
    except IsADirectoryError:
        raise InvalidDocumentError(f"{path} is not a file.") from None
    except OSError as exc:
        raise InvalidDocumentError(f"Cannot open {path}: {exc.strerror}") from None
    if not head:
        raise InvalidDocumentError(f"{path.name} is empty (0 bytes): choose the file again.")
    return head


def _zip_format(path: Path, limits: ReadLimits) -> SourceFormat:
    with open_archive(path, limits) as archive:
        if archive.has("mimetype"):
            media_type = archive.read("mimetype", max_bytes=256).strip()
            if media_type == _EPUB_MEDIA_TYPE:
                return SourceFormat.EPUB
        if archive.has("META-INF/container.xml"):
            return SourceFormat.EPUB
        if archive.has("[Content_Types].xml") and archive.has("word/document.xml"):
            return SourceFormat.DOCX
    raise UnsupportedFormatError(
        f"{path.name} is a zip archive but neither an EPUB nor a Word document. "
        f"It accepts {ACCEPTED_FORMATS}."
    )


_ATX_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+\S", re.MULTILINE)
_SETEXT_UNDERLINE = re.compile(r"^[^\n]*\S[^\n]*\n {0,3}(?:=+|-{2,})[ \t]*$", re.MULTILINE)
_LINK = re.compile(r"\[[^\]\n]+\]\([^)\s]+[^)\n]*\)|^ {0,3}\[[^\]\n]+\]:[ \t]*\S", re.MULTILINE)
# A line of spaced stars or dashes is a section break in plain texts (Project Gutenberg's
# "*    *    *"), not a list.
_LIST_ITEM = re.compile(r"^ {0,3}(?:[-*+]|\d{1,9}[.)])[ \t]+(?![-*_ \t]*$)\S", re.MULTILINE)
_FENCE = re.compile(r"^ {0,3}(?:```|~~~)", re.MULTILINE)
_QUOTE = re.compile(r"^ {0,3}>[ \t]?\S", re.MULTILINE)
# Exactly two stars or underscores on each side: Project Gutenberg frames its licence
# lines in three ("*** START OF THE PROJECT GUTENBERG EBOOK ... ***").
_STRONG = re.compile(r"(?<![*_])(?:\*\*[^\s*][^*\n]*[^\s*]\*\*|__[^\s_][^_\n]*[^\s_]__)(?![*_])")


def looks_like_markdown(text: str) -> bool:
    """Whether `text` is written in Markdown rather than plain prose.

    Headings and links are strong evidence; lists, code fences, quotes and strong
    emphasis each count for less, as plain texts use them too (Project Gutenberg marks
    italics with underscores, so single emphasis counts for nothing).
    """
    score = 0
    score += 2 if _ATX_HEADING.search(text) else 0
    score += 2 if _SETEXT_UNDERLINE.search(text) else 0
    score += 2 if _LINK.search(text) else 0
    score += 1 if len(_LIST_ITEM.findall(text)) >= 2 else 0
    score += 1 if _FENCE.search(text) else 0
    score += 1 if _QUOTE.search(text) else 0
    score += 1 if _STRONG.search(text) else 0
    return score >= 2
