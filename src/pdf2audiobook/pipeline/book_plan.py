"""A book ready to be spoken: its chapters as speech chunks, its voices and its tags.

The plan is what a converter needs after the PDF has been read, so it can be written down
(as JSON) and each chapter spoken somewhere else: by another process or another machine.
"""

from __future__ import annotations

import base64
import json
from dataclasses import asdict, dataclass, field
from typing import Any

from pdf2audiobook.pipeline.audio import AudiobookFormat, BookTags
from pdf2audiobook.pipeline.narration.model import (
    ChapterSpeech,
    VoiceChoice,
    chapter_characters,
)
from pdf2audiobook.pipeline.speech import Pause, SpeechChunk

PLAN_VERSION = 1


class PlanFormatError(ValueError):
    """The text is not a book plan this version can read."""


@dataclass(frozen=True, slots=True)
class BookPlan:
    title: str
    author: str | None
    fmt: AudiobookFormat
    tags: BookTags
    voices: list[VoiceChoice]
    """The primary voice, then its fallbacks; the book is written at the primary's rate."""
    chapters: list[ChapterSpeech]
    cover_jpeg: bytes | None = None
    notes: list[str] = field(default_factory=list)
    chapter_sources: list[int] = field(default_factory=list)
    """For each spoken chapter, its index in the book's chapters (empty ones are skipped)."""

    @property
    def characters(self) -> int:
        return sum(chapter_characters(chapter) for chapter in self.chapters)

    def to_json(self) -> str:
        return json.dumps(
            {
                "version": PLAN_VERSION,
                "title": self.title,
                "author": self.author,
                "fmt": self.fmt,
                "tags": asdict(self.tags),
                "voices": [asdict(voice) for voice in self.voices],
                "chapters": [
                    {
                        "title": chapter.title,
                        "chunks": [
                            [chunk.text, chunk.pause_after.value] for chunk in chapter.chunks
                        ],
                    }
                    for chapter in self.chapters
                ],
                "cover_jpeg": base64.b64encode(self.cover_jpeg).decode()
                if self.cover_jpeg
                else None,
                "notes": self.notes,
                "chapter_sources": self.chapter_sources,
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> BookPlan:
        try:
            data: dict[str, Any] = json.loads(text)
            if data.get("version") != PLAN_VERSION:
                raise PlanFormatError(f"unsupported plan version {data.get('version')!r}")
            fmt = data["fmt"]
            if fmt not in ("m4b", "mp3"):
                raise PlanFormatError(f"unknown format {fmt!r}")
            cover = data["cover_jpeg"]
            return cls(
                title=data["title"],
                author=data["author"],
                fmt=fmt,
                tags=BookTags(**data["tags"]),
                voices=[VoiceChoice(**voice) for voice in data["voices"]],
                chapters=[
                    ChapterSpeech(
                        chapter["title"],
                        [SpeechChunk(text, Pause(pause)) for text, pause in chapter["chunks"]],
                    )
                    for chapter in data["chapters"]
                ],
                cover_jpeg=base64.b64decode(cover) if cover else None,
                notes=list(data["notes"]),
                chapter_sources=[int(index) for index in data["chapter_sources"]],
            )
        except PlanFormatError:
            raise
        except (ValueError, KeyError, TypeError) as error:
            raise PlanFormatError(f"not a book plan: {error}") from error


__all__ = ["BookPlan", "PlanFormatError", "chapter_characters"]
