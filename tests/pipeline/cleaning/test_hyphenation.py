"""Line-end hyphens: syllable breaks joined, compounds kept, pdfium's marks decided."""

from __future__ import annotations

import re
from collections import Counter

import pypdfium2 as pdfium
import pytest

from pdf2audiobook.pipeline.cleaning.hyphenation import (
    HyphenDecision,
    decide_hyphen,
    is_word,
    join_hyphenated,
    resolve_soft_hyphens,
)
from tests.conftest import corpus_file

# A word part, pdfium's soft-hyphen mark, the next word part.
_MARKED_BREAK = re.compile("([^\\W\\d_]+)\ufffe([^\\W\\d_]+)")


@pytest.mark.parametrize(
    ("left", "right", "joined"),
    [
        ("docu-", "ment", "document"),
        ("the com-", "mands are", "the commands are"),
        ("typeset-", "ting", "typesetting"),
        ("re-", "flowing", "reflowing"),
        ("Old-", "style", "Old-style"),
        ("the data-", "ink ratio", "the data-ink ratio"),
        ("a well-", "known fact", "a well-known fact"),
        ("non-data-", "ink", "non-data-ink"),
        ("Springer-", "Verlag", "Springer-Verlag"),
        ("Sweynheym and Pan-", "nartz", "Sweynheym and Pannartz"),
        ("millime-", "tre", "millimetre"),
    ],
)
def test_line_end_hyphen_is_decided_with_the_word_list(left: str, right: str, joined: str) -> None:
    assert join_hyphenated(left, right) == joined


@pytest.mark.parametrize(
    ("left", "right", "joined"),
    [
        ("ISBN 3-", "540-65193-4", "ISBN 3-540-65193-4"),
        ("pre-", "1990 prices", "pre-1990 prices"),
        ("a margin as width -", "inch", "a margin as width - inch"),
        ("end of the", "line", "end of the line"),
        ("like PostScript", ", in order", "like PostScript, in order"),
        ("and/", "or", "and/or"),
        ("http://journals.aps.org/", "revtex/.", "http://journals.aps.org/revtex/."),
        ("", "alone", "alone"),
    ],
)
def test_lines_without_a_word_hyphen_are_joined_sensibly(
    left: str, right: str, joined: str
) -> None:
    assert join_hyphenated(left, right) == joined


@pytest.mark.parametrize("mark", ["\x02", "\xad", "\ufffe"])
def test_every_soft_hyphen_mark_is_decided_like_a_hyphen(mark: str) -> None:
    assert resolve_soft_hyphens(f"a docu{mark}ment in Old{mark}style") == (
        "a document in Old-style"
    )
    assert join_hyphenated(f"docu{mark}", "ment") == "document"


def test_mark_at_the_end_of_a_line_waits_for_the_next_line() -> None:
    left = resolve_soft_hyphens("the docu\ufffe")
    assert left == "the docu-"
    assert join_hyphenated(left, "ment") == "the document"


def test_text_without_marks_is_returned_unchanged() -> None:
    text = "plain text, with a real-hyphen"
    assert resolve_soft_hyphens(text) is text


def test_inflected_forms_count_as_words() -> None:
    assert is_word("reflowing")
    assert is_word("Subscripted")
    assert is_word("gentleman\u2019s")
    assert not is_word("oldstyle")


@pytest.mark.parametrize(
    ("left", "right", "joined"),
    [
        # A suffix after a word derives one word, even one the list lacks.
        ("maintainer-", "ship", "maintainership"),
        ("the hyphen-", "less form", "the hyphenless form"),
        ("user-", "ship", "usership"),
        # Real compounds keep their hyphen.
        ("a well-", "known fact", "a well-known fact"),
        ("self-", "contained", "self-contained"),
        ("dm-", "crypt", "dm-crypt"),
        # Syllables of names and terms that happen to be rare listed words (corpus 01,
        # 02 and 08): "Renaissance, Garald) style", "the tabskip", "Chris Rowley".
        ("Renaissance, Gar-", "ald) style", "Renaissance, Garald) style"),
        ("the tabs-", "kip before", "the tabskip before"),
        ("Chris Row-", "ley.", "Chris Rowley."),
        # A long word after a term the list does not know is the end of a compound
        # (corpus 05's package names), unless the word is only an inflection's shape.
        ("ttf-mscorefonts-", "installer", "ttf-mscorefonts-installer"),
        ("debian-devel-", "announce", "debian-devel-announce"),
        ("undeli-", "mited", "undelimited"),
        ("intra-", "paragraph", "intraparagraph"),
        # Numbers and ranges are left as printed.
        ("pages 12-", "15", "pages 12-15"),
        ("ISBN 0-", "201-13447-0", "ISBN 0-201-13447-0"),
    ],
)
def test_suffixes_join_and_compounds_stay_whole(left: str, right: str, joined: str) -> None:
    assert join_hyphenated(left, right) == joined


def test_decisions_name_their_reason() -> None:
    assert decide_hyphen("docu", "ment") is HyphenDecision.SYLLABLE_BREAK
    assert decide_hyphen("data", "ink") is HyphenDecision.COMPOUND
    assert decide_hyphen("inter", "word") is HyphenDecision.UNKNOWN
    assert decide_hyphen("Tschi", "chold") is HyphenDecision.UNKNOWN
    assert decide_hyphen("maintainer", "ship") is HyphenDecision.SUFFIX
    assert not HyphenDecision.SUFFIX.keeps_hyphen
    assert HyphenDecision.COMPOUND.keeps_hyphen
    assert not HyphenDecision.UNKNOWN.keeps_hyphen


def _marked_breaks(number: int) -> list[tuple[str, str]]:
    pdf = pdfium.PdfDocument(corpus_file(number))
    try:
        breaks: list[tuple[str, str]] = []
        for page in pdf:
            text = page.get_textpage().get_text_range()
            breaks.extend((m.group(1), m.group(2)) for m in _MARKED_BREAK.finditer(text))
        return breaks
    finally:
        pdf.close()


@pytest.fixture(scope="module")
def marked_breaks() -> dict[int, list[tuple[str, str]]]:
    """Every hyphen pdfium joined across a line break in corpus 01 and 04."""
    return {number: _marked_breaks(number) for number in (1, 4)}


def test_memdesign_hyphens_are_mostly_syllable_breaks_with_its_compounds_kept(
    marked_breaks: dict[int, list[tuple[str, str]]],
) -> None:
    decisions = {pair: decide_hyphen(*pair) for pair in marked_breaks[1]}
    counts = Counter(decide_hyphen(*pair) for pair in marked_breaks[1])
    assert counts.total() == 260
    assert counts[HyphenDecision.SYLLABLE_BREAK] >= 190
    assert decisions[("Old", "style")] is HyphenDecision.COMPOUND
    assert decisions[("data", "ink")] is HyphenDecision.COMPOUND
    assert decisions[("Springer", "Verlag")] is HyphenDecision.COMPOUND
    assert decisions[("vocabu", "lary")] is HyphenDecision.SYLLABLE_BREAK
    assert decisions[("Tschi", "chold")] is HyphenDecision.UNKNOWN


def test_paper_compounds_are_exactly_the_real_ones(
    marked_breaks: dict[int, list[tuple[str, str]]],
) -> None:
    kept = {pair for pair in marked_breaks[4] if decide_hyphen(*pair).keeps_hyphen}
    assert kept == {
        ("width", "changing"),
        ("two", "column"),
        ("Non", "numeric"),
        ("self", "modulation"),
        ("Chips", "R"),
    }
    assert len(marked_breaks[4]) == 86
