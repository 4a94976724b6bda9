"""Abbreviations said in full: "Dr. Watson" -> "Doctor Watson", "e.g." -> "for example".

Expanding them also removes full stops the voice would otherwise take for the end of a
sentence (a pause and a falling tone after "Mr."). When the abbreviation's own full
stop also ends the sentence ("... and so on, etc. Then"), a full stop is kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from enum import Enum, auto
from typing import Final


class _Kind(Enum):
    LATIN = auto()
    """Always expanded ("e.g.", "etc.")."""
    TITLE = auto()
    """Before a name; never ends a sentence ("Mr.", "Prof.")."""
    RANK = auto()
    """Expanded only before a capitalised name ("Gen." is also Genesis)."""
    BEFORE_NUMBER = auto()
    """Expanded only before a number or Roman numeral ("p. 214", "No. 4")."""
    AFTER_NAME = auto()
    """After a name: "Jr.", or a street type after a street name ("Baker Rd.")."""
    SAINT_OR_STREET = auto()
    DOCTOR_OR_DRIVE = auto()


_EXPANSIONS: Final[dict[str, tuple[str, _Kind]]] = {
    "e.g": ("for example", _Kind.LATIN),
    "i.e": ("that is", _Kind.LATIN),
    "etc": ("et cetera", _Kind.LATIN),
    "vs": ("versus", _Kind.LATIN),
    "cf": ("compare", _Kind.LATIN),
    "viz": ("namely", _Kind.LATIN),
    "approx": ("approximately", _Kind.LATIN),
    "incl": ("including", _Kind.LATIN),
    "et al": ("et al", _Kind.LATIN),
    "ibid": ("ibid", _Kind.LATIN),
    "Mr": ("Mister", _Kind.TITLE),
    "Mrs": ("Missus", _Kind.TITLE),
    "Ms": ("Miz", _Kind.TITLE),
    "Prof": ("Professor", _Kind.TITLE),
    "Capt": ("Captain", _Kind.RANK),
    "Lt": ("Lieutenant", _Kind.RANK),
    "Col": ("Colonel", _Kind.RANK),
    "Gen": ("General", _Kind.RANK),
    "Sgt": ("Sergeant", _Kind.RANK),
    "Rev": ("Reverend", _Kind.RANK),
    "Mt": ("Mount", _Kind.RANK),
    "no": ("number", _Kind.BEFORE_NUMBER),
    "nos": ("numbers", _Kind.BEFORE_NUMBER),
    "p": ("page", _Kind.BEFORE_NUMBER),
    "pp": ("pages", _Kind.BEFORE_NUMBER),
    "ch": ("chapter", _Kind.BEFORE_NUMBER),
    "chap": ("chapter", _Kind.BEFORE_NUMBER),
    "fig": ("figure", _Kind.BEFORE_NUMBER),
    "figs": ("figures", _Kind.BEFORE_NUMBER),
    "vol": ("volume", _Kind.BEFORE_NUMBER),
    "vols": ("volumes", _Kind.BEFORE_NUMBER),
    "eq": ("equation", _Kind.BEFORE_NUMBER),
    "sec": ("section", _Kind.BEFORE_NUMBER),
    "para": ("paragraph", _Kind.BEFORE_NUMBER),
    "c": ("circa", _Kind.BEFORE_NUMBER),
    "ca": ("circa", _Kind.BEFORE_NUMBER),
    "Jr": ("Junior", _Kind.AFTER_NAME),
    "Sr": ("Senior", _Kind.AFTER_NAME),
    "Ave": ("Avenue", _Kind.AFTER_NAME),
    "Rd": ("Road", _Kind.AFTER_NAME),
    "St": ("", _Kind.SAINT_OR_STREET),
    "Dr": ("", _Kind.DOCTOR_OR_DRIVE),
}
# Written with a capital at the start of a sentence ("E.g.", "No.", "Fig.").
_CAPITALISED: Final = {
    key[0].upper() + key[1:]: key for key in _EXPANSIONS if key[0].islower() and key != "c"
}
# These are also written without the full stop in British usage ("Mr Smith", "St Paul").
_WITHOUT_FULL_STOP: Final = frozenset({"Mr", "Mrs", "Ms", "Dr", "St", "vs"})
# Latin abbreviations that close a list or a citation, so their full stop may also end
# the sentence; "e.g." or "cf." always lead into more words.
_MAY_END_SENTENCE: Final = frozenset({"etc", "et al", "ibid"})

_NAMES: Final = sorted([*_EXPANSIONS, *_CAPITALISED], key=len, reverse=True)
# Scanning for full stops (and the few names written without one) and then looking at
# the word before is many times faster than trying every name at every position.
_FULL_STOP: Final = re.compile(r"\.")
_BARE_NAME: Final = re.compile(
    "(?:" + "|".join(sorted(_WITHOUT_FULL_STOP, key=len, reverse=True)) + r")\b(?!\.)"
)
_NAME_BEFORE_STOP: Final = re.compile(
    r"(?<![\w.])(?:" + "|".join(re.escape(name) for name in _NAMES) + r")$"
)
_LONGEST_NAME: Final = max(map(len, _NAMES))
_NAME_FOLLOWS: Final = re.compile(r"\s+(?P<word>[A-Z][\w'\u2019-]*)")
_NUMBER_FOLLOWS: Final = re.compile(r"\s?(?:[0-9]|[IVXLCDM]+\b|[ivxlc]+\b)")
_SENTENCE_FOLLOWS: Final = re.compile(r"\s*$|\s+[\"'\u201c\u2018(\[]?[A-Z]")
_CAPITALISED_WORD_BEFORE: Final = re.compile(r"\b[A-Z][\w'\u2019-]*[.,]?\s+$")
# Capitalised words that usually start a sentence rather than a name, so "on Baker St.
# The house" ends a street, not introduces a saint.
_SENTENCE_STARTER_WORDS: Final = (
    "The A An He She It They We I You But And Or So Then There This That These Those "
    "In On At As If When After Before His Her Its Our Their My Your"
)
_SENTENCE_STARTERS: Final = frozenset(_SENTENCE_STARTER_WORDS.split())


def _name_follows(text: str, end: int) -> bool:
    following = _NAME_FOLLOWS.match(text, end)
    return following is not None and following.group("word") not in _SENTENCE_STARTERS


def _name_before(text: str, start: int) -> bool:
    return _CAPITALISED_WORD_BEFORE.search(text, max(0, start - 40), start) is not None


def _with_sentence_end(words: str, text: str, end: int, had_stop: bool) -> str:
    if had_stop and _SENTENCE_FOLLOWS.match(text, end):
        return words + "."
    return words


def _expansion(name: str, had_stop: bool, text: str, start: int, end: int) -> str | None:
    """The spoken form of `name` at text[start:end], or None when the context says this
    is not the abbreviation."""
    written = _CAPITALISED.get(name, name)
    words, kind = _EXPANSIONS[written]
    if written != name:
        words = words[0].upper() + words[1:]
    if not had_stop and written not in _WITHOUT_FULL_STOP:
        return None
    if kind is _Kind.LATIN:
        if written == "vs" and not had_stop and not text[end : end + 1].isspace():
            return None
        if written not in _MAY_END_SENTENCE:
            return words
        return _with_sentence_end(words, text, end, had_stop)
    if kind is _Kind.TITLE:
        return words if had_stop or _name_follows(text, end) else None
    if kind is _Kind.RANK:
        return words if _name_follows(text, end) else None
    if kind is _Kind.BEFORE_NUMBER:
        return words if _NUMBER_FOLLOWS.match(text, end) else None
    if kind is _Kind.AFTER_NAME:
        if not _name_before(text, start):
            return None
        return _with_sentence_end(words, text, end, had_stop)
    return _saint_street_doctor_drive(written, text, start, end, had_stop)


def _saint_street_doctor_drive(
    written: str, text: str, start: int, end: int, had_stop: bool
) -> str | None:
    """ "St. Paul's" -> Saint, "Baker St." -> Street; "Dr. Watson" -> Doctor, "Mulholland
    Dr." -> Drive. A title before a name wins; a place type needs a name before it."""
    before_name = _name_follows(text, end)
    after_name = _name_before(text, start)
    if written == "St":
        if before_name:
            return "Saint"
        if after_name and had_stop:
            return _with_sentence_end("Street", text, end, had_stop)
        return None
    if before_name or not after_name:
        return "Doctor" if had_stop or before_name else None
    return _with_sentence_end("Drive", text, end, had_stop)


