"""Symbols, note markers and punctuation, made into what a voice should say or pause on.

Markers a reader skips ("[12]", "*", "†", a superscript note number) are dropped;
symbols with a spoken name are said ("&" -> "and", "§" -> "section", "#5" -> "number
5"); dashes become commas, the pause a narrator makes; repeated punctuation is tidied so
the engine does not read or over-pause on it.

Every pattern here starts with the symbol itself, and the context is checked after it
is found: the regular expression engine then skips ordinary text quickly.
"""

from __future__ import annotations

import re
from typing import Final

_REFERENCE_MARK: Final = re.compile(r"\[[0-9]+(?:\s?[,\u2013-]\s?[0-9]+)*\]")
_SUPERSCRIPT_DIGITS: Final = "\u00b9\u00b2\u00b3\u2070\u2074\u2075\u2076\u2077\u2078\u2079"
_SUPERSCRIPT: Final = re.compile(f"[{_SUPERSCRIPT_DIGITS}]+")
_POWER_WORDS: Final = {"\u00b2": " squared", "\u00b3": " cubed"}
# "km²", "m³": left for the units pass, which says "square kilometers".
_UNIT_BEFORE_POWER: Final = re.compile(r"(?<![\w])(?:km|cm|mm|m|ft|in|mi|yd)$")


def _superscript_replacement(match: re.Match[str]) -> str:
    text, start = match.string, match.start()
    before = text[start - 1] if start else " "
    if before.isdigit():  # "10²": a power
        return _POWER_WORDS.get(match.group(), "")
    if _UNIT_BEFORE_POWER.search(text, max(0, start - 3), start):
        return match.group()
    return ""  # a note number after a word or punctuation


def _contains_any(text: str, characters: str) -> bool:
    """Faster than a regular expression search when the characters are rare."""
    return any(character in text for character in characters)


def drop_note_markers(text: str) -> str:
    """Bracketed references ("[12]", "[3, 7]") and superscript note numbers."""
    if "[" in text:
        text = _REFERENCE_MARK.sub("", text)
    if _contains_any(text, _SUPERSCRIPT_DIGITS):
        text = _SUPERSCRIPT.sub(_superscript_replacement, text)
    return text


_SAID: Final = {
    "&": " and ",
    "§": " section ",
    "§§": " sections ",
    "¶": " paragraph ",
    "±": " plus or minus ",
    "\u00d7": " times ",
    "÷": " divided by ",
    "≈": " approximately ",
    "≠": " does not equal ",
    "≤": " less than or equal to ",
    "≥": " greater than or equal to ",
    "=": " equals ",
    "+": " plus ",
    "\u2212": " minus ",
    "%": " percent ",
    "@": " at ",
    "°": " degrees ",
    "º": " degrees ",
}
_DECORATION: Final = "=_*~#\u2022"
_SYMBOL: Final = re.compile(
    "[&%§¶±\u00d7\u2212÷≈≠≤≥=+@°º#~*^<>/\\-_|\\\\\u2020\u2021\u2022\u00b7\u25aa\u25cf\u25e6]"
    # Runs of separator characters ("=====", "***", "-----") are decoration; "§§" is plural.
    f"(?:(?<=[{_DECORATION}])[{_DECORATION}]+|(?<=-)-{{3,}}|(?<=§)§)?"
)
_MULTIPLICATION_X: Final = re.compile(r"(?<=[0-9]) x (?=[0-9])")


def _neighbours(text: str, start: int, end: int) -> tuple[str, str]:
    """The characters either side of text[start:end], skipping one space."""
    before = text[start - 1] if start else ""
    if before == " " and start > 1:
        before = text[start - 2]
    after = text[end] if end < len(text) else ""
    if after == " " and end + 1 < len(text):
        after = text[end + 1]
    return before, after


def _contextual(symbol: str, text: str, start: int, end: int) -> str | None:
    """The spoken form of a symbol whose reading depends on its neighbours, or None to
    keep it as it is."""
    before, after = _neighbours(text, start, end)
    if symbol == "-":
        # "COVID-19": a space; every other hyphen or minus is read by later passes.
        return " " if text[start - 1 : start].isalpha() and after.isdigit() else None
    if symbol == "/":
        joined = text[start - 1 : start].isalnum() and text[end : end + 1].isalnum()
        return " " if joined else None  # "and/or", "24/7"; a URL-like "/" stays
    if symbol in "<>":
        spaced = text[start - 1 : start] == " " == text[end : end + 1]
        if spaced or (before.isdigit() and after.isdigit()):
            return " less than " if symbol == "<" else " greater than "
        return " "  # "<html>", "x <- 1": not a comparison a listener can use
    if symbol == "#":
        return " number " if after.isdigit() else " "
    if symbol == "~":
        # "~5 km" (already "~five kilometers" here); a spaced "y ~ x" is notation.
        return " approximately " if text[end : end + 1].isalnum() else " "
    if symbol == "*":
        return " times " if before.isdigit() and after.isdigit() else " "
    if symbol == "^":
        return " to the power of " if before.isdigit() and after.isdigit() else " "
    return " "  # note markers, bullets, "_", "|", "\\"


