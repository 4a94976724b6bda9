"""A quick count of a PDF's text, for pricing a book before it is read properly.

Far cheaper than reading: no line layout, no cleaning, no OCR. It runs in the same sandbox
as reading, since the file is just as untrusted.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium

from pdf2audiobook.pipeline.reading.gate import check_file
from pdf2audiobook.pipeline.reading.limits import ReadLimits
from pdf2audiobook.pipeline.reading.pdfium_document import checked_page_count, open_document
from pdf2audiobook.pipeline.reading.sandbox import ChildChannel, run_sandboxed

_TEXTLESS_BELOW = 20
"""A page with fewer visible characters than this is probably an image of text."""


@dataclass(frozen=True, slots=True)
class TextCount:
    pages: int
    characters: int
    """Visible characters of the text layer, spaces excluded."""
    pages_without_text: int
    """Pages that would go to OCR: their words are not in `characters`."""


def count_text(path: Path, password: str | None, limits: ReadLimits) -> TextCount:
    """Count `path`'s text safely. Raises a PipelineError subclass as reading does (a wrong
    password, a damaged file, a file over the limits)."""
    check_file(path, limits)
    return run_sandboxed(
        count_in_process,
        (str(path), password, limits),
        memory_bytes=limits.memory_bytes,
        initial_seconds=limits.base_seconds,
        describe=path.name,
    )


def count_in_process(
    channel: ChildChannel | None, path_text: str, password: str | None, limits: ReadLimits
) -> TextCount:
    path = Path(path_text)
    document = open_document(path, password)
    try:
        page_count = checked_page_count(document, path.name, limits)
        if channel is not None:
            channel.extend_deadline(limits.text_deadline(page_count), "text")
        characters = textless = 0
        for index in range(page_count):
            visible = _visible_characters(document, index)
            characters += visible
            textless += visible < _TEXTLESS_BELOW
    finally:
        document.close()
    return TextCount(pages=page_count, characters=characters, pages_without_text=textless)


def _visible_characters(document: pdfium.PdfDocument, index: int) -> int:
    try:
        page = document[index]
    except pdfium.PdfiumError:
        return 0
    try:
        textpage = page.get_textpage()
        try:
            text = textpage.get_text_bounded()
        finally:
            textpage.close()
    except pdfium.PdfiumError:
        return 0
    finally:
        page.close()
    return sum(1 for character in text if not character.isspace())