def _is_word_character(character: str) -> bool:
    return character.isalnum() or character == "_"


def _candidate_span(text: str, candidate: re.Match[str]) -> tuple[str, int, int, bool] | None:
    """(name, start, end, had_stop) of the abbreviation a candidate points at, if any."""
    if candidate.group() != ".":  # a name written without its full stop
        start = candidate.start()
        if start > 0 and (_is_word_character(text[start - 1]) or text[start - 1] == "."):
            return None
        return candidate.group(), start, candidate.end(), False
    stop = candidate.start()
    named = _NAME_BEFORE_STOP.search(text, max(0, stop - _LONGEST_NAME), stop)
    if named is None or (stop + 1 < len(text) and _is_word_character(text[stop + 1])):
        return None  # not a name, or a dotted word continues ("p.m.")
    return named.group(), named.start(), stop + 1, True


def _expand(text: str, candidates: Iterator[re.Match[str]]) -> str:
    parts: list[str] = []
    done = 0
    for candidate in candidates:
        span = _candidate_span(text, candidate)
        if span is None or span[1] < done:
            continue
        name, start, end, had_stop = span
        words = _expansion(name, had_stop, text, start, end)
        if words is not None:
            parts.extend((text[done:start], words))
            done = end
    parts.append(text[done:])
    return "".join(parts)


def expand_abbreviations(text: str) -> str:
    """Common abbreviations said in full, where the context makes their meaning clear."""
    text = _expand(text, _FULL_STOP.finditer(text))
    return _expand(text, _BARE_NAME.finditer(text))
