"""Plain-text books: Gutenberg's Alice (two editions) and Paradise Lost, as packages ship them."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from pdf2audiobook.pipeline.document import RemovalReason
from pdf2audiobook.pipeline.errors import FileTooLargeError, InvalidDocumentError
from pdf2audiobook.pipeline.formats.plain_text import read_plain_text
from pdf2audiobook.pipeline.reading.limits import ReadLimits
from tests.pipeline.formats.book_text import (
    FORMATS_DATA,
    MIN_RECALL,
    chapter_lines,
    gutenberg_body,
    spoken_text,
    word_recall,
)

ALICE = FORMATS_DATA / "alice.txt"
ALICE_1991 = FORMATS_DATA / "alice29.txt"
PARADISE_LOST = FORMATS_DATA / "plrabn12.txt"
LIMITS = ReadLimits()


def test_gutenberg_book_has_its_chapters_with_their_printed_titles() -> None:
    document = read_plain_text(ALICE, LIMITS)

    titled = [section for section in document.sections if section.title]
    assert [s.title for s in titled] == chapter_lines(gutenberg_body(ALICE))
    assert len(titled) == 12
    assert {section.level for section in titled} == {0}


def test_gutenberg_header_gives_title_author_and_language() -> None:
    document = read_plain_text(ALICE, LIMITS)

    assert (document.title, document.author, document.language) == (
        "Alice's Adventures in Wonderland",
        "Lewis Carroll",
        "en",
    )
    assert (document.format, document.file_name) == ("text", "alice.txt")


def test_gutenberg_header_and_footer_are_left_out_and_listed() -> None:
    document = read_plain_text(ALICE, LIMITS)

    assert "Gutenberg" not in spoken_text(document)
    front = [r for r in document.removed if r.reason is RemovalReason.FRONT_MATTER]
    back = [r for r in document.removed if r.reason is RemovalReason.BACK_MATTER]
    assert len(front) == 1
    assert len(back) == 1
    assert front[0].page == 1
    assert "Posting Date: June 25, 2008 [EBook #11]" in front[0].text
    assert back[0].page == len(document.sections)
    assert back[0].text.startswith("End of Project Gutenberg's Alice's Adventures in Wonderland")


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (ALICE, gutenberg_body(ALICE)),
        (ALICE_1991, ALICE_1991.read_text(encoding="ascii")),
        (PARADISE_LOST, PARADISE_LOST.read_text(encoding="ascii")),
    ],
    ids=["alice", "alice29", "paradise-lost"],
)
def test_body_text_is_all_there(path: Path, expected: str) -> None:
    recall = word_recall(expected, read_plain_text(path, LIMITS))

    assert recall >= MIN_RECALL, f"{path.name}: word recall {recall:.4%} < {MIN_RECALL:.1%}"


def test_chapter_names_on_their_own_line_join_the_chapter_number() -> None:
    # The 1991 edition sets "CHAPTER I" and "Down the Rabbit-Hole" on separate lines; the
    # 2008 edition prints the same titles on one.
    document = read_plain_text(ALICE_1991, LIMITS)

    titles = [section.title for section in document.sections if section.title]
    assert titles == chapter_lines(gutenberg_body(ALICE))


def test_hand_wrapped_lines_join_into_paragraphs_keeping_line_end_hyphens() -> None:
    document = read_plain_text(ALICE_1991, LIMITS)

    first_chapter = document.sections[1]
    assert first_chapter.paragraphs[0].startswith(
        "Alice was beginning to get very tired of sitting by her sister on the bank, "
    )
    assert "TOOK A WATCH OUT OF ITS WAISTCOAT-POCKET, and looked" in first_chapter.paragraphs[2]
    assert all("\n" not in paragraph for paragraph in first_chapter.paragraphs)


def test_book_lines_make_sections_after_an_untitled_introduction() -> None:
    document = read_plain_text(PARADISE_LOST, LIMITS)

    introduction, *books = document.sections
    assert introduction.title is None
    assert introduction.paragraphs[0].startswith("This is the February 1992 Project Gutenberg")
    assert [book.title for book in books] == [f"Book {n}" for n in _ROMAN_1_TO_12]


def test_bare_roman_numerals_numbered_in_order_are_chapters(tmp_path: Path) -> None:
    text = gutenberg_body(ALICE).replace("CHAPTER ", "")
    path = tmp_path / "alice-numerals.txt"
    path.write_text(text, encoding="utf-8")

    document = read_plain_text(path, LIMITS)

    titles = [section.title for section in document.sections if section.title]
    assert titles == [
        line.removeprefix("CHAPTER ") for line in chapter_lines(gutenberg_body(ALICE))
    ]


def test_parts_hold_the_chapters_below_them(tmp_path: Path) -> None:
    body = gutenberg_body(ALICE)
    body = body.replace("CHAPTER I. ", "PART ONE\n\nCHAPTER I. ")
    body = body.replace("CHAPTER VII. ", "PART TWO\n\nCHAPTER VII. ")
    path = tmp_path / "in-parts.txt"
    path.write_text(body, encoding="utf-8")

    document = read_plain_text(path, LIMITS)

    outline = [(s.title, s.level) for s in document.sections if s.title]
    chapters = chapter_lines(body)
    assert outline == [
        ("PART ONE", 0),
        *[(title, 1) for title in chapters[:6]],
        ("PART TWO", 0),
        *[(title, 1) for title in chapters[6:]],
    ]


def test_text_without_headings_is_one_untitled_section(tmp_path: Path) -> None:
    lines = gutenberg_body(ALICE).splitlines()
    text = "\n".join(line for line in lines if "CHAPTER" not in line)
    text += "\n\nChapter 3 was the one she liked best.\n"
    path = tmp_path / "no-chapters.txt"
    path.write_text(text, encoding="utf-8")

    document = read_plain_text(path, LIMITS)

    assert len(document.sections) == 1
    assert document.sections[0].title is None
    paragraphs = [block for block in re.split(r"\n\s*\n", text) if re.search(r"\w", block)]
    assert len(document.sections[0].paragraphs) == len(paragraphs)
    assert (document.title, document.author) == (None, None)


def test_table_of_contents_is_listed_not_taken_for_chapters(tmp_path: Path) -> None:
    body = gutenberg_body(ALICE)
    contents = "\n".join(["CONTENTS", "", *chapter_lines(body)])
    path = tmp_path / "with-contents.txt"
    path.write_text(f"{contents}\n\n\n{body}", encoding="utf-8")

    document = read_plain_text(path, LIMITS)

    titles = [section.title for section in document.sections if section.title]
    assert titles == chapter_lines(body)
    listed = [r for r in document.removed if r.reason is RemovalReason.CONTENTS]
    assert len(listed) == 1
    assert listed[0].text.startswith("CONTENTS CHAPTER I. Down the Rabbit-Hole")


@pytest.mark.parametrize(
    "encoding", ["utf-16", "utf-8-sig", "utf-8"], ids=["utf16-bom", "utf8-bom", "utf8"]
)
def test_unicode_encodings_read_alike(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "alice.txt"
    path.write_bytes(ALICE.read_text(encoding="utf-8-sig").encode(encoding))

    document = read_plain_text(path, LIMITS)

    assert document.sections == read_plain_text(ALICE, LIMITS).sections


def test_eight_bit_text_is_read_as_windows_1252(tmp_path: Path) -> None:
    path = tmp_path / "cafe.txt"
    path.write_bytes(
        "The caf\u00e9\u2019s \u201cbest\u201d tea \u2014 na\u00efve.\n".encode("cp1252")
    )

    document = read_plain_text(path, LIMITS)

    assert document.sections[0].paragraphs == (
        "The caf\u00e9\u2019s \u201cbest\u201d tea \u2014 na\u00efve.",
    )


@pytest.mark.parametrize(
    "content",
    [
        (FORMATS_DATA / "alice.docx").read_bytes(),
        random.Random(15).randbytes(4096),
    ],
    ids=["zip-container", "random-bytes"],
)
def test_binary_data_is_refused_with_what_to_choose_instead(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "book.txt"
    path.write_bytes(content)

    with pytest.raises(InvalidDocumentError) as refused:
        read_plain_text(path, LIMITS)

    assert refused.value.message.startswith("book.txt is not a text file: it holds binary data")
    assert "saved as UTF-8" in refused.value.message


def test_empty_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")

    with pytest.raises(InvalidDocumentError, match=r"^empty.txt is empty"):
        read_plain_text(path, LIMITS)


def test_file_over_the_size_limit_is_refused_unread() -> None:
    with pytest.raises(
        FileTooLargeError, match=r"^plrabn12.txt is 0.5 MB; text files of at most 0.1 MB are read"
    ):
        read_plain_text(PARADISE_LOST, ReadLimits(max_file_bytes=100_000))


_ROMAN_1_TO_12 = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
