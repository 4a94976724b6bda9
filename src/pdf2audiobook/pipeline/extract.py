"""The reading half of the pipeline as one call: a book's path in, a chapter plan out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pdf2audiobook.pipeline.book_builder import FootnotePolicy
from pdf2audiobook.pipeline.document import Book
from pdf2audiobook.pipeline.reading.reader import ReadOptions
from pdf2audiobook.pipeline.reading.sandbox import ProgressCallback
from pdf2audiobook.pipeline.source import read_book


def extract_book(
    path: Path,
    read_options: ReadOptions | None = None,
    footnotes: FootnotePolicy = FootnotePolicy.END,
    on_progress: ProgressCallback | None = None,
) -> Book:
    """Read and clean `path`, whatever its format. Raises a PipelineError subclass on any
    expected failure."""
    return read_book(path, read_options, footnotes, on_progress).book


def book_to_json(book: Book) -> dict[str, Any]:
    """The `extract --json` shape, stable for scripts and the service."""
    return {
        "title": book.title,
        "author": book.author,
        "pages": book.page_count,
        "ocr_pages": [{"page": p.page, "engine": p.engine} for p in book.ocr_pages],
        "chapters": [
            {
                "title": chapter.title,
                "start_page": chapter.start_page,
                "end_page": chapter.end_page,
                "words": chapter.word_count,
                "text": chapter.text,
            }
            for chapter in book.chapters
        ],
        "removed": [
            {"page": block.page, "reason": block.reason.value, "text": block.text}
            for block in book.removed
        ],
    }
