"""What an audiobook file says about itself: book tags, chapter marks, and the written result."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class BookTags:
    """Book-level tags. The album is the title and the album artist is the author."""

    title: str
    author: str | None
    narrator: str | None
    genre: str = "Audiobook"
    year: str | None = None
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class ChapterMark:
    """A chapter as written in the file, in seconds from the start of playback."""

    title: str
    start: float
    end: float


@dataclass(frozen=True, slots=True)
class WrittenBook:
    """A finished audiobook file: where it is, how long it plays, and its chapters."""

    path: Path
    duration_seconds: float
    chapters: list[ChapterMark]
