"""Splitting a paragraph into sentences, without being fooled by full stops that do not
end one ("Mr.", "e.g.", "U.S.", "J. R. R. Tolkien", "3.14", "Wait... what").

A sentence ends at ".", "!", "?" or "…" (with any closing quotes and brackets after it)
followed by white space and a word that does not start with a lower-case letter.
"""

from __future__ import annotations

import re
from typing import Final

_BOUNDARY: Final = re.compile(
    r"(?P<end>[.!?\u2026]+)(?P<closers>[\"'\u201d\u2019)\]\u00bb]*)(?P<space>\s+)(?=(?P<next>\S))"
)
_LAST_WORD: Final = re.compile(r"(?P<word>[\w.'\u2019-]+)$")
# Only this much text before a full stop is looked at, so long texts split in linear time.
_LONGEST_ABBREVIATION = 24
# Words whose full stop does not end a sentence even before a capital ("Mr. Smith").
# "etc.", "et al." and "Jr." close a list or a name and are followed by a new sentence
# more often than not, so a capital after them starts one.
_NEVER_FINAL_LIST: Final = (
    "mr mrs ms dr prof st mt rev capt lt col gen sgt hon gov sen rep fr ed eds "
    "e.g i.e cf viz vs approx incl"
)
_NEVER_FINAL: Final = frozenset(_NEVER_FINAL_LIST.split())
# Abbreviations that lead into a number ("No. 4", "p. 12", "Nov. 5"); before a word
# they are ordinary words ending a sentence ("He said no.").
_BEFORE_NUMBER_LIST: Final = (
    "no nos p pp ch chap fig figs vol vols eq sec para ca c "
    "jan feb mar apr jun jul aug sep sept oct nov dec"
)
_BEFORE_NUMBER: Final = frozenset(_BEFORE_NUMBER_LIST.split())


def _is_abbreviation(text: str, stop: int, following: str) -> bool:
    """Whether the word before the full stop at `stop` is an abbreviation or initial."""
    last = _LAST_WORD.search(text, max(0, stop - _LONGEST_ABBREVIATION), stop)
    if last is None:
        return False
    word = last.group("word").lstrip("'\u2019-").rstrip(".")
    lowered = word.lower()
    if lowered in _NEVER_FINAL or (lowered in _BEFORE_NUMBER and following.isdigit()):
        return True
    # A single letter is an initial ("J. R. R. Tolkien"); letters with inner full
    # stops are an abbreviation ("U.S.", "Ph.D.").
    if len(word) == 1 and word.isalpha():
        return True
    return "." in word and all(part.isalpha() and len(part) <= 2 for part in word.split("."))


def _ends_sentence(text: str, boundary: re.Match[str]) -> bool:
    following = boundary.group("next")
    if following.islower():
        return False
    end = boundary.group("end")
    if end == "." and not boundary.group("closers"):
        return not _is_abbreviation(text, boundary.start("end"), following)
    return True


def split_sentences(text: str) -> list[str]:
    """The sentences of `text`, each with its own punctuation and closing quotes and
    without surrounding white space; no sentence is empty. Joined with single spaces
    they give back the text, apart from white space."""
    sentences: list[str] = []
    start = 0
    for boundary in _BOUNDARY.finditer(text):
        if not _ends_sentence(text, boundary):
            continue
        sentence = text[start : boundary.start("space")].strip()
        if sentence:
            sentences.append(sentence)
        start = boundary.end()
    rest = text[start:].strip()
    if rest:
        sentences.append(rest)
    return sentences
