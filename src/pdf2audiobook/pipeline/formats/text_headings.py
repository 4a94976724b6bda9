"""Chapter headings in plain text: "CHAPTER IV", "Chapter 12. The Storm", "Part One", "BOOK I".

Plain text marks a heading only by a short line standing alone between blank lines. A
line opening with a keyword (Chapter, Book, Part, Volume, Canto, Letter) and a number is
a heading wherever it stands so. A bare roman numeral ("XIV.") or a numbered title
("3. The Storm") could be anything, so those count only when the book numbers them in
order, at least three times.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Final

_NUMBER_WORDS: Final = [
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
]
_ORDINAL_WORDS: Final = [
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
]
_ROMAN: Final = r"[IVXLCDM]+"
_NUMBER: Final = rf"(?:\d{{1,4}}|{_ROMAN}|{'|'.join(_NUMBER_WORDS + _ORDINAL_WORDS)})"
# Rank of each keyword: a volume holds books or parts, which hold chapters.
_KEYWORD_RANKS: Final = {
    "volume": 0,
    "book": 1,
    "part": 1,
    "chapter": 2,
    "canto": 2,
    "letter": 2,
}
_KEYWORD_LINE: Final = re.compile(
    rf"^(?P<keyword>{'|'.join(_KEYWORD_RANKS)})\s+(?P<number>{_NUMBER})\b"
    r"(?P<rest>\s*(?:[.:\-\u2013\u2014]\s*)?.*)$",
    re.IGNORECASE,
)
_ROMAN_LINE: Final = re.compile(rf"^(?P<number>{_ROMAN})\.?(?:\s+(?P<rest>\S.*))?$")
_NUMBERED_LINE: Final = re.compile(r"^(?P<number>\d{1,3})\.\s+(?P<rest>[A-Z].*)$")
_CONTENTS_LINE: Final = re.compile(r"^\s*(?:table of )?contents\.?\s*$", re.IGNORECASE)
MAX_HEADING_CHARACTERS: Final = 90
MAX_SUBTITLE_WORDS: Final = 8
MIN_SEQUENCE: Final = 3
"""Numbered lines needed, in order, before bare numerals are taken for headings."""
MIN_CHAPTER_WORDS: Final = 25
"""Body words a heading needs before the next one; fewer, and it is a contents entry."""


@dataclass(frozen=True, slots=True)
class TextHeading:
    block: int
    """Index of the heading's block."""
    title: str
    rank: int
    """0 for volumes, 1 for books and parts, 2 for chapters and bare numerals."""
    subtitle_block: int | None
    """Index of a one-line block right after it that names the chapter, when there is one."""


@dataclass(frozen=True, slots=True)
class _Candidate:
    block: int
    line: str
    kind: str
    rank: int
    number: int | None
    has_title: bool


def find_headings(blocks: Sequence[Sequence[str]]) -> tuple[list[TextHeading], list[int]]:
    """The chapter headings among `blocks` (each a list of stripped lines), and the
    indexes of the blocks that make up a table of contents instead."""
    candidates = [c for i, block in enumerate(blocks) if (c := _candidate(i, block)) is not None]
    chosen = _chosen_kind(candidates)
    contents: list[int] = []
    headings: list[TextHeading] = []
    peers = _next_peers(chosen)
    for position, candidate in enumerate(chosen):
        following = chosen[position + 1].block if position + 1 < len(chosen) else len(blocks)
        subtitle = _subtitle(blocks, candidate)
        body_from = candidate.block + 1 if subtitle is None else subtitle + 1
        peer = peers[position]
        end = len(blocks) if peer is None else peer
        words = sum(len(line.split()) for block in blocks[body_from:end] for line in block)
        if peer is not None and words < MIN_CHAPTER_WORDS:
            contents.extend(range(candidate.block, following))
            continue
        title = candidate.line
        if subtitle is not None:
            separator = " " if title[-1] in ".:" else ". "
            title = f"{title}{separator}{blocks[subtitle][0]}"
        headings.append(TextHeading(candidate.block, title, candidate.rank, subtitle))
    contents.extend(i for i, block in enumerate(blocks) if _is_contents_listing(block))
    contents.sort()
    if contents and contents[0] > 0 and _is_contents_title(blocks[contents[0] - 1]):
        contents.insert(0, contents[0] - 1)
    return headings, contents


def _next_peers(chosen: Sequence[_Candidate]) -> list[int | None]:
    """For each heading, the block of the next heading of its rank or above: a part runs
    until the next part, whatever chapters it holds."""
    peers: list[int | None] = [None] * len(chosen)
    next_at_rank: dict[int, int] = {}
    for position in range(len(chosen) - 1, -1, -1):
        candidate = chosen[position]
        ahead = [block for rank, block in next_at_rank.items() if rank <= candidate.rank]
        peers[position] = min(ahead, default=None)
        next_at_rank[candidate.rank] = candidate.block
    return peers


