"""One way in for every book: the format is sniffed from the bytes, then the file is read
by its reader in the sandbox and planned into chapters.

A PDF goes through the PDF reader and `build_book`; EPUB, DOCX, Markdown and plain text
through their readers, which give a `FlowDocument`, and `flow_to_book`. Both run in a
child process under the same memory and time limits, since every file is untrusted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pdf2audiobook.pipeline.book_builder import FootnotePolicy, build_book
from pdf2audiobook.pipeline.document import Book
from pdf2audiobook.pipeline.formats.docx import read_docx
from pdf2audiobook.pipeline.formats.epub import read_epub
from pdf2audiobook.pipeline.formats.flow import FlowDocument
from pdf2audiobook.pipeline.formats.flow_book import flow_to_book
from pdf2audiobook.pipeline.formats.markdown import read_markdown
from pdf2audiobook.pipeline.formats.plain_text import read_plain_text
from pdf2audiobook.pipeline.formats.sniff import FORMAT_INFO, SourceFormat, sniff_format
from pdf2audiobook.pipeline.formats.source_file import check_file_size
from pdf2audiobook.pipeline.reading.limits import MIB, ReadLimits
from pdf2audiobook.pipeline.reading.reader import ReadOptions, read_pdf
from pdf2audiobook.pipeline.reading.sandbox import ChildChannel, ProgressCallback, run_sandboxed

SECONDS_PER_MIB = 2.0
"""Reading time allowed per mebibyte of a reflowable file, on top of the base allowance:
lxml parses XHTML at tens of megabytes a second, so this is ample and still bounded."""


@dataclass(frozen=True, slots=True)
class SourceBook:
    book: Book
    cover_jpeg: bytes | None
    """Cover art as JPEG when asked for and the file has one."""
    format: SourceFormat


def read_book(
    path: Path,
    read_options: ReadOptions | None = None,
    footnotes: FootnotePolicy = FootnotePolicy.END,
    on_progress: ProgressCallback | None = None,
) -> SourceBook:
    """Read the book at `path`, whatever its format, and plan its chapters.

    Raises a PipelineError subclass on every expected failure: UnsupportedFormatError
    (listing what is accepted) for a file of no known format, and the reader's own errors.
    """
    options = read_options or ReadOptions()
    source_format = sniff_format(path, options.limits)
    if source_format is SourceFormat.PDF:
        raw = read_pdf(path, options, on_progress)
        return SourceBook(build_book(raw, footnotes), raw.cover_jpeg, source_format)
    flow = read_flow(path, source_format, options, on_progress)
    return SourceBook(flow_to_book(flow, footnotes), flow.cover_jpeg, source_format)


def read_flow(
    path: Path,
    source_format: SourceFormat,
    options: ReadOptions,
    on_progress: ProgressCallback | None = None,
) -> FlowDocument:
    """Read a reflowable book (not a PDF) in the sandbox."""
    limits = options.limits
    check_file_size(path, limits, FORMAT_INFO[source_format].label)
    return run_sandboxed(
        read_flow_in_process,
        (source_format.value, str(path), limits, options.cover),
        memory_bytes=limits.memory_bytes,
        initial_seconds=limits.base_seconds,
        describe=path.name,
        on_progress=on_progress,
    )


def read_flow_in_process(
    channel: ChildChannel | None, format_name: str, path_text: str, limits: ReadLimits, cover: bool
) -> FlowDocument:
    """Read in the current process (the sandbox calls this in its child)."""
    path = Path(path_text)
    if channel is not None:
        size_mib = path.stat().st_size / MIB
        channel.extend_deadline(limits.base_seconds + SECONDS_PER_MIB * size_mib, "text")
    source_format = SourceFormat(format_name)
    if source_format is SourceFormat.EPUB:
        return read_epub(path, limits, cover=cover)
    return _FLOW_READERS[source_format](path, limits)


_FLOW_READERS: dict[SourceFormat, Callable[[Path, ReadLimits], FlowDocument]] = {
    SourceFormat.DOCX: read_docx,
    SourceFormat.MARKDOWN: read_markdown,
    SourceFormat.TEXT: read_plain_text,
}
