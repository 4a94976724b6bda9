"""Word documents: pandoc's .docx of Gutenberg's Alice and of a page of notes, packages
written part by part for what pandoc never writes, and broken or foreign files."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from pdf2audiobook.pipeline.document import RemovalReason
from pdf2audiobook.pipeline.errors import (
    FileTooLargeError,
    InvalidArchiveError,
    InvalidDocumentError,
)
from pdf2audiobook.pipeline.formats.docx import read_docx
from pdf2audiobook.pipeline.reading.limits import ReadLimits
from tests.pipeline.formats.book_text import (
    FORMATS_DATA,
    MIN_RECALL,
    chapter_lines,
    gutenberg_body,
    spoken_text,
    word_recall,
)
from tests.pipeline.formats.docx_package import paragraph, write_docx

ALICE = FORMATS_DATA / "alice.docx"
NOTES = FORMATS_DATA / "notes.docx"
LIMITS = ReadLimits()
HEADING_STYLES = (
    '<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/></w:style>'
    '<w:style w:type="paragraph" w:styleId="Heading2"><w:name w:val="heading 2"/></w:style>'
)


def test_headings_are_the_books_chapters_with_its_titles() -> None:
    document = read_docx(ALICE, LIMITS)

    titled = [section for section in document.sections if section.title]
    assert [s.title for s in titled] == chapter_lines(gutenberg_body(FORMATS_DATA / "alice.txt"))
    assert {section.level for section in titled} == {0}


def test_core_properties_give_title_author_and_language() -> None:
    document = read_docx(ALICE, LIMITS)

    assert (document.format, document.title, document.author, document.language) == (
        "docx",
        "Alice's Adventures in Wonderland",
        "Lewis Carroll",
        "en",
    )


def test_body_text_is_all_there() -> None:
    expected = gutenberg_body(FORMATS_DATA / "alice.txt")

    recall = word_recall(expected, read_docx(ALICE, LIMITS))

    assert recall >= MIN_RECALL, f"alice.docx: word recall {recall:.4%} < {MIN_RECALL:.1%}"


def test_heading_levels_and_notes_follow_their_sections() -> None:
    document = read_docx(NOTES, LIMITS)

    titled = [(s.title, s.level, s.notes) for s in document.sections if s.title]
    assert titled == [
        (
            "The Garden",
            0,
            ("The door is about fifteen inches high.", "The cake says EAT ME in currants."),
        ),
        ("A Long Fall", 1, ("Neither word means anything to her.",)),
        # pandoc writes a second footnote for a note referred to twice.
        ("The Pool", 0, ("The door is about fifteen inches high.",)),
    ]


def test_note_markers_are_taken_out_and_listed_by_section() -> None:
    document = read_docx(NOTES, LIMITS)

    markers = [
        (r.page, r.text) for r in document.removed if r.reason is RemovalReason.FOOTNOTE_MARKER
    ]
    garden = 1 + [s.title for s in document.sections].index("The Garden")
    assert markers == [(garden, "1"), (garden, "2"), (garden + 1, "3"), (garden + 2, "4")]


def test_links_are_read_as_their_text_and_list_items_as_sentences() -> None:
    garden = next(s for s in read_docx(NOTES, LIMITS).sections if s.title == "The Garden")

    assert garden.paragraphs == (
        "Alice finds a little door behind the curtain and a key on the glass table.",
        "Things she tries before the door opens:",
        "drinking from the bottle.",
        "eating the cake.",
        "Curiouser and curiouser!",
    )


def test_tables_are_left_out_and_listed_row_by_row() -> None:
    document = read_docx(NOTES, LIMITS)

    rows = [r.text for r in document.removed if r.reason is RemovalReason.TABLE]
    assert rows == ["Size Cause", "Small Bottle", "Large Cake"]
    assert "Bottle" not in spoken_text(document)


def test_accepted_text_is_read_without_deletions_field_codes_or_hidden_runs(
    tmp_path: Path,
) -> None:
    body = (
        "<w:p><w:r><w:t>She</w:t></w:r>"
        '<w:del w:id="1" w:author="Ed"><w:r><w:delText> never</w:delText></w:r></w:del>'
        '<w:ins w:id="2" w:author="Ed"><w:r><w:t xml:space="preserve"> always</w:t></w:r></w:ins>'
        '<w:r><w:t xml:space="preserve"> went</w:t><w:tab/><w:t>down</w:t><w:br/>'
        "<w:t>the hole on page</w:t></w:r>"
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        '<w:r><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        '<w:r><w:t xml:space="preserve"> 12</w:t></w:r>'
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
        "<w:r><w:rPr><w:vanish/></w:rPr><w:t>secret</w:t></w:r><w:r><w:t>.</w:t></w:r></w:p>"
    )
    path = write_docx(tmp_path / "edited.docx", body)

    document = read_docx(path, LIMITS)

    assert document.sections[0].paragraphs == ("She always went down the hole on page 12.",)


def test_headings_come_from_styles_based_on_headings_and_from_outline_levels(
    tmp_path: Path,
) -> None:
    styles = HEADING_STYLES + (
        '<w:style w:type="paragraph" w:styleId="ChapterTitle"><w:name w:val="Chapter Title"/>'
        '<w:basedOn w:val="Heading1"/></w:style>'
        '<w:style w:type="paragraph" w:styleId="Scene"><w:name w:val="Scene"/>'
        '<w:pPr><w:outlineLvl w:val="1"/></w:pPr></w:style>'
    )
    body = (
        paragraph("The Pool of Tears", "ChapterTitle")
        + paragraph("Alice swims.")
        + paragraph("In the water", "Scene")
        + paragraph("A mouse swims too.")
        + '<w:p><w:pPr><w:outlineLvl w:val="0"/></w:pPr><w:r><w:t>A Caucus-Race</w:t></w:r></w:p>'
        + paragraph("Everyone runs.")
        + '<w:p><w:pPr><w:pStyle w:val="Heading1"/><w:outlineLvl w:val="9"/></w:pPr>'
        "<w:r><w:t>Body text after all.</w:t></w:r></w:p>"
    )
    path = write_docx(tmp_path / "styled.docx", body, styles=styles)

    document = read_docx(path, LIMITS)

    assert [(s.title, s.level, s.paragraphs) for s in document.sections] == [
        ("The Pool of Tears", 0, ("Alice swims.",)),
        ("In the water", 1, ("A mouse swims too.",)),
        ("A Caucus-Race", 0, ("Everyone runs.", "Body text after all.")),
    ]


def test_title_style_names_the_book_when_its_properties_do_not(tmp_path: Path) -> None:
    styles = HEADING_STYLES + (
        '<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/></w:style>'
        '<w:docDefaults><w:rPrDefault><w:rPr><w:lang w:val="en-GB"/></w:rPr></w:rPrDefault>'
        "</w:docDefaults>"
    )
    body = (
        paragraph("Wonderland Notes", "Title") + paragraph("One", "Heading1") + paragraph("Text.")
    )
    path = write_docx(tmp_path / "titled.docx", body, styles=styles)

    document = read_docx(path, LIMITS)

    assert (document.title, document.author, document.language) == (
        "Wonderland Notes",
        None,
        "en-GB",
    )
    assert [(s.title, s.paragraphs) for s in document.sections] == [("One", ("Text.",))]


def test_endnotes_join_footnotes_and_separators_are_not_read(tmp_path: Path) -> None:
    separators = (
        '<w:{kind} w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:{kind}>'
        '<w:{kind} w:type="continuationSeparator" w:id="0"><w:p><w:r>'
        "<w:continuationSeparator/></w:r></w:p></w:{kind}>"
    )
    footnotes = separators.format(kind="footnote") + (
        '<w:footnote w:id="1"><w:p><w:r><w:footnoteRef/></w:r><w:r><w:t>A footnote.</w:t></w:r>'
        "</w:p></w:footnote>"
    )
    endnotes = separators.format(kind="endnote") + (
        '<w:endnote w:id="1"><w:p><w:r><w:endnoteRef/></w:r><w:r><w:t>An endnote.</w:t></w:r>'
        "</w:p></w:endnote>"
    )
    body = (
        '<w:p><w:r><w:t>First</w:t></w:r><w:r><w:endnoteReference w:id="1"/></w:r>'
        '<w:r><w:t xml:space="preserve"> then second</w:t></w:r>'
        '<w:r><w:footnoteReference w:id="1"/></w:r><w:r><w:t>.</w:t></w:r></w:p>'
    )
    path = write_docx(tmp_path / "notes.docx", body, footnotes=footnotes, endnotes=endnotes)

    document = read_docx(path, LIMITS)

    (section,) = document.sections
    assert section.paragraphs == ("First then second.",)
    assert section.notes == ("An endnote.", "A footnote.")


def test_table_of_contents_control_is_left_out_and_listed(tmp_path: Path) -> None:
    contents = (
        '<w:sdt><w:sdtPr><w:docPartObj><w:docPartGallery w:val="Table of Contents"/>'
        "</w:docPartObj></w:sdtPr><w:sdtContent>"
        + paragraph("One ... 1")
        + paragraph("Two ... 5")
        + "</w:sdtContent></w:sdt>"
    )
    body = contents + paragraph("One", "Heading1") + paragraph("Text.")
    path = write_docx(tmp_path / "contents.docx", body, styles=HEADING_STYLES)

    document = read_docx(path, LIMITS)

    assert [(s.title, s.paragraphs) for s in document.sections] == [("One", ("Text.",))]
    listed = [r.text for r in document.removed if r.reason is RemovalReason.CONTENTS]
    assert listed == ["One ... 1", "Two ... 5"]


def test_file_that_is_not_a_zip_is_refused_with_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "book.docx"
    path.write_bytes((FORMATS_DATA / "alice.txt").read_bytes())

    with pytest.raises(InvalidDocumentError) as refused:
        read_docx(path, LIMITS)

    assert refused.value.message == (
        "book.docx is not a Word document: a .docx file is a zip container and this is not "
        "one. Open it in Word or LibreOffice, save it again as .docx, and try again."
    )


def test_truncated_document_is_refused_as_damaged(tmp_path: Path) -> None:
    data = ALICE.read_bytes()
    path = tmp_path / "cut.docx"
    path.write_bytes(data[: len(data) // 2])

    with pytest.raises(InvalidArchiveError) as refused:
        read_docx(path, LIMITS)

    assert refused.value.message.startswith("cut.docx is damaged or truncated")
    assert refused.value.message.endswith("save it again as .docx, and try again.")


def test_zip_without_a_document_part_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("notes.txt", "no document here")

    with pytest.raises(
        InvalidDocumentError,
        match=r"^empty.docx is not a Word document: it has no word/document.xml\.",
    ):
        read_docx(path, LIMITS)


def test_malformed_document_xml_is_refused(tmp_path: Path) -> None:
    path = write_docx(tmp_path / "broken.docx", "<w:p><w:r><w:t>unclosed</w:r></w:p>")

    with pytest.raises(
        InvalidDocumentError, match=r"^broken.docx \(word/document.xml\) is not well-formed XML"
    ):
        read_docx(path, LIMITS)


def test_older_word_format_is_refused_with_how_to_convert(tmp_path: Path) -> None:
    path = tmp_path / "old.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))

    with pytest.raises(InvalidDocumentError, match=r"^old.doc is an older Word document \(.doc\)"):
        read_docx(path, LIMITS)


def test_file_over_the_size_limit_is_refused_unread() -> None:
    with pytest.raises(FileTooLargeError, match=r"^alice.docx is 0.1 MB; Word files of at most"):
        read_docx(ALICE, ReadLimits(max_file_bytes=10_000))
