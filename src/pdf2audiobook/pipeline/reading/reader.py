"""The reading stage: a PDF file in, a `RawDocument` of positioned lines out.

Everything that touches the file's bytes after the gate runs in a sandboxed child
process; the parent only ever sees plain Python values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pypdfium2 as pdfium

from pdf2audiobook.pipeline.document import PageText, RawDocument
from pdf2audiobook.pipeline.errors import NoTextError
from pdf2audiobook.pipeline.reading.cover import render_cover
from pdf2audiobook.pipeline.reading.enough_text import check_enough_text, count_words
from pdf2audiobook.pipeline.reading.gate import check_file, largest_user_unit
from pdf2audiobook.pipeline.reading.limits import ReadLimits
from pdf2audiobook.pipeline.reading.pdfium_document import (
    checked_page_count,
    open_document,
    read_metadata,
    read_outline,
)
from pdf2audiobook.pipeline.reading.pdfium_text import read_lines
from pdf2audiobook.pipeline.reading.sandbox import ChildChannel, ProgressCallback, run_sandboxed

_PROGRESS_EVERY = 25


@dataclass(frozen=True, slots=True)
class ReadOptions:
    password: str | None = None
    ocr: bool = True
    """Read image-only pages with OCR; off, such pages stay empty."""
    cover: bool = False
    """Render the first page as cover art."""
    limits: ReadLimits = field(default_factory=ReadLimits)


def read_pdf(
    path: Path, options: ReadOptions | None = None, on_progress: ProgressCallback | None = None
) -> RawDocument:
    """Read `path` safely. Raises a PipelineError subclass for every expected failure."""
    options = options or ReadOptions()
    check_file(path, options.limits)
    return run_sandboxed(
        extract_in_process,
        (str(path), options),
        memory_bytes=options.limits.memory_bytes,
        initial_seconds=options.limits.base_seconds,
        describe=path.name,
        on_progress=on_progress,
    )


def extract_in_process(
    channel: ChildChannel | None, path_text: str, options: ReadOptions
) -> RawDocument:
    """Do the reading in the current process (the sandbox calls this in its child).

    `channel` may be None for callers that accept the risk, such as benchmarks.
    """
    path = Path(path_text)
    limits = options.limits
    document = open_document(path, options.password)
    try:
        page_count = checked_page_count(document, path.name, limits)
        if channel is not None:
            channel.extend_deadline(limits.text_deadline(page_count), "text")
        outline = read_outline(document, page_count, limits)
        metadata = read_metadata(document)
        pages: list[PageText] = []
        needs_ocr: list[int] = []
        for index in range(page_count):
            page_text, wants_ocr = _read_page(document, index, options.ocr)
            pages.append(page_text)
            if wants_ocr:
                needs_ocr.append(index)
            if channel is not None and (index + 1) % _PROGRESS_EVERY == 0:
                channel.progress("text", index + 1, page_count)
        if needs_ocr:
            _ocr_pages(document, path, needs_ocr, pages, limits, channel)
        cover = _cover(document, path, limits) if options.cover else None
    finally:
        document.close()
    if not any(any(ch.isalnum() for ch in line.text) for page in pages for line in page.lines):
        raise NoTextError(
            f"{path.name} has no readable text: its pages are empty, or are images "
            "that could not be read with OCR."
        )
    words = count_words(line.text for page in pages for line in page.lines)
    check_enough_text(path.name, words, page_count, options.ocr)
    return RawDocument(
        page_count=page_count,
        pages=tuple(pages),
        outline=outline,
        metadata=metadata,
        file_name=path.name,
        cover_jpeg=cover,
    )


def _cover(document: pdfium.PdfDocument, path: Path, limits: ReadLimits) -> bytes | None:
    try:
        page = document[0]
    except pdfium.PdfiumError:
        return None
    try:
        return render_cover(page, largest_user_unit(path), limits.max_page_side_points)
    except pdfium.PdfiumError:
        return None
    finally:
        page.close()


def _read_page(document: pdfium.PdfDocument, index: int, ocr: bool) -> tuple[PageText, bool]:
    number = index + 1
    try:
        page = document[index]
    except pdfium.PdfiumError:
        # One broken page must not cost the rest of the book.
        return PageText(number=number, width=0.0, height=0.0, lines=()), False
    try:
        width, height = page.get_size()
        textpage = page.get_textpage()
        try:
            lines = tuple(read_lines(textpage, height))
        finally:
            textpage.close()
        wants_ocr = False
        if ocr:
            from pdf2audiobook.pipeline.reading.ocr_choice import page_wants_ocr

            visible = sum(len(line.text.replace(" ", "")) for line in lines)
            wants_ocr = page_wants_ocr(page, visible)
        return PageText(number=number, width=width, height=height, lines=lines), wants_ocr
    except pdfium.PdfiumError:
        return PageText(number=number, width=0.0, height=0.0, lines=()), False
    finally:
        page.close()


def _ocr_pages(
    document: pdfium.PdfDocument,
    path: Path,
    indexes: list[int],
    pages: list[PageText],
    limits: ReadLimits,
    channel: ChildChannel | None,
) -> None:
    from pdf2audiobook.pipeline.reading.ocr.registry import default_engine
    from pdf2audiobook.pipeline.reading.ocr.render import render_for_ocr

    engine = default_engine()
    user_unit = largest_user_unit(path)
    if channel is not None:
        channel.extend_deadline(limits.seconds_per_ocr_page * len(indexes), "ocr")
    for done, index in enumerate(indexes, start=1):
        page = document[index]
        try:
            width, height = page.get_size()
            if max(width, height) * user_unit > limits.max_page_side_points:
                continue
            image, points_per_pixel = render_for_ocr(
                page, dpi=limits.ocr_dpi, max_pixels=limits.max_render_pixels, user_unit=user_unit
            )
            lines = tuple(engine.read(image, points_per_pixel))
        finally:
            page.close()
        pages[index] = PageText(
            number=index + 1, width=width, height=height, lines=lines, ocr_engine=engine.name
        )
        if channel is not None:
            channel.progress("ocr", done, len(indexes))
