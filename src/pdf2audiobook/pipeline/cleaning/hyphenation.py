"""Line-end hyphens: close a syllable break ("docu-ment"), keep a compound ("Old-style").

pdfium marks every hyphen at a line break as soft, compounds included, and then joins
the two lines itself ("Old\\ufffestyle"), so the marks inside a line are decided here
too. The decision uses pyspellchecker's English word list: about 6-7% of line-end
hyphens in the research corpus are real compounds that plain joining would garble.
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum
from functools import cache
from typing import Final

from spellchecker import SpellChecker

from pdf2audiobook.pipeline.cleaning.characters import SOFT_HYPHEN_MARKS

HYPHENS: Final = "-\u2010\u2011"
"""Visible hyphens that may end a line: ASCII, U+2010 HYPHEN, U+2011 NON-BREAKING HYPHEN."""

_SOFT_MARK: Final = re.compile(f"[{SOFT_HYPHEN_MARKS}]+")
_LEADING_LETTERS: Final = re.compile(r"[^\W\d_]+")
# A line that starts with one of these continues the previous one without a space
# (a superscript split the line, or a closing mark wrapped).
_NO_SPACE_BEFORE: Final = frozenset(",.;:!?)]}\u2019\u201d\u00bb")
# After a dash or slash that closes a line, the next line continues the same token:
# "and/" + "or", "http://journals.aps.org/" + "revtex/", "word—" + "next".
_NO_SPACE_AFTER: Final = frozenset("/—")
_MIN_STEM = 3
# Prefixes that are words on their own but join without a hyphen when they lead a
# technical term ("inter-word" is "interword", "sub-formula" is "subformula").
_JOINING_PREFIXES: Final = frozenset(
    {"inter", "intra", "sub", "super", "centi", "milli", "micro", "multi", "semi", "pseudo"}
)
# Suffixes that are words on their own: after a word they make a derived word the list
# may lack ("maintainer-ship" is "maintainership"), never a compound of two words.
_SUFFIXES: Final = frozenset(
    {"ship", "ships", "ness", "less", "lessly", "lessness", "able", "ably", "hood", "hoods"}
    | {"dom", "doms", "wise", "ward", "wards", "ism", "isms", "ally"}
)
_SHORT_PART = 3
_COMMON_SHORT_WORD = 1000
"""Occurrences in the word list's frequency table that make a part of up to three
letters a word in a compound: a syllable of a name or a technical term is often a rare
listed word ("Row-ley", "tabs-kip", "Gar-ald"), while "ink", "two" or "low" are common."""
_TERM_PART = 5
"""A word of this many letters after a part the list does not know is the second half
of a technical compound ("mscorefonts-installer", "devel-announce"); a syllable break
of an unknown word almost never leaves one."""


class HyphenDecision(StrEnum):
    """What a hyphen between two word parts turned out to be."""

    SYLLABLE_BREAK = "syllable_break"
    """The joined form is a word: the hyphen goes."""
    COMPOUND = "compound"
    """Both parts are words and the joined form is not, a capital follows a small
    letter ("Springer-Verlag"), or a long word follows an unknown term
    ("mscorefonts-installer"): the hyphen stays."""
    SUFFIX = "suffix"
    """The right part is a suffix after a word ("maintainer-ship"): the hyphen goes, so
    the derived word is read as one word even when the list lacks it."""
    UNKNOWN = "unknown"
    """The word list cannot tell (names, rare or technical words): the parts are joined."""

    @property
    def keeps_hyphen(self) -> bool:
        return self is HyphenDecision.COMPOUND


@cache
def _word_counts() -> dict[str, int]:
    """pyspellchecker's English list with each word's frequency (lower case, shipped in
    the wheel), loaded once."""
    return dict(SpellChecker(language="en", distance=1).word_frequency.dictionary)


@cache
def _english_words() -> frozenset[str]:
    return frozenset(_word_counts())


def _stems(word: str) -> list[str]:
    """Candidate base forms of an inflected word: -'s, -s, -es, -ies, -ed, -ing, -ly."""
    candidates: list[str] = []
    if word.endswith("'s"):
        candidates.append(word[:-2])
    if word.endswith("ies"):
        candidates.append(word[:-3] + "y")
    if word.endswith("es"):
        candidates.append(word[:-2])
    if word.endswith("s"):
        candidates.append(word[:-1])
    if word.endswith("ied"):
        candidates.append(word[:-3] + "y")
    if word.endswith("ed"):
        candidates.extend((word[:-2], word[:-1]))
        if len(word) > 4 and word[-3] == word[-4]:
            candidates.append(word[:-3])  # "stopped" -> "stop"
    if word.endswith("ing"):
        candidates.extend((word[:-3], word[:-3] + "e"))
        if len(word) > 5 and word[-4] == word[-5]:
            candidates.append(word[:-4])  # "setting" -> "set"
    if word.endswith("ly"):
        candidates.append(word[:-2])
    return [stem for stem in candidates if len(stem) >= _MIN_STEM]


