"""Roman numerals, read only where the context says they are numbers.

After a word that numbers a division of a work ("Chapter III" -> "Chapter three", "Act V,
scene ii") and after a monarch's or pope's name ("Henry VIII" -> "Henry the eighth").
Anywhere else a run of capitals is a word or an acronym ("MIX", "CIVIC", "I"). A lone
"I" after a division word is still the pronoun when a lower-case word other than "of"
or "and" follows ("In this chapter I show ...").
"""

from __future__ import annotations

import re
from typing import Final

from pdf2audiobook.pipeline.speech.spoken_numbers import cardinal, ordinal

_VALID_NUMERAL: Final = re.compile(
    r"M{0,4}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})", re.IGNORECASE
)
_VALUES: Final = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}

_DIVISION_WORD_LIST: Final = (
    "chapter chapters part parts book books volume volumes vol vols section sections act "
    "acts scene scenes appendix appendices canto cantos article articles stanza stanzas "
    "psalm psalms phase phases episode episodes lecture lectures lesson lessons unit units "
    "movement movements tome tomes war page pages"
)
_DIVISION_WORDS: Final = frozenset(_DIVISION_WORD_LIST.split())
_REGNAL_NAME_LIST: Final = (
    "Henry Edward George William Richard James Charles John Louis Elizabeth Mary Anne "
    "Victoria Philip Frederick Friedrich Wilhelm Otto Ludwig Leopold Francis Ferdinand "
    "Peter Paul Pius Leo Gregory Benedict Innocent Clement Urban Boniface Alexander "
    "Nicholas Ivan Catherine Constantine Gustav Gustavus Christian Carlos Alfonso Pedro "
    "Juan Umberto Napoleon Ramesses Ptolemy Amenhotep Thutmose Darius Xerxes Antiochus "
    "Sixtus Stephen Harold Malcolm David Robert Henri Rudolf Maximilian Joseph Sigismund "
    "Olaf Haakon Harald Magnus Edmund Ethelred Selim Suleiman Mehmed Murad Rama"
)
_REGNAL_NAMES: Final = frozenset(_REGNAL_NAME_LIST.split())
_REGNAL_TITLE_LIST: Final = (
    "King Queen Pope Emperor Empress Tsar Czar Kaiser Pharaoh Sultan Prince Princess Duke"
)
_REGNAL_TITLES: Final = frozenset(_REGNAL_TITLE_LIST.split())
# Every candidate numeral is found first (a fast scan), then the words before it decide.
# Upper-case numerals anywhere; lower-case ones ("scene ii", "page xiv") only from i, v
# and x, so that words like "mix", "did" or "dim" are never taken.
_NUMERAL: Final = re.compile(r"[IVXLCDMivx]+\b")
_LOWER_CASE_NUMERAL: Final = re.compile("[ivx]+")
_WORDS_BEFORE: Final = re.compile(
    r"(?:(?P<title>[A-Z][a-z]+)\s+)?(?P<word>[A-Za-z]+)(?P<stop>\.)?\s+$"
)
_LOOK_BACK = 40
# After "I" these lower-case words still leave it a numeral ("Part I of", "Charles I was").
_NUMERAL_I_BEFORE: Final = frozenset({"of", "and", "to", "in", "was", "had", "who", "died"})
_DIVISION_I_BEFORE: Final = frozenset({"of", "and"})
_NEXT_WORD: Final = re.compile(r"\s+([a-z]+)")


def numeral_value(numeral: str) -> int | None:
    """The value of a well-formed Roman numeral ("XIV" -> 14), else None ("IIII", "MIXX")."""
    if not numeral or _VALID_NUMERAL.fullmatch(numeral) is None:
        return None
    values = [_VALUES[letter] for letter in numeral.upper()]
    total = 0
    for index, value in enumerate(values):
        follows_larger = index + 1 < len(values) and values[index + 1] > value
        total += -value if follows_larger else value
    return total


def _is_pronoun(numeral: str, text: str, end: int, allowed_after: frozenset[str]) -> bool:
    if numeral != "I":
        return False
    following = _NEXT_WORD.match(text, end)
    return following is not None and following.group(1) not in allowed_after


def _is_regnal(words: re.Match[str]) -> bool:
    name, title = words.group("word"), words.group("title")
    if words.group("stop"):
        return False
    return name in _REGNAL_NAMES or (name[0].isupper() and title in _REGNAL_TITLES)


def _numeral_replacement(match: re.Match[str]) -> str:
    numeral, text, start, end = match.group(), match.string, match.start(), match.end()
    if not (numeral.isupper() or _LOWER_CASE_NUMERAL.fullmatch(numeral)):
        return numeral  # mixed case: part of a word
    if start == 0 or text[start - 1].isalnum() or text[end : end + 2] in ("'m", "'d", "'l"):
        return numeral
    words = _WORDS_BEFORE.search(text, max(0, start - _LOOK_BACK), start)
    if words is None:
        return numeral
    value = numeral_value(numeral)
    if value is None:
        return numeral
    if words.group("word").lower() in _DIVISION_WORDS:
        return numeral if _is_pronoun(numeral, text, end, _DIVISION_I_BEFORE) else cardinal(value)
    if numeral.isupper() and _is_regnal(words):
        return (
            numeral
            if _is_pronoun(numeral, text, end, _NUMERAL_I_BEFORE)
            else f"the {ordinal(value)}"
        )
    return numeral


def speak_roman_numerals(text: str) -> str:
    """Roman numerals after division words ("Chapter III") and regnal names ("Henry
    VIII"), in words."""
    return _NUMERAL.sub(_numeral_replacement, text)
