"""Markdown books: pandoc's Markdown of Gutenberg's Alice, and a page of notes."""

from __future__ import annotations

from pathlib import Path

import pytest

from pdf2audiobook.pipeline.document import RemovalReason
from pdf2audiobook.pipeline.errors import FileTooLargeError, InvalidDocumentError
from pdf2audiobook.pipeline.formats.markdown import read_markdown
from pdf2audiobook.pipeline.reading.limits import ReadLimits
from tests.pipeline.formats.book_text import (
    FORMATS_DATA,
    MIN_RECALL,
    chapter_lines,
    gutenberg_body,
    spoken_text,
    word_recall,
)

ALICE = FORMATS_DATA / "alice.md"
NOTES = FORMATS_DATA / "notes.md"
LIMITS = ReadLimits()


def _write(tmp_path: Path, text: str, name: str = "book.md") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_headings_are_the_books_chapters_with_its_titles() -> None:
    document = read_markdown(ALICE, LIMITS)

    titled = [section for section in document.sections if section.title]
    assert [s.title for s in titled] == chapter_lines(gutenberg_body(FORMATS_DATA / "alice.txt"))
    assert {section.level for section in titled} == {0}


def test_front_matter_gives_title_author_and_language_and_is_not_read() -> None:
    document = read_markdown(ALICE, LIMITS)

    assert (document.title, document.author, document.language) == (
        "Alice's Adventures in Wonderland",
        "Lewis Carroll",
        "en",
    )
    assert "lang:" not in spoken_text(document)
    assert document.sections[0].paragraphs[0] == "ALICE'S ADVENTURES IN WONDERLAND"


def test_body_text_is_all_there() -> None:
    expected = gutenberg_body(FORMATS_DATA / "alice.txt")

    recall = word_recall(expected, read_markdown(ALICE, LIMITS))

    assert recall >= MIN_RECALL, f"alice.md: word recall {recall:.4%} < {MIN_RECALL:.1%}"


def test_authors_listed_in_front_matter_are_all_named() -> None:
    document = read_markdown(NOTES, LIMITS)

    assert (document.title, document.author, document.language) == (
        "Notes on Wonderland",
        "Ada Reader, Ben Listener",
        "en-GB",
    )


def test_setext_headings_nest_below_the_shallowest_level() -> None:
    document = read_markdown(NOTES, LIMITS)

    assert [(s.title, s.level) for s in document.sections] == [
        ("The Garden", 0),
        ("A Long Fall", 1),
        ("The Pool", 0),
    ]


def test_footnotes_go_with_the_section_that_first_refers_to_them() -> None:
    garden, fall, pool = read_markdown(NOTES, LIMITS).sections

    assert garden.notes == (
        "The door is about fifteen inches high.",
        "The cake says EAT ME in currants.",
    )
    assert fall.notes == ("Neither word means anything to her.",)
    assert pool.notes == ()
    assert pool.paragraphs == ("Her tears make a pool.",)


def test_note_markers_are_taken_out_and_listed_by_section() -> None:
    document = read_markdown(NOTES, LIMITS)

    markers = [
        (r.page, r.text) for r in document.removed if r.reason is RemovalReason.FOOTNOTE_MARKER
    ]
    assert markers == [(1, "1"), (1, "2"), (2, "3"), (3, "1")]
    assert "[^" not in spoken_text(document)


def test_links_read_as_their_text_lists_as_sentences_and_quotes_kept() -> None:
    garden = read_markdown(NOTES, LIMITS).sections[0]

    assert garden.paragraphs == (
        "Alice finds a little door behind the curtain and a key on the glass table.",
        "Things she tries before the door opens:",
        "drinking from the bottle.",
        "eating the cake.",
        "Curiouser and curiouser!",
    )


def test_tables_are_left_out_and_listed_row_by_row() -> None:
    document = read_markdown(NOTES, LIMITS)

    rows = [(r.page, r.text) for r in document.removed if r.reason is RemovalReason.TABLE]
    assert rows == [(1, "Size Cause"), (1, "Small Bottle"), (1, "Large Cake")]
    assert "Bottle" not in spoken_text(document)


def test_code_html_and_images_are_left_out(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "# One\n\nBefore ![a white rabbit](rabbit.png) after.\n\n"
        "```python\nprint('hidden')\n```\n\n    indented_code()\n\n"
        '<div class="aside">raw html</div>\n\nLast words.\n',
    )

    document = read_markdown(path, LIMITS)

    assert document.sections[0].paragraphs == ("Before after.", "Last words.")
    unreadable = [r.text for r in document.removed if r.reason is RemovalReason.UNREADABLE]
    assert unreadable == ["print('hidden')", "indented_code()", '<div class="aside">raw html</div>']


def test_a_lone_top_heading_is_the_book_title(tmp_path: Path) -> None:
    path = _write(
        tmp_path, "# The Book\n\nOpening words.\n\n## First\n\nOne.\n\n## Second\n\nTwo.\n"
    )

    document = read_markdown(path, LIMITS)

    assert document.title == "The Book"
    assert [(s.title, s.level, s.paragraphs) for s in document.sections] == [
        (None, 0, ("Opening words.",)),
        ("First", 0, ("One.",)),
        ("Second", 0, ("Two.",)),
    ]


def test_title_falls_back_to_the_file_name(tmp_path: Path) -> None:
    path = _write(tmp_path, "# One\n\nText.\n\n# Two\n\nMore.\n", name="field-notes.md")

    document = read_markdown(path, LIMITS)

    assert document.title == "field-notes"
    assert [s.title for s in document.sections] == ["One", "Two"]


def test_nested_list_items_are_read_in_order(tmp_path: Path) -> None:
    path = _write(tmp_path, "- tea\n  - milk\n  - sugar\n- cake?\n")

    document = read_markdown(path, LIMITS)

    assert document.sections[0].paragraphs == ("tea.", "milk.", "sugar.", "cake?")


def test_gutenberg_licence_around_the_book_is_left_out_and_listed(tmp_path: Path) -> None:
    path = tmp_path / "alice-gutenberg.md"
    path.write_bytes((FORMATS_DATA / "alice.txt").read_bytes())

    document = read_markdown(path, LIMITS)

    assert "Gutenberg" not in spoken_text(document)
    front, back = document.removed[:2]
    assert (front.page, front.reason) == (1, RemovalReason.FRONT_MATTER)
    assert (back.page, back.reason) == (len(document.sections), RemovalReason.BACK_MATTER)
    assert front.text.startswith("Project Gutenberg's Alice's Adventures in Wonderland")
    assert (document.title, document.author, document.language) == (
        "Alice's Adventures in Wonderland",
        "Lewis Carroll",
        "en",
    )


def test_binary_data_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "book.md"
    path.write_bytes((FORMATS_DATA / "notes.docx").read_bytes())

    with pytest.raises(InvalidDocumentError, match=r"^book.md is not a Markdown file: it holds"):
        read_markdown(path, LIMITS)


def test_file_over_the_size_limit_is_refused_unread() -> None:
    with pytest.raises(FileTooLargeError, match=r"^alice.md is 0.1 MB; Markdown files of at most"):
        read_markdown(ALICE, ReadLimits(max_file_bytes=50_000))