def _symbol_replacement(match: re.Match[str]) -> str:
    symbol = match.group()
    if len(symbol) > 1 and symbol != "§§":
        return " "  # decoration
    said = _SAID.get(symbol)
    if said is not None:
        return said
    spoken = _contextual(symbol, match.string, match.start(), match.end())
    return symbol if spoken is None else spoken


def speak_symbols(text: str) -> str:
    """Symbols said by name; note markers, bullets and decoration dropped."""
    if " x " in text:
        text = _MULTIPLICATION_X.sub(" times ", text)
    return _SYMBOL.sub(_symbol_replacement, text)


_ELLIPSIS: Final = re.compile(r"\u2026|\.(?:\s?\.){2,}")
_OTHER_WHITESPACE: Final = re.compile(r"[^\S ]")
# Whitespace other than a single plain space: a run, a tab or a line break.
_UNUSUAL_SPACE: Final = re.compile(r"\s(?:(?<=[^ ])\s*|\s+)")
# A dash that is a pause: em dash, "--", or a spaced en dash or hyphen.
_DASH: Final = re.compile(r"[\u2014\u2015\u2013-]-{0,2}")
_REPEATED_MARKS: Final = re.compile(r"[!?][!?]+")
_REPEATED_PAUSES: Final = re.compile(r"[,;:](?:\s*[,;:])+")
_TWO_DOTS: Final = re.compile(r"\.\.(?<!\.\.\.)(?!\.)")
_PAUSE_BEFORE_STOP: Final = re.compile(r"[,;:]\s*(?=[.!?]|$)")
_SPACE_BEFORE_PUNCTUATION: Final = re.compile(r" (?=[,;:!?]|\.(?!\.\.))")
_EMPTY_BRACKETS: Final = re.compile(r"\(\s*[,;:]?\s*\)|\[\s*\]")
# "said. —Then": a dash after a full stop would leave "said., Then".
_PAUSE_AFTER_STOP: Final = re.compile(r"(?P<stop>[.!?]) [,;:](?= )")
# Only unambiguous openings: a straight quote may be closing ('"Yes", he said').
_PAUSE_AFTER_OPENING: Final = re.compile(r"(?P<opening>[(\[\u201c]) ?[,;:] ?")


def _single_spaced(text: str) -> str:
    if "  " in text or _OTHER_WHITESPACE.search(text):
        return _UNUSUAL_SPACE.sub(" ", text)
    return text


def _dash_replacement(match: re.Match[str]) -> str:
    dash, text, start, end = match.group(), match.string, match.start(), match.end()
    if dash[0] in "\u2014\u2015" or len(dash) > 1:
        return ", "
    before = text[start - 1 : start]
    after = text[end : end + 1]
    if before.isspace() and after.isspace():
        return ", "
    if dash == "\u2013" and before.isalnum() and after.isalnum():
        return "-"  # an en dash joining two names: one compound, read without a pause
    return dash


def _first_character(match: re.Match[str]) -> str:
    return match.group()[0]


def tidy_punctuation(text: str) -> str:
    """Dashes to comma pauses, one form of ellipsis, no doubled or dangling punctuation,
    single spaces."""
    # The `in` tests skip passes that have nothing to do: they cost far less than a scan.
    if "\u2026" in text or ".." in text or ". ." in text:
        text = _ELLIPSIS.sub("...", text)
    if "\u2014" in text or "\u2013" in text or "\u2015" in text or "--" in text or " -" in text:
        text = _DASH.sub(_dash_replacement, text)
    text = _single_spaced(text)
    if ". " in text or "! " in text or "? " in text:
        text = _PAUSE_AFTER_STOP.sub(r"\g<stop>", text)
    text = _SPACE_BEFORE_PUNCTUATION.sub("", text)
    if "(" in text or "[" in text:
        text = _EMPTY_BRACKETS.sub("", text)
    if "!" in text or "?" in text:
        text = _REPEATED_MARKS.sub(_first_character, text)
    text = _REPEATED_PAUSES.sub(_first_character, text)
    if ".." in text:
        text = _TWO_DOTS.sub(".", text)
    text = _PAUSE_BEFORE_STOP.sub("", text)
    if "(" in text or "[" in text or "\u201c" in text:
        text = _PAUSE_AFTER_OPENING.sub(r"\g<opening>", text)
    return _single_spaced(text).strip().lstrip(",;: ")
