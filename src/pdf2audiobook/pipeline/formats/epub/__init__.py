"""EPUB 2 and 3 books: package, navigation, content documents, notes and cover."""

from pdf2audiobook.pipeline.formats.epub.reader import read_epub

__all__ = ["read_epub"]
