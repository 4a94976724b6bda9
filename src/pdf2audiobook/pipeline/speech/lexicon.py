"""The user's pronunciation lexicon: respellings for names and words a voice gets wrong.

The file is UTF-8 text with one entry per line::

    # comments and blank lines are ignored
    Tolkien = Toll-keen
    Hermione = her-MY-oh-nee
    /\\bSQL\\b/ = sequel

`word = respelling` replaces the word (or phrase) wherever it stands as a whole word,
whatever its case. `/pattern/ = replacement` is a Python regular expression, applied as
written (add `(?i)` for case-insensitivity); the replacement may use `\\1` groups. The
pattern ends at the first `/` followed by `=`.

The lexicon is applied after normalisation, so it sees the spoken form ("Chapter three",
"ten dollars") and its respellings are passed to the voice untouched: a respelling is
never normalised again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from pdf2audiobook.pipeline.errors import PipelineError


class LexiconError(PipelineError):
    """A pronunciation lexicon file that cannot be read or has a malformed line."""

    code = "invalid_lexicon"


_PATTERN_LINE: Final = re.compile(r"/(?P<pattern>.+?)/\s*=(?P<replacement>.*)")


@dataclass(frozen=True, slots=True)
class _PatternEntry:
    pattern: re.Pattern[str]
    replacement: str


class Lexicon:
    """Whole-word respellings and pattern replacements, in the order of the file."""

    def __init__(self, words: dict[str, str], patterns: list[_PatternEntry]) -> None:
        self._respellings = words
        self._patterns = tuple(patterns)
        # One alternation for all words, longest first so that a phrase wins over a
        # word it starts with ("New York" before "New").
        alternatives = sorted(words, key=len, reverse=True)
        self._words: re.Pattern[str] | None = (
            re.compile(
                r"(?<!\w)(?:" + "|".join(map(re.escape, alternatives)) + r")(?!\w)",
                re.IGNORECASE,
            )
            if alternatives
            else None
        )

    @classmethod
    def empty(cls) -> Lexicon:
        """A lexicon that changes nothing."""
        return cls({}, [])

    @classmethod
    def load(cls, path: Path) -> Lexicon:
        """Reads a lexicon file; raises `LexiconError` naming the file, the line number
        and what is wrong with the first bad line, or why the file cannot be read."""
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as error:
            raise LexiconError(f"Cannot read the lexicon {path.name}: {error}.") from error
        words: dict[str, str] = {}
        patterns: list[_PatternEntry] = []
        for number, raw_line in enumerate(lines, start=1):
            line = raw_line.strip()
            if not line or line.startswith("#"):
                continue
            try:
                if line.startswith("/"):
                    patterns.append(_parse_pattern(line))
                else:
                    word, respelling = _parse_word(line)
                    words[word.casefold()] = respelling
            except ValueError as error:
                raise LexiconError(
                    f"{path.name}, line {number}: {error}. Expected `word = respelling` "
                    "or `/pattern/ = replacement`."
                ) from error
        return cls(words, patterns)

    @property
    def entries(self) -> int:
        """How many entries the lexicon holds (a repeated word counts once)."""
        return len(self._respellings) + len(self._patterns)

    def apply(self, text: str) -> str:
        """The text with every whole-word entry respelled, then every pattern applied."""
        if self._words is not None:
            text = self._words.sub(self._respelling, text)
        for entry in self._patterns:
            text = entry.pattern.sub(entry.replacement, text)
        return text

    def _respelling(self, match: re.Match[str]) -> str:
        return self._respellings.get(match.group().casefold(), match.group())


def _parse_word(line: str) -> tuple[str, str]:
    word, equals, respelling = line.partition("=")
    if not equals:
        raise ValueError("no `=` between the word and its respelling")
    word, respelling = " ".join(word.split()), respelling.strip()
    if not word:
        raise ValueError("nothing before `=`")
    if not respelling:
        raise ValueError(f"no respelling after `=` for {word!r}")
    return word, respelling


def _parse_pattern(line: str) -> _PatternEntry:
    match = _PATTERN_LINE.fullmatch(line)
    if match is None:
        raise ValueError("a pattern needs a closing `/` followed by `=`")
    replacement = match.group("replacement").strip()
    if not replacement:
        raise ValueError("no replacement after `=`")
    try:
        pattern = re.compile(match.group("pattern"))
        pattern.sub(replacement, "")  # checks group references such as \2
    except re.error as error:
        raise ValueError(f"invalid regular expression: {error}") from error
    if pattern.match("") is not None:
        raise ValueError("the pattern matches empty text")
    return _PatternEntry(pattern, replacement)
