"""A file's format comes from its bytes; its name never decides, and junk is refused with
the list of what is accepted."""

from __future__ import annotations

import random
import shutil
import zipfile
from pathlib import Path

import pytest

from pdf2audiobook.pipeline.errors import InvalidDocumentError, UnsupportedFormatError
from pdf2audiobook.pipeline.formats.flow_book import flow_to_book
from pdf2audiobook.pipeline.formats.sniff import SourceFormat, looks_like_markdown, sniff_format
from pdf2audiobook.pipeline.reading.limits import ReadLimits
from pdf2audiobook.pipeline.reading.reader import ReadOptions
from pdf2audiobook.pipeline.source import read_book, read_flow_in_process
from tests.conftest import SAMPLES, corpus_file
from tests.pipeline.formats.epub_files import simple_book

LIMITS = ReadLimits()
ACCEPTED = "It accepts PDF, EPUB, Word (.docx), Markdown or plain text"


def test_a_pdf_named_epub_is_read_as_the_pdf_it_is(tmp_path: Path) -> None:
    disguised = tmp_path / "novel.epub"
    shutil.copyfile(SAMPLES / "sample-book.pdf", disguised)
    read = read_book(disguised, ReadOptions(ocr=False))
    assert read.format is SourceFormat.PDF
    assert read.book.title == "Fables of Aesop"
    assert len(read.book.chapters) == 3


def test_an_epub_named_pdf_is_read_as_the_epub_it_is(tmp_path: Path) -> None:
    book = simple_book(tmp_path / "report.pdf", [("One", "Words of the first chapter.")])
    read = read_book(book, ReadOptions())
    assert read.format is SourceFormat.EPUB
    assert [chapter.title for chapter in read.book.chapters] == ["One"]


def test_junk_named_txt_is_refused_listing_what_is_accepted(tmp_path: Path) -> None:
    junk = tmp_path / "notes.txt"
    junk.write_bytes(random.Random(15).randbytes(20_000))
    with pytest.raises(
        UnsupportedFormatError, match=r"notes\.txt is not a plain text file"
    ) as error:
        read_book(junk, ReadOptions())
    assert ACCEPTED in error.value.message


def test_a_web_page_saved_as_a_pdf_is_not_a_pdf() -> None:
    with pytest.raises(UnsupportedFormatError, match="is not a PDF file") as error:
        sniff_format(corpus_file(18), LIMITS)
    assert ACCEPTED in error.value.message


def test_a_zip_that_is_no_book_is_refused(tmp_path: Path) -> None:
    archive_path = tmp_path / "photos.zip"
    with zipfile.ZipFile(archive_path, "w") as archive:
        archive.writestr("photo.jpg", b"\xff\xd8\xff")
    with pytest.raises(UnsupportedFormatError, match="neither an EPUB nor a Word document"):
        sniff_format(archive_path, LIMITS)


def test_a_word_document_is_known_by_its_parts(tmp_path: Path) -> None:
    document = tmp_path / "draft.bin"
    with zipfile.ZipFile(document, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    assert sniff_format(document, LIMITS) is SourceFormat.DOCX


def test_an_epub_without_its_mimetype_entry_is_known_by_its_container(tmp_path: Path) -> None:
    book = tmp_path / "book"
    with zipfile.ZipFile(book, "w") as archive:
        archive.writestr("META-INF/container.xml", "<container/>")
    assert sniff_format(book, LIMITS) is SourceFormat.EPUB


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"# The Title\n\nSome *words* here.\n", SourceFormat.MARKDOWN),
        (b"The Title\n=========\n\nWords.\n", SourceFormat.MARKDOWN),
        (b"Read [the guide](https://example.org/guide) first.\n", SourceFormat.MARKDOWN),
        (b"- one thing\n- another thing\n\n**Bold** claim.\n", SourceFormat.MARKDOWN),
        (b"CHAPTER I.\n\nIt was _very_ dark; 3 * 4 = 12.\n", SourceFormat.TEXT),
        ("Caf\u00e9 cr\u00e8me, na\u00efve.\n".encode("cp1252"), SourceFormat.TEXT),
        ("\ufeffA text in UTF-16.\n".encode("utf-16"), SourceFormat.TEXT),
        ("\ufeffA text in UTF-8 with a mark.\n".encode(), SourceFormat.TEXT),
    ],
    ids=["atx", "setext", "link", "list-strong", "gutenberg", "cp1252", "utf16", "utf8-bom"],
)
def test_text_is_markdown_only_when_it_is_written_so(
    tmp_path: Path, data: bytes, expected: SourceFormat
) -> None:
    path = tmp_path / "book.pdf"
    path.write_bytes(data)
    assert sniff_format(path, LIMITS) is expected


@pytest.mark.parametrize(
    "data",
    [b"text\x00with a NUL", bytes(range(1, 32)) * 40, b"\x89PNG\r\n\x1a\n" + b"\x00" * 64],
    ids=["nul", "controls", "png"],
)
def test_binary_data_is_never_taken_for_text(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "book.txt"
    path.write_bytes(data)
    with pytest.raises(UnsupportedFormatError) as error:
        sniff_format(path, LIMITS)
    assert ACCEPTED in error.value.message


def test_an_empty_or_missing_file_says_so(tmp_path: Path) -> None:
    empty = tmp_path / "empty.epub"
    empty.write_bytes(b"")
    with pytest.raises(InvalidDocumentError, match=r"empty\.epub is empty"):
        sniff_format(empty, LIMITS)
    with pytest.raises(InvalidDocumentError, match="No such file"):
        sniff_format(tmp_path / "gone.epub", LIMITS)


def test_gutenberg_licence_frames_and_section_breaks_are_not_markdown() -> None:
    text = (
        "*** START OF THE PROJECT GUTENBERG EBOOK THE BOOK ***\n\nIt began.\n\n"
        "  *    *    *    *    *\n\n  *    *    *\n\nIt ended.\n\n"
        "*** END OF THE PROJECT GUTENBERG EBOOK THE BOOK ***\n"
    )
    assert not looks_like_markdown(text)
    assert looks_like_markdown("- one\n- **two** more\n")


def test_prose_with_a_few_stars_is_not_markdown() -> None:
    prose = "He said * nothing *. Then 2 - 1 = 1.\n\n  - said she.\n" * 3
    assert not looks_like_markdown(prose)


FORMATS_DATA = Path(__file__).resolve().parents[2] / "data" / "formats"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("alice.docx", SourceFormat.DOCX),
        ("alice.md", SourceFormat.MARKDOWN),
        ("alice29.txt", SourceFormat.TEXT),
        ("alice.txt", SourceFormat.TEXT),
    ],
)
def test_each_format_is_read_by_its_reader_whatever_the_files_name(
    tmp_path: Path, name: str, expected: SourceFormat
) -> None:
    misnamed = tmp_path / "book.pdf"
    shutil.copyfile(FORMATS_DATA / name, misnamed)
    found = sniff_format(misnamed, LIMITS)
    assert found is expected
    # What the sandbox's child runs (the sandbox itself is under test with the EPUBs above).
    flow = read_flow_in_process(None, found.value, str(misnamed), LIMITS, False)
    book = flow_to_book(flow)
    assert book.chapters[0].title == "CHAPTER I. Down the Rabbit-Hole"
    assert len(book.chapters) == 12