def _candidate(index: int, block: Sequence[str]) -> _Candidate | None:
    """The block as a heading candidate: one line, or a keyword line and a title line."""
    if len(block) > 2 or len(block[0]) > MAX_HEADING_CHARACTERS:
        return None
    line = block[0]
    keyword = _KEYWORD_LINE.match(line)
    if keyword and line[0].isupper():
        rest = keyword.group("rest").strip(" .:-\u2013\u2014")
        if rest and not _starts_like_a_title(rest):
            # "Chapter 3 was the one she liked best." is a sentence, not a heading.
            return None
        if len(block) == 2 and not rest:
            line = f"{line.rstrip('.')}. {block[1]}"
            rest = block[1]
        elif len(block) == 2:
            return None
        rank = _KEYWORD_RANKS[keyword.group("keyword").lower()]
        return _Candidate(index, line, "keyword", rank, _value(keyword.group("number")), bool(rest))
    if len(block) == 2:
        return None
    for kind, pattern in (("roman", _ROMAN_LINE), ("numbered", _NUMBERED_LINE)):
        match = pattern.match(line)
        if match:
            number = _value(match.group("number"))
            if number is not None:
                has_title = bool(match.group("rest"))
                return _Candidate(index, line, kind, 2, number, has_title)
    return None


def _starts_like_a_title(text: str) -> bool:
    return text[0].isupper() or text[0].isdigit() or text[0] in "'\"\u2018\u201c("


def _chosen_kind(candidates: Sequence[_Candidate]) -> list[_Candidate]:
    """Keyword headings when there are any; else numerals that count up in order."""
    keyword = [c for c in candidates if c.kind == "keyword"]
    if keyword:
        return keyword
    for kind in ("roman", "numbered"):
        of_kind = [c for c in candidates if c.kind == kind]
        if len(of_kind) >= MIN_SEQUENCE and _counts_up(of_kind):
            return of_kind
    return []


def _counts_up(candidates: Sequence[_Candidate]) -> bool:
    """Whether most numbers follow their predecessor by one (restarts at 1 allowed)."""
    steps = list(pairwise(candidates))
    good = sum(
        1
        for before, after in steps
        if after.number is not None
        and before.number is not None
        and (after.number == before.number + 1 or after.number == 1)
    )
    return good >= 0.8 * len(steps)


def _subtitle(blocks: Sequence[Sequence[str]], candidate: _Candidate) -> int | None:
    """The block naming a chapter whose heading line holds only its number."""
    if candidate.has_title:
        return None
    index = candidate.block + 1
    if index >= len(blocks) or len(blocks[index]) != 1:
        return None
    line = blocks[index][0]
    words = line.split()
    if len(words) > MAX_SUBTITLE_WORDS or not line[0].isupper() or line[-1] in ",;\"'\u201d":
        return None
    if _candidate(index, blocks[index]) is not None:
        return None
    return index


def _is_contents_listing(block: Sequence[str]) -> bool:
    """A block of chapter lines one under the other: a table of contents."""
    entries = sum(1 for line in block if _KEYWORD_LINE.match(line) or _ROMAN_LINE.match(line))
    return entries >= MIN_SEQUENCE and entries * 2 >= len(block)


def _is_contents_title(block: Sequence[str]) -> bool:
    return len(block) == 1 and bool(_CONTENTS_LINE.match(block[0]))


def _value(number: str) -> int | None:
    """The value of a numeral written in digits, roman numerals or words."""
    lowered = number.lower()
    if lowered.isdigit():
        return int(lowered)
    if lowered in _NUMBER_WORDS:
        return _NUMBER_WORDS.index(lowered) + 1
    if lowered in _ORDINAL_WORDS:
        return _ORDINAL_WORDS.index(lowered) + 1
    return _roman_value(number.upper())


def _roman_value(numeral: str) -> int | None:
    """The value of an upper-case roman numeral written the usual way, else None."""
    values = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
    if not numeral or any(ch not in values for ch in numeral):
        return None
    total = 0
    for position, ch in enumerate(numeral):
        value = values[ch]
        following = values[numeral[position + 1]] if position + 1 < len(numeral) else 0
        total += -value if value < following else value
    if _to_roman(total) != numeral:
        return None
    return total


def _to_roman(value: int) -> str:
    parts = []
    for amount, symbol in (
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ):
        while value >= amount:
            parts.append(symbol)
            value -= amount
    return "".join(parts)
