"""build_paragraphs: gaps, indents, short lines, page and column changes, hyphens."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

import pypdfium2 as pdfium
import pytest

from pdf2audiobook.pipeline.cleaning.hyphenation import HyphenDecision, decide_hyphen
from pdf2audiobook.pipeline.cleaning.paragraphs import build_paragraphs
from pdf2audiobook.pipeline.document import Paragraph, PlacedLine, TextLine
from pdf2audiobook.pipeline.reading.pdfium_text import read_lines
from tests.conftest import corpus_file

# Synthetic pages: 10 pt type on a 12 pt pitch, one column from x=100 to x=500.
_SIZE = 10.0
_PITCH = 12.0
_LEFT = 100.0
_RIGHT = 500.0


def _line(
    text: str,
    row: float,
    *,
    page: int = 1,
    x0: float = _LEFT,
    x1: float = _RIGHT,
    size: float = _SIZE,
) -> PlacedLine:
    """A line whose glyph box sits on text row `row` (row 0 at y=100)."""
    top = 100.0 + row * _PITCH
    return PlacedLine(page, TextLine(text, x0, top, x1, top + 0.7 * size, size, size))


def _texts(paragraphs: Iterable[Paragraph]) -> list[str]:
    return [paragraph.text for paragraph in paragraphs]


def test_lines_of_one_paragraph_are_joined_with_spaces() -> None:
    lines = [
        _line("The first line of a paragraph", 0),
        _line("continues here and", 1),
        _line("ends here.", 2, x1=200),
    ]
    assert build_paragraphs(lines) == [
        Paragraph("The first line of a paragraph continues here and ends here.", 1)
    ]


def test_vertical_gap_starts_a_paragraph() -> None:
    lines = [
        _line("One block of text", 0),
        _line("without an end", 1),
        _line("Another block after a blank line", 2.6),
        _line("of text", 3.6),
    ]
    assert _texts(build_paragraphs(lines)) == [
        "One block of text without an end",
        "Another block after a blank line of text",
    ]


def test_normal_line_pitch_does_not_start_a_paragraph() -> None:
    lines = [_line(f"Line {n} of a long paragraph", n * 1.1) for n in range(6)]
    assert len(build_paragraphs(lines)) == 1


def test_first_line_indent_starts_a_paragraph() -> None:
    lines = [
        _line("A paragraph that fills the", 0),
        _line("whole measure to the end", 1),
        _line("Indented: a new paragraph", 2, x0=_LEFT + 15),
        _line("follows on the next line", 3),
    ]
    assert _texts(build_paragraphs(lines)) == [
        "A paragraph that fills the whole measure to the end",
        "Indented: a new paragraph follows on the next line",
    ]


def test_short_line_ending_a_sentence_ends_the_paragraph() -> None:
    lines = [
        _line("A paragraph set without indents", 0),
        _line("ends with a short line.", 1, x1=300),
        _line("The next one starts flush left", 2),
        _line("and runs on.", 3, x1=250),
    ]
    assert _texts(build_paragraphs(lines)) == [
        "A paragraph set without indents ends with a short line.",
        "The next one starts flush left and runs on.",
    ]


def test_short_line_without_a_sentence_end_does_not_end_the_paragraph() -> None:
    lines = [
        _line("The syntax of the command is thus", 0),
        _line("(informally stated)", 1, x1=200),
        _line("The rest of the sentence", 2),
    ]
    assert len(build_paragraphs(lines)) == 1


def test_full_line_ending_a_sentence_does_not_end_the_paragraph() -> None:
    lines = [
        _line("A sentence ends at the margin.", 0),
        _line("Another sentence continues the paragraph.", 1, x1=300),
    ]
    assert len(build_paragraphs(lines)) == 1


def test_change_of_type_size_starts_a_paragraph() -> None:
    lines = [
        _line("A Heading", 0, x1=200, size=14),
        _line("Body text right under the heading", 1.2),
        _line("goes on.", 2.2, x1=200),
    ]
    assert _texts(build_paragraphs(lines)) == [
        "A Heading",
        "Body text right under the heading goes on.",
    ]


def test_page_break_neither_starts_a_paragraph_nor_splits_a_hyphenated_word() -> None:
    lines = [
        _line("A sentence that runs to the foot of the", 0, page=1),
        _line("page and breaks the word docu-", 1, page=1),
        _line("ment across the page turn, then ends.", 0, page=2, x1=300),
    ]
    assert build_paragraphs(lines) == [
        Paragraph(
            "A sentence that runs to the foot of the page and breaks the word "
            "document across the page turn, then ends.",
            1,
        )
    ]


def test_indent_at_the_top_of_a_page_starts_a_paragraph() -> None:
    lines = [
        _line("The last paragraph of a page", 0, page=1),
        _line("ends on the last line", 1, page=1),
        _line("A new paragraph opens the page", 0, page=2, x0=_LEFT + 15),
        _line("and continues flush left", 1, page=2),
    ]
    paragraphs = build_paragraphs(lines)
    assert [p.page for p in paragraphs] == [1, 2]


def test_move_to_the_second_column_is_not_an_indent() -> None:
    lines = [
        _line("A sentence in the left column", 0, x0=54.0, x1=298.0),
        _line("that goes on to its foot and", 1, x0=54.0, x1=298.0),
        _line("continues at the top of the", -20, x0=317.0, x1=561.0),
        _line("right column until it ends.", -19, x0=317.0, x1=400.0),
        _line("Then a new paragraph starts", -18, x0=327.0, x1=561.0),
        _line("with an indent.", -17, x0=317.0, x1=380.0),
    ]
    assert _texts(build_paragraphs(lines)) == [
        "A sentence in the left column that goes on to its foot and continues at the "
        "top of the right column until it ends.",
        "Then a new paragraph starts with an indent.",
    ]


def test_lone_heading_at_the_top_of_a_column_stands_alone() -> None:
    lines = [
        _line("The left column ends", 0, x0=54.0, x1=298.0),
        _line("without a full stop", 1, x0=54.0, x1=298.0),
        _line("A Second Heading", -20, x0=351.0, x1=528.0),
        _line("Text under the heading", -18, x0=327.0, x1=561.0),
        _line("fills the column.", -17, x0=317.0, x1=400.0),
    ]
    assert _texts(build_paragraphs(lines)) == [
        "The left column ends without a full stop",
        "A Second Heading",
        "Text under the heading fills the column.",
    ]


def test_lower_case_continuation_of_a_hanging_indent_stays_in_its_item() -> None:
    lines = [
        _line("Axis: The direction of the line joining the thinnest parts", 0),
        _line("of a letter like O.", 1, x0=_LEFT + 25, x1=300),
        _line("Bowl: The curved part of a letter.", 2, x1=320),
    ]
    assert _texts(build_paragraphs(lines)) == [
        "Axis: The direction of the line joining the thinnest parts of a letter like O.",
        "Bowl: The curved part of a letter.",
    ]


def test_pieces_of_one_row_split_by_a_superscript_are_rejoined() -> None:
    lines = [
        _line("be used in page markup languages, like PostScript", 0, x1=315.0),
        _line(", in order to make calculations quicker", 0.3, x0=316.2),
        _line("and easier.", 1, x1=136.0),
    ]
    assert _texts(build_paragraphs(lines)) == [
        "be used in page markup languages, like PostScript, in order to make "
        "calculations quicker and easier."
    ]


def test_lines_are_cleaned_and_empty_ones_skipped() -> None:
    lines = [
        _line("The \ufb01rst Old\ufffestyle docu\ufffement", 0),
        _line(" \x02 \ue000 ", 0.5, x0=300),
        _line("(cid:12)ends here.", 1, x1=200),
    ]
    assert build_paragraphs(lines) == [Paragraph("The first Old-style document ends here.", 1)]
    assert build_paragraphs([_line("   ", 0)]) == []
    assert build_paragraphs([]) == []


# --- Corpus -----------------------------------------------------------------------------


def _body_lines(
    number: int, pages: range, *, min_size: float, top_from: float, top_below: float
) -> list[PlacedLine]:
    """Lines of `pages` without running heads, folios and notes (another stage's job).

    A crude geometric stand-in for that stage: a band at the top and bottom of the
    page, and type smaller than `min_size` (footnotes), are left out.
    """
    pdf = pdfium.PdfDocument(corpus_file(number))
    try:
        placed: list[PlacedLine] = []
        for number_on_page in pages:
            page = pdf[number_on_page - 1]
            for line in read_lines(page.get_textpage(), page.get_height()):
                if line.size >= min_size and top_from <= line.top < top_below:
                    placed.append(PlacedLine(number_on_page, line))
        return placed
    finally:
        pdf.close()


@pytest.fixture(scope="module")
def aps_lines() -> list[PlacedLine]:
    """Corpus 04, a two-column revtex paper: all 7 pages, folios and notes left out."""
    return _body_lines(4, range(1, 8), min_size=8.5, top_from=40, top_below=760)


@pytest.fixture(scope="module")
def aps_text(aps_lines: list[PlacedLine]) -> str:
    return "\n".join(_texts(build_paragraphs(aps_lines)))


def test_paper_hyphen_decisions_all_reach_the_text(
    aps_lines: list[PlacedLine], aps_text: str
) -> None:
    # The reading stage cuts a line after a soft hyphen that ends a visual row, so a
    # hyphenated word is split over two consecutive lines (or, rarely, stays inside one).
    joined = "\n".join(placed.line.text for placed in aps_lines)
    sites = [
        (match.group(1), match.group(2))
        for match in re.finditer("([^\\W\\d_]+)\ufffe\n?([^\\W\\d_]+)", joined)
    ]
    counts = Counter(decide_hyphen(*site) for site in sites)
    assert counts == {
        HyphenDecision.SYLLABLE_BREAK: 79,
        HyphenDecision.COMPOUND: 5,
        HyphenDecision.UNKNOWN: 2,
    }
    for left, right in sites:
        hyphen = "-" if decide_hyphen(left, right).keeps_hyphen else ""
        assert f"{left}{hyphen}{right}" in aps_text


def test_paper_has_no_word_hyphen_space_word_artefacts(aps_text: str) -> None:
    hanging = re.findall(r"([^\W\d_]+)- ([^\W\d_]+)", aps_text)
    # The one hit is the author's own suspended hyphen: "left-, center-, decimal- and".
    assert hanging == [("decimal", "and")]
    assert "\ufffe" not in aps_text
    assert "\x02" not in aps_text


@pytest.mark.parametrize(
    "sentence",
    [
        # Page 1, left column: two soft hyphens decided, one compound in the source.
        "Line breaks in section headings at all levels can be introduced using \\\\. "
        "A blank input line tells TEX that the paragraph has ended. Note that top-level "
        "section headings are automatically uppercased.",
        # Page 1, right column: two compounds kept, one syllable break closed.
        "a. Note (Fourth-level head is run in) The width-changing commands only take "
        "effect in two-column formatting.",
        "A citation in text uses the command \\cite{#1} or \\onlinecite{#1} and refers "
        "to an entry in the bibliography.",
        # Page 4: runs from the foot of the left column to the top of the right one.
        "Giving a \\label{#1} command directly after the \\begin{subequations}, allows "
        "you to reference all the equations in the subequations environment.",
    ],
)
def test_paper_sentences_come_out_whole(aps_text: str, sentence: str) -> None:
    assert sentence in aps_text


def test_paper_paragraphs_start_where_the_author_started_them(aps_lines: list[PlacedLine]) -> None:
    openings = [p.text[:40] for p in build_paragraphs(aps_lines) if p.page == 1]
    assert "When commands are referred to in this ex" in openings
    assert "Line breaks in section headings at all l" in openings
    assert "A. Second-level heading: Formatting" in openings
    assert "This file may be formatted in either the" in openings


def test_book_paragraph_runs_across_a_page_break() -> None:
    lines = _body_lines(1, range(23, 25), min_size=9.0, top_from=100, top_below=685)
    paragraphs = build_paragraphs(lines)
    crossing = [
        p for p in paragraphs if "though all the text was in Latin which requires" in p.text
    ]
    assert len(crossing) == 1
    assert crossing[0].page == 23
    assert crossing[0].text.startswith("In order be successful in the market Gutenberg")
    assert crossing[0].text.endswith(
        "twenty lowercase letters and twenty caps — plus some punctuation marks."
    )


def test_word_hyphenated_across_a_page_break_is_rejoined() -> None:
    lines = _body_lines(6, range(91, 93), min_size=9.0, top_from=70, top_below=760)
    text = "\n".join(_texts(build_paragraphs(lines)))
    assert "and Foo.PNG are different files. However, filesystems" not in text
    assert "FAT filesystems (commonly used on removable storage)" in text
