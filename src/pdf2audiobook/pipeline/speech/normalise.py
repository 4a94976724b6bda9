"""Printed text to what a narrator says: the project's own normaliser in front of every voice.

Both voices' front ends misread some tokens ("Chapter roman three", "four one half",
"ee-jee", a new sentence after "No."), so digits, symbols and abbreviations are turned
into words here, the same way for every engine.

The passes run from the most specific context to the least: an address or a date is
recognised whole before its digits could be read as loose numbers, money and units
before plain numbers, and loose numbers last. Everything is regular expressions over
the string, so a whole book takes well under a second.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

from pdf2audiobook.pipeline.speech.abbreviations import expand_abbreviations
from pdf2audiobook.pipeline.speech.dates_times import speak_dates, speak_decades, speak_times
from pdf2audiobook.pipeline.speech.money_measures import (
    speak_measures,
    speak_money,
    speak_percentages,
)
from pdf2audiobook.pipeline.speech.numerals import speak_fractions, speak_numbers, speak_signs
from pdf2audiobook.pipeline.speech.roman import speak_roman_numerals
from pdf2audiobook.pipeline.speech.symbols import (
    drop_note_markers,
    speak_symbols,
    tidy_punctuation,
)
from pdf2audiobook.pipeline.speech.technical import speak_addresses, speak_versions

_SPACES_AND_INVISIBLES: Final = str.maketrans(
    {
        "\u00a0": " ",  # no-break space
        "\u2007": " ",  # figure space
        "\u2009": " ",  # thin space
        "\u200a": " ",  # hair space
        "\u202f": " ",  # narrow no-break space ("10\u202f800", "5\u202fkm")
        "\u00ad": None,  # soft hyphen
        "\u200b": None,  # zero-width space
        "\u200c": None,
        "\u200d": None,
        "\ufeff": None,
        "\u2044": "/",  # fraction slash
    }
)
# Vulgar fraction characters ("½", "⅜") as digits: NFKC spells each one with a
# fraction slash between two numbers.
_VULGAR_FRACTIONS: Final = {
    character: unicodedata.normalize("NFKC", character).replace("\u2044", "/")
    for character in "\u00bc\u00bd\u00be" + "".join(map(chr, range(0x2150, 0x215F)))
}
_SPECIAL_CHARACTER: Final = re.compile(
    "[" + "".join(map(chr, _SPACES_AND_INVISIBLES)) + "".join(_VULGAR_FRACTIONS) + "]"
)
_VULGAR_FRACTION: Final = re.compile("[" + "".join(_VULGAR_FRACTIONS) + "]")
_ASCII_DIGIT: Final = re.compile(r"[0-9]")


def _vulgar_fraction_replacement(match: re.Match[str]) -> str:
    # "4½" -> "4 1/2", read later as "four and a half".
    return f" {_VULGAR_FRACTIONS[match.group()]}"


def _prepare_characters(text: str) -> str:
    if _SPECIAL_CHARACTER.search(text) is None:  # the usual case; translate() is slow
        return text
    text = text.translate(_SPACES_AND_INVISIBLES)
    return _VULGAR_FRACTION.sub(_vulgar_fraction_replacement, text)


def _speak_numbers_in_context(text: str) -> str:
    """The passes that read a number by what surrounds it, most specific first."""
    text = speak_versions(text)
    text = speak_dates(text)
    text = speak_decades(text)
    text = speak_times(text)
    text = speak_money(text)
    text = speak_signs(text)
    text = speak_percentages(text)
    text = speak_measures(text)
    return speak_fractions(text)


def normalise_for_speech(text: str) -> str:
    """The text as a narrator would say it: numbers, dates, times, money, units, Roman
    numerals, abbreviations, symbols and addresses in words; note markers dropped;
    dashes and repeated punctuation tidied into pauses.

    Never raises; text without anything to normalise comes back with tidied spacing.
    """
    text = _prepare_characters(text)
    text = drop_note_markers(text)
    text = speak_addresses(text)
    text = expand_abbreviations(text)
    has_digits = _ASCII_DIGIT.search(text) is not None
    if has_digits:
        text = _speak_numbers_in_context(text)
    text = speak_roman_numerals(text)
    text = speak_symbols(text)
    if has_digits:
        text = speak_numbers(text)
    return tidy_punctuation(text)
