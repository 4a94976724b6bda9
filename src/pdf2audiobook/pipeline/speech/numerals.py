"""Numbers that stand on their own: fractions, ranges, ordinals, years and the rest.

This runs after the passes that know a number's meaning from its neighbours (money,
units, dates, times), so what is left is read by its shape: four digits from 1100 to
2099 are a year ("in 1887" -> "eighteen eighty-seven") unless the word before says it
is a count or a label ("page 1887", "about 1500"); "12th" is an ordinal; "3/4" is a
fraction; "10-20" is a range ("ten to twenty").
"""

from __future__ import annotations

import re
from typing import Final

from pdf2audiobook.pipeline.speech.spoken_numbers import (
    digit_by_digit,
    is_fraction,
    is_year_like,
    number_pattern,
    number_words,
    ordinal,
    quantity_words,
    year,
)

# Patterns start with a plain digit and check what precedes it afterwards: see
# spoken_numbers.number_pattern.
_FRACTION: Final = re.compile(
    r"(?P<lead>[0-9](?<![0-9/.,][0-9])[0-9]*)(?:\s+(?P<numerator>[0-9]+))?/(?P<denominator>[0-9]+)"
    r"(?![0-9/]|[.,][0-9])"
)
_RANGE: Final = re.compile(
    number_pattern("low", not_after=r"\w.,-")
    + r"(?:\s?[\u2013\u2014]\s?|-)"
    + number_pattern("high")
    + r"(?![0-9]|[.,][0-9]|\s?[\u2013\u2014-]\s?[0-9])"
)
_ORDINAL: Final = re.compile(
    r"(?P<number>[0-9](?<![0-9.,][0-9])(?:[0-9]{0,2}(?:,[0-9]{3})+|[0-9]*))"
    r"(?:st|nd|rd|th|ST|ND|RD|TH)\b"
)
_NUMBER: Final = re.compile(number_pattern("number"))
# A minus sign, or a decimal point with no digit before it (".5").
_SIGN_OR_POINT: Final = re.compile(r"[-\u2212.](?:(?<=\.)[0-9]+|(?<=[-\u2212])(?=\.?[0-9]))")
_ARTICLE_FOLLOWS: Final = re.compile(r" an? ")
_OPENS_A_NUMBER: Final = frozenset("([{/=<>")
_WORD_BEFORE: Final = re.compile(r"([A-Za-z]+)\W{0,2}$")
# After these words a four-digit number is a count or a label, not a year.
_NOT_A_YEAR_AFTER_LIST: Final = (
    "page pages number numbers figure figures table tables item items line lines verse "
    "verses room flight route bus platform house chapter chapters section sections volume "
    "volumes issue model type code unit level step exercise example problem question "
    "equation rule article paragraph paragraphs footnote note notes about approximately "
    "around over under nearly almost some than only just exactly total minus plus times "
    "equals point"
)
_NOT_A_YEAR_AFTER: Final = frozenset(_NOT_A_YEAR_AFTER_LIST.split())
_SHORT_YEAR_DIGITS = 2


def _fits(words: str, text: str, start: int, end: int) -> str:
    """Pads spoken words with spaces where they touch letters or digits ("A4" -> "A four")."""
    before = " " if start > 0 and text[start - 1].isalnum() else ""
    after = " " if end < len(text) and text[end].isalnum() else ""
    return f"{before}{words}{after}"


def _year_allowed(text: str, start: int) -> bool:
    previous = _WORD_BEFORE.search(text, max(0, start - 24), start)
    return previous is None or previous.group(1).lower() not in _NOT_A_YEAR_AFTER


def _free_number(token: str, *, as_year: bool) -> str:
    return year(int(token)) if as_year and is_year_like(token) else number_words(token)


def _fraction_replacement(match: re.Match[str]) -> str:
    lead, denominator = match.group("lead"), match.group("denominator")
    whole, numerator = (lead, match.group("numerator")) if match.group("numerator") else ("", lead)
    if not is_fraction(numerator, denominator):
        return match.group()
    if (
        not whole
        and (numerator, denominator) == ("1", "2")
        and _ARTICLE_FOLLOWS.match(match.string, match.end())
    ):
        return _fits("half", match.string, match.start(), match.end())  # "½ an hour"
    token = f"{whole} {numerator}/{denominator}" if whole else f"{numerator}/{denominator}"
    return _fits(quantity_words(token), match.string, match.start(), match.end())


def _range_replacement(match: re.Match[str]) -> str:
    low, high = match.group("low"), match.group("high")
    as_year = _year_allowed(match.string, match.start())
    if as_year and is_year_like(low) and len(high) == _SHORT_YEAR_DIGITS:
        # "1914-18": the second year keeps the first one's century.
        expanded = low[:2] + high
        if int(expanded) > int(low):
            high = expanded
    words = f"{_free_number(low, as_year=as_year)} to {_free_number(high, as_year=as_year)}"
    return _fits(words, match.string, match.start(), match.end())


def _ordinal_replacement(match: re.Match[str]) -> str:
    value = int(match.group("number").replace(",", ""))
    return _fits(ordinal(value), match.string, match.start(), match.end())


def _number_replacement(match: re.Match[str]) -> str:
    token = match.group("number")
    words = _free_number(token, as_year=_year_allowed(match.string, match.start()))
    return _fits(words, match.string, match.start(), match.end())


def _sign_or_point_replacement(match: re.Match[str]) -> str:
    token, text, start = match.group(), match.string, match.start()
    before = text[start - 1] if start else " "
    if token.startswith("."):
        if before.isalpha():
            return f" {token[1:]}"  # "A.23", an appendix's item: "A twenty-three"
        if before.isdigit() or before in "._":
            return token  # a decimal point
        return _fits(f"point {digit_by_digit(token[1:])}", text, start, match.end())
    if token == "\u2212" or before.isspace() or before in _OPENS_A_NUMBER:
        return _fits("minus", text, start, match.end())
    return token  # a hyphen: "COVID-19", a range, an ISO date


def speak_signs(text: str) -> str:
    """ "-5" -> "minus 5", ".5" -> "point five": before the passes that read numbers."""
    return _SIGN_OR_POINT.sub(_sign_or_point_replacement, text)


def speak_fractions(text: str) -> str:
    """ "4 1/2" -> "four and a half", "3/4" -> "three quarters"; "24/7" is left alone."""
    if "/" not in text:
        return text
    return _FRACTION.sub(_fraction_replacement, text)


def speak_numbers(text: str) -> str:
    """Ranges, ordinals and all remaining numbers, in that order."""
    text = _RANGE.sub(_range_replacement, text)
    text = _ORDINAL.sub(_ordinal_replacement, text)
    return _NUMBER.sub(_number_replacement, text)
