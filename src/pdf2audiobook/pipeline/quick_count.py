"""How many characters a book will send to a voice, judged before it is read in full: what
a job is priced at when it is submitted."""

from __future__ import annotations

from pathlib import Path

from pdf2audiobook.pipeline.estimate import characters_before_reading, spoken_text_size
from pdf2audiobook.pipeline.formats.flow_book import flow_to_book
from pdf2audiobook.pipeline.formats.sniff import SourceFormat, sniff_format
from pdf2audiobook.pipeline.reading.limits import ReadLimits
from pdf2audiobook.pipeline.reading.reader import ReadOptions
from pdf2audiobook.pipeline.reading.text_count import count_text
from pdf2audiobook.pipeline.source import read_flow


def characters_to_price(path: Path, password: str | None, limits: ReadLimits) -> int:
    """Characters to price the book at `path` by, whatever its format. Raises a
    PipelineError subclass as reading does.

    A PDF's text layer is only counted, since reading it properly (OCR included) can take
    minutes; a reflowable book is read whole, which takes about a second, and its spoken
    text is measured exactly.
    """
    source_format = sniff_format(path, limits)
    if source_format is SourceFormat.PDF:
        return characters_before_reading(count_text(path, password, limits))
    flow = read_flow(path, source_format, ReadOptions(limits=limits))
    characters, _ = spoken_text_size(flow_to_book(flow))
    return characters
