"""The name a user's book file goes by: in messages, on disk while it is read, in downloads."""

from __future__ import annotations

import re
from pathlib import PurePath

from pdf2audiobook.pipeline.formats.sniff import FORMAT_INFO, SourceFormat

_UNSAFE = re.compile(r"[^\w .,()'&+-]+")
_MAX_NAME = 80
_SUFFIXES = {
    ".pdf": SourceFormat.PDF,
    ".epub": SourceFormat.EPUB,
    ".docx": SourceFormat.DOCX,
    ".md": SourceFormat.MARKDOWN,
    ".markdown": SourceFormat.MARKDOWN,
    ".txt": SourceFormat.TEXT,
}
"""Suffixes a client's file name may keep: each names the format it claims."""


def display_name(filename: str | None, source_format: SourceFormat | None = None) -> str:
    """A file name fit to show in a message and to create on disk: the client's own name's
    last part, without control or path characters. It ends in the suffix of
    `source_format`, keeping the client's own spelling of it (`.markdown`); without a
    format, in the client's suffix when it is one of ours, else `.pdf`."""
    name = _UNSAFE.sub("", PurePath((filename or "").replace("\\", "/")).name).strip(" .")
    suffix = PurePath(name).suffix.lower()
    claimed = _SUFFIXES.get(suffix)
    stem = name[: -len(suffix)] if claimed is not None else name
    if source_format is None:
        source_format = claimed or SourceFormat.PDF
    if claimed is not source_format:
        suffix = FORMAT_INFO[source_format].suffix
    return f"{(stem or 'book')[:_MAX_NAME]}{suffix}"


def stored_book_name(original_filename: str, key: str) -> str:
    """The user's name for a stored book, with the suffix of the format it was stored as:
    what a worker calls its copy, so that a reader's message names the user's own file."""
    return display_name(original_filename, _SUFFIXES.get(PurePath(key).suffix.lower()))
