"""clean_text: mojibake, ligatures, soft-hyphen marks, private use, controls, whitespace."""

from __future__ import annotations

import re

import ftfy
import pypdfium2 as pdfium
import pytest

from pdf2audiobook.pipeline.cleaning.characters import clean_text
from pdf2audiobook.pipeline.cleaning.hyphenation import join_hyphenated, resolve_soft_hyphens
from pdf2audiobook.pipeline.reading.pdfium_text import read_lines
from tests.conftest import corpus_file

_LEFTOVERS = re.compile("[\ufb00-\ufb06\x02\ufffe\ue000-\uf8ff\U000f0000-\U0010ffff]|\\(cid:")


def _all_line_texts(number: int) -> list[str]:
    pdf = pdfium.PdfDocument(corpus_file(number))
    try:
        texts: list[str] = []
        for page in pdf:
            texts.extend(line.text for line in read_lines(page.get_textpage(), page.get_height()))
        return texts
    finally:
        pdf.close()


@pytest.fixture(scope="module")
def book_lines() -> dict[int, list[str]]:
    """Raw line texts of corpus 01 (memdesign) and 02 (TeX by Topic)."""
    return {number: _all_line_texts(number) for number in (1, 2)}


def test_raw_books_contain_what_cleaning_must_remove(book_lines: dict[int, list[str]]) -> None:
    raw = "".join(book_lines[1] + book_lines[2])
    assert raw.count("\ufffe") > 500  # pdfium's soft-hyphen marks
    assert re.search("[\ue000-\uf8ff]", raw)  # math pieces in private use
    assert re.search("[\x01-\x1f]", raw)  # glyphs mapped to control codes


@pytest.mark.parametrize("number", [1, 2])
def test_cleaned_book_lines_have_no_ligatures_marks_private_use_or_cid(
    book_lines: dict[int, list[str]], number: int
) -> None:
    for text in book_lines[number]:
        for cleaned in (clean_text(text), clean_text(resolve_soft_hyphens(text))):
            assert _LEFTOVERS.search(cleaned) is None, cleaned
            assert not re.search("[\x00-\x1f\x7f-\x9f]", cleaned), cleaned


def test_cleaned_book_lines_keep_their_words(book_lines: dict[int, list[str]]) -> None:
    cleaned = ""
    for text in book_lines[1]:
        line = clean_text(resolve_soft_hyphens(text))
        cleaned = join_hyphenated(cleaned, line) if cleaned else line
    assert "Old-style" in cleaned
    assert "Peter R. Wilson" in cleaned


def test_ligatures_are_expanded() -> None:
    assert (
        clean_text("\ufb00 \ufb01nd \ufb02ow \ufb03 \ufb04 \ufb05 \ufb06")
        == "ff find flow ffi ffl st st"
    )


@pytest.mark.parametrize(
    ("broken", "repaired"),
    [
        ("cafÃ©", "café"),
        ("â€œquotedâ€\x9d text", "“quoted” text"),
        ("naÃ¯ve rÃ©sumÃ©", "naïve résumé"),
    ],
)
def test_mojibake_is_repaired(broken: str, repaired: str) -> None:
    assert clean_text(broken) == repaired


@pytest.mark.parametrize(
    "text",
    [
        "naïve café \u2013 déjà vu",
        "It\u2019s the “right” quote, isn\u2019t it?",
        "São Paulo, Größe, Ñandú",
        "Tom &amp; Jerry <b>",
        "x ≤ y — \u03b1 + \u03b2",
    ],
)
def test_good_text_is_left_as_it_is(text: str) -> None:
    assert clean_text(text) == text


def test_ftfy_is_not_called_on_text_without_mojibake_pairs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(text: str, config: object) -> str:
        raise AssertionError(f"ftfy called on {text!r} with {config!r}")

    monkeypatch.setattr(ftfy, "fix_text", refuse)
    assert clean_text("naïve café, déjà vu") == "naïve café, déjà vu"


def test_marks_private_use_cid_and_replacement_characters_are_dropped() -> None:
    assert clean_text("docu\x02ment soft\xadhyphen a\ufffeb") == "document softhyphen ab"
    assert clean_text("logo\ue001 here\U000f0001 (cid:72)(cid:101)done\ufffd") == "logo here done"


def test_control_characters_become_spaces() -> None:
    assert clean_text("stretch\x133 and\x1fmore\x85") == "stretch 3 and more"


def test_tex_circled_letters_become_copyright_and_registered_signs() -> None:
    assert clean_text("the symbol \rc , the year") == "the symbol © , the year"
    assert clean_text("like PostScript\rR language") == "like PostScript® language"


def test_nfkc_details_read_well() -> None:
    assert clean_text("½ cup") == "1/2 cup"
    assert clean_text("10\u00a0pt\u2009wide") == "10 pt wide"


def test_whitespace_is_collapsed_and_trimmed() -> None:
    assert clean_text("  a \t b\n\nc  ") == "a b c"
    assert clean_text(" \x02 \ue000 ") == ""