def is_word(word: str) -> bool:
    """Whether `word` (any case, possibly inflected) is in the English word list."""
    if not word.isascii():
        word = unicodedata.normalize("NFKC", word)
    word = word.lower().replace("\u2019", "'")  # the list spells "gentleman's"
    words = _english_words()
    return word in words or any(stem in words for stem in _stems(word))


def decide_hyphen(left_word: str, right_word: str) -> HyphenDecision:
    """Decide the hyphen between `left_word` and `right_word` (letters only, non-empty).

    Unknown cases are joined even when the left part is a word by itself: in the
    research corpus nearly all of them are syllable breaks of names and rare words
    ("millime-tre", "Pan-nartz", "Let-terspacing"), since the right part of a real
    compound is almost always a word, and a common one when it is short. A suffix
    after a word ("maintainer-ship") is joined too: the listener hears one word.
    `bench/hyphens.py` prints every decision over the corpus books.
    """
    if is_word(left_word + right_word):
        return HyphenDecision.SYLLABLE_BREAK
    # A syllable break never puts a capital after a small letter ("Springer-Verlag").
    if right_word[0].isupper() and left_word[-1].islower():
        return HyphenDecision.COMPOUND
    left_is_word = is_word(left_word)
    if left_is_word and right_word.lower() in _SUFFIXES:
        return HyphenDecision.SUFFIX
    if not _is_compound_part(right_word):
        return HyphenDecision.UNKNOWN
    if left_word.lower() in _JOINING_PREFIXES:
        return HyphenDecision.UNKNOWN
    if left_is_word or _is_term_compound(left_word, right_word):
        return HyphenDecision.COMPOUND
    return HyphenDecision.UNKNOWN


def _is_term_compound(left_word: str, right_word: str) -> bool:
    """A long word listed as itself (not only as an inflection, which a syllable such as
    "mited" can pass for) after a part the list does not know."""
    return (
        len(left_word) >= _SHORT_PART
        and len(right_word) >= _TERM_PART
        and right_word.lower() in _english_words()
    )


def _is_compound_part(word: str) -> bool:
    """Whether `word` can be the second half of a compound: a word, and a common one
    when it is short."""
    if not is_word(word):
        return False
    if len(word) > _SHORT_PART:
        return True
    return _word_counts().get(word.lower(), 0) >= _COMMON_SHORT_WORD


def _trailing_letters(text: str) -> str:
    start = len(text)
    while start > 0 and text[start - 1].isalpha():
        start -= 1
    return text[start:]


def _join_word_parts(body: str, right: str) -> str | None:
    """Join `body` and `right` across a hyphen when both sides are letters, else None."""
    left_word = _trailing_letters(body)
    match = _LEADING_LETTERS.match(right)
    if not left_word or match is None:
        return None
    keep = decide_hyphen(left_word, match.group()).keeps_hyphen
    return f"{body}-{right}" if keep else body + right


def join_hyphenated(left: str, right: str) -> str:
    """Join two consecutive lines of text into one, deciding a hyphen at the end of `left`.

    A line-end hyphen (or soft-hyphen mark) between letters is removed or kept by
    `decide_hyphen`. Next to digits or symbols a hyphen is kept and the lines are
    glued ("3-" + "540" -> "3-540"); a hyphen after a space is a dash and keeps its
    spaces. Otherwise the lines are joined with one space. The result always ends
    with `right` as given, less its leading whitespace.
    """
    left = left.rstrip()
    right = right.lstrip()
    if not left or not right:
        return left or right
    last = left[-1]
    if last in HYPHENS or last in SOFT_HYPHEN_MARKS:
        body = left[:-1]
        if not body or body[-1].isspace():
            return f"{left} {right}" if last in HYPHENS else f"{body.rstrip()} {right}"
        joined = _join_word_parts(body, right)
        if joined is not None:
            return joined
        return left + right if last in HYPHENS else body + right
    if right[0] in _NO_SPACE_BEFORE or (last in _NO_SPACE_AFTER and not left[-2:-1].isspace()):
        return left + right
    return f"{left} {right}"


def resolve_soft_hyphens(text: str) -> str:
    """Decide every soft-hyphen mark inside one line of raw extracted text.

    pdfium removes the line break after a hyphen it deems soft and leaves a mark
    (U+FFFE) where the hyphen was; each mark becomes nothing or "-" here. A mark at the
    very end of the text becomes a plain "-", so that `join_hyphenated` can decide it
    once the next line is known. Run this before `clean_text`, which drops the marks.
    """
    if not _SOFT_MARK.search(text):
        return text
    pieces = _SOFT_MARK.split(text)
    result = pieces[0]
    for piece in pieces[1:]:
        if not piece.strip():
            result = result.rstrip() + "-" + piece if result.strip() else result + piece
        elif not result or result[-1].isspace() or piece[0].isspace():
            result += piece
        else:
            joined = _join_word_parts(result, piece)
            result = joined if joined is not None else result + piece
    return result
