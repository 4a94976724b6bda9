"""Reading chapter titles: normalisation, "Chapter N" labels, and titles not to be read.

Both planners (outline and font-size headings) need the same answers to three
questions about a short piece of text: what it says once typography is set aside,
whether it is only a label ("Chapter 3", "One", "Appendix B"), and whether the
section it opens is worth hearing (a table of contents or an index is not).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

SkipReason = Literal["contents", "front_matter", "back_matter"]

# pdfium marks a hyphen it removed at a line end with U+0002.
_REMOVED_HYPHEN = "\x02"
# Control and format characters, and private-use glyphs (logos, math pieces).
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\u00ad\u200b\u200e\u200f\u202a-\u202e"
    "\u2060-\u2064\ufeff\ue000-\uf8ff\U000f0000-\U0010ffff]"
)

_NUMBER_WORD = (
    r"(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
    r"(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?"
    r"|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen"
    r"|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen)"
)
# Only well-formed numerals, so that words such as "did" or "civil" are not read as one.
_ROMAN = r"(?=[ivxlcdm])m{0,3}(?:c[md]|d?c{0,3})(?:x[cl]|l?x{0,3})(?:i[xv]|v?i{0,3})"
# A letter may be doubled: appendices and files run on as "aa", "bb" after "z".
_LETTER = r"(?P<letter>[a-z])(?P=letter)?"
_ENUMERATOR = rf"(?:\d{{1,3}}(?:\.\d{{1,3}})*|{_ROMAN}|{_NUMBER_WORD}|{_LETTER})"
_LABEL_WORD = r"(?:chapter|chap\.|part|book|appendix|section|file|lecture|lesson|volume)"

_LABEL_LINE = re.compile(rf"(?:[^\W\d_]{{1,12}}\s+)?{_ENUMERATOR}[.:]?", re.IGNORECASE)
_STRONG_LABEL = re.compile(
    rf"(?:chapter|chap\.|part|book|appendix)\s+{_ENUMERATOR}\b(?:\s*[.:\-\u2013\u2014]\s*(?P<rest>.*))?",
    re.IGNORECASE,
)
_LEADING_ENUMERATOR = re.compile(
    rf"^(?:{_LABEL_WORD}\s+)?{_ENUMERATOR}(?:[.:)]|\s[-\u2013\u2014:])?\s+(?=\S)", re.IGNORECASE
)
_DOT_LEADERS = re.compile(r"(?:\.\s?){4,}|(?:·\s?){2,}")
_TRAILING_FOLIO = re.compile(rf"\s(?P<folio>\d{{1,4}}|{_ROMAN})$", re.IGNORECASE)
_LETTER_RUN = re.compile(r"[^\W\d_]{3,}")

_CONTENTS = re.compile(
    r"(?:(?:table of|short|brief|detailed|summary of) )?contents(?: at a glance)?"
    r"|list of [\w ]{3,40}",
)
_BACK_MATTER = re.compile(
    r"(?:(?!the |an? )\w+(?: \w+){0,3} )?index(?: of [\w ]{1,40})?|indices|bibliography|references"
    r"|works cited|further reading|(?:change|revision|version) history|change ?log"
    r"|colophon|also by [\w .]{1,60}|other books by [\w .]{1,60}",
)
_FRONT_MATTER = re.compile(
    r"cover|front cover|title page|title|half[- ]title|copyright(?: page)?|imprint"
)


def normalize_title(text: str) -> str:
    """NFKC, no control or private-use characters, single spaces: the title as spoken."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))
    return " ".join(text.split())


def join_title_lines(lines: list[str]) -> str:
    """Join the lines of a title that was set over several lines."""
    joined = ""
    for text in lines:
        if joined.endswith(_REMOVED_HYPHEN):
            joined = joined[:-1] + text.lstrip()
        else:
            joined = f"{joined} {text}" if joined else text
    return normalize_title(joined)


def comparison_key(text: str) -> str:
    """Case-folded, normalised text, for fuzzy comparison with another title."""
    return normalize_title(text).casefold()


def without_enumerator(key: str) -> str:
    """`key` without a leading "Chapter 3", "1.2", "A" or "IV." (unchanged if none)."""
    return _LEADING_ENUMERATOR.sub("", key, count=1)


def is_label_line(text: str) -> bool:
    """True for a line that only numbers a heading: "Chapter 3", "One", "A", "File b"."""
    stripped = normalize_title(text)
    return len(stripped) <= 24 and _LABEL_LINE.fullmatch(stripped) is not None


def strong_label(text: str) -> tuple[str, str] | None:
    """Split "Chapter IV: The River" into ("Chapter IV", "The River").

    Only the unambiguous label words count (chapter, part, book, appendix); the title
    part is empty when the line holds the label alone. None when the line does not
    start with such a label.
    """
    stripped = normalize_title(text)
    match = _STRONG_LABEL.fullmatch(stripped)
    if match is None:
        return None
    rest = match.group("rest") or ""
    label = stripped[: match.start("rest")] if rest else stripped
    return label.rstrip(" .:-\u2013\u2014"), rest.strip()


def looks_like_contents_line(text: str) -> bool:
    """A table-of-contents entry: dot leaders, or text ending with a page number."""
    stripped = normalize_title(text)
    if _DOT_LEADERS.search(stripped):
        return True
    return _TRAILING_FOLIO.search(stripped) is not None and _LETTER_RUN.search(stripped) is not None


def trailing_folio(text: str) -> str | None:
    """The page number a line ends with ("Preface 7" gives "7"), if any."""
    match = _TRAILING_FOLIO.search(normalize_title(text))
    return match.group("folio").casefold() if match else None


def has_word(text: str) -> bool:
    """True when the text holds a word of three letters or more, as any real title does.

    One letter repeated ("lll", a type specimen's sample) is not a word.
    """
    return any(len(set(match.group())) > 1 for match in _LETTER_RUN.finditer(text))


def skip_reason(title: str) -> SkipReason | None:
    """Why a section with this title should not be read aloud, or None to read it.

    Preface, Introduction, Notes and appendices are read; contents and lists of
    figures are "contents"; indexes, bibliographies and change logs are "back_matter".
    """
    key = comparison_key(title).strip(" .:")
    candidates = {key, without_enumerator(key).strip(" .:")}
    for candidate in candidates:
        if _CONTENTS.fullmatch(candidate):
            return "contents"
        if _BACK_MATTER.fullmatch(candidate):
            return "back_matter"
        if _FRONT_MATTER.fullmatch(candidate):
            return "front_matter"
    return None
