"""Numbers as words, all through num2words: cardinals, ordinals, years, decimals, fractions.

Every function here takes the digits as printed and never raises: a token num2words
cannot handle (too long, not ASCII digits) is read digit by digit or returned as is.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

from num2words import num2words

NUMBER_AFTER_FIRST_DIGIT: Final = r"(?:[0-9]{0,2}(?:,[0-9]{3})+|[0-9]*)(?:\.[0-9]+)?"
NUMBER: Final = "[0-9]" + NUMBER_AFTER_FIRST_DIGIT
"""A printed number: "7", "10,800", "2.5", "1,234.75". ASCII digits only, because `\\d`
also matches superscripts and other scripts' digits, which `int()` may reject."""


def number_pattern(name: str, not_after: str = "") -> str:
    """NUMBER as the named group `name`, not directly after a character of the class body
    `not_after`. The pattern starts with a plain digit class and checks what precedes
    it afterwards: a pattern that starts with a look-behind makes the regular
    expression engine try every position, one that starts with a character class lets
    it skip quickly to the next digit."""
    guard = f"(?<![{not_after}][0-9])" if not_after else ""
    return f"(?P<{name}>[0-9]{guard}{NUMBER_AFTER_FIRST_DIGIT})"


_ASCII_DIGITS: Final = re.compile(r"[0-9]+")
# Longer integers printed without grouping are codes (ISBN, phone, serial numbers),
# which people read digit by digit.
_LONGEST_UNGROUPED = 9
# num2words names powers of ten far beyond this, but nobody says "one quintillion".
_LONGEST_GROUPED = 18
_FIRST_YEAR, _LAST_YEAR = 1100, 2099
_YEAR_DIGITS = 4


@lru_cache(maxsize=8192)
def cardinal(value: int) -> str:
    """ "10800" -> "ten thousand eight hundred". num2words' grouping commas are dropped:
    the voice would pause at each one."""
    return str(num2words(value, lang="en")).replace(",", "")


@lru_cache(maxsize=2048)
def ordinal(value: int) -> str:
    """12 -> "twelfth", 21 -> "twenty-first"."""
    return str(num2words(value, lang="en", to="ordinal")).replace(",", "")


@lru_cache(maxsize=2048)
def year(value: int) -> str:
    """1887 -> "eighteen eighty-seven", 1905 -> "nineteen oh-five", 2001 -> "two
    thousand one" (a year is said without "and")."""
    words = str(num2words(value, lang="en", to="year")).replace(",", "")
    return words.replace(" and ", " ")


def is_year_like(digits: str) -> bool:
    """Four ungrouped digits in the range books mostly mean as a year."""
    return (
        len(digits) == _YEAR_DIGITS
        and _ASCII_DIGITS.fullmatch(digits) is not None
        and _FIRST_YEAR <= int(digits) <= _LAST_YEAR
    )


def digit_by_digit(text: str) -> str:
    """ "007" -> "zero zero seven"; everything but ASCII digits is ignored."""
    return " ".join(cardinal(int(digit)) for digit in text if "0" <= digit <= "9")


def integer_words(token: str) -> str:
    """A printed integer, grouped ("10,800") or not ("214", "007", "9780261102385")."""
    plain = token.replace(",", "")
    if not plain or _ASCII_DIGITS.fullmatch(plain) is None:
        return token
    grouped = "," in token
    if not grouped and len(plain) > 1 and plain.startswith("0"):
        return digit_by_digit(plain)
    if len(plain) > (_LONGEST_GROUPED if grouped else _LONGEST_UNGROUPED):
        return digit_by_digit(plain)
    return cardinal(int(plain))


def number_words(token: str) -> str:
    """A printed integer or decimal: "2.5" -> "two point five", ".5" -> "point five".
    Digits after the point are read one by one, as people do ("three point one four")."""
    whole, point, fraction = token.partition(".")
    if not point:
        return integer_words(whole)
    if not fraction or _ASCII_DIGITS.fullmatch(fraction) is None:
        return token
    head = f"{integer_words(whole)} " if whole else ""
    return f"{head}point {digit_by_digit(fraction)}"


def plural(words: str) -> str:
    """The plural of a number said in words: "ninety" -> "nineties", "six" -> "sixes",
    "nineteen hundred" -> "nineteen hundreds"."""
    if words.endswith("y"):
        return words[:-1] + "ies"
    if words.endswith("x"):
        return words + "es"
    return words + "s"


# Denominators people name as fractions; "9/11" or "24/7" are read as two numbers.
_FRACTION_DENOMINATORS: Final = frozenset({2, 3, 4, 5, 6, 8, 10, 12, 16, 32, 64, 100})


def is_fraction(numerator: str, denominator: str) -> bool:
    """A proper fraction with a denominator people say as a fraction."""
    try:
        top, bottom = int(numerator), int(denominator)
    except ValueError:
        return False
    return 0 < top < bottom and bottom in _FRACTION_DENOMINATORS


def fraction_words(numerator: int, denominator: int, *, after_whole: bool = False) -> str:
    """3/4 -> "three quarters", 1/2 -> "one half" ("a half" after a whole number:
    "four and a half"), 5/8 -> "five eighths"."""
    if denominator == 2:
        name = "half"
    elif denominator == 4:
        name = "quarter"
    else:
        name = ordinal(denominator)
    if numerator == 1:
        return f"a {name}" if after_whole else f"one {name}"
    return f"{cardinal(numerator)} {'halves' if name == 'half' else plural(name)}"


def quantity_words(token: str) -> str:
    """A number, fraction or mixed number as printed before a unit or on its own:
    "4 1/2" -> "four and a half", "3/4" -> "three quarters", "2.5" -> "two point five"."""
    whole, _, fraction = token.rpartition(" ") if "/" in token else ("", "", token)
    numerator, slash, denominator = fraction.partition("/")
    if not slash:
        return number_words(token)
    if not is_fraction(numerator, denominator):
        return (
            f"{number_words(whole)} {number_words(numerator)} {number_words(denominator)}".strip()
        )
    part = fraction_words(int(numerator), int(denominator), after_whole=bool(whole))
    return f"{number_words(whole)} and {part}" if whole else part


def is_one(token: str) -> bool:
    """Whether a quantity takes the singular: "1 km" but "1.5 km", "0 km", "1/2 km"."""
    return token == "1"
