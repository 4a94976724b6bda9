"""One chapter's text made ready for the voice: normalised, respelled and chunked, with
the pause that should follow each chunk."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from pdf2audiobook.pipeline.speech.chunks import chunk_text
from pdf2audiobook.pipeline.speech.lexicon import Lexicon
from pdf2audiobook.pipeline.speech.normalise import normalise_for_speech


class Pause(StrEnum):
    """The silence after a chunk, from shortest to longest."""

    SENTENCE = "sentence"
    """The engine's own pause between sentences: between chunks of one paragraph."""
    PARAGRAPH = "paragraph"
    """After the last chunk of a paragraph."""
    TITLE = "title"
    """After the chapter title."""
    CHAPTER = "chapter"
    """After the last chunk of the chapter."""


@dataclass(frozen=True, slots=True)
class SpeechChunk:
    """Text to synthesise in one engine call, and the pause that follows it."""

    text: str
    pause_after: Pause


_SPEAKABLE: Final = re.compile(r"\w")
_FINAL_PUNCTUATION: Final = re.compile(r"[.!?\u2026][\"'\u201d\u2019)\]]*$")


def _speech_text(text: str, lexicon: Lexicon | None) -> str:
    spoken = normalise_for_speech(text)
    return lexicon.apply(spoken) if lexicon is not None else spoken


def _chunks(text: str, max_chars: int, last_pause: Pause) -> list[SpeechChunk]:
    pieces = [piece for piece in chunk_text(text, max_chars) if _SPEAKABLE.search(piece)]
    return [
        SpeechChunk(piece, last_pause if index == len(pieces) - 1 else Pause.SENTENCE)
        for index, piece in enumerate(pieces)
    ]


def _closed_title(title: str) -> str:
    """The title with a full stop if it has no final punctuation, so the voice ends it
    with a falling tone instead of running on."""
    title = title.rstrip(" ,;:")
    if title and not _FINAL_PUNCTUATION.search(title):
        return f"{title}."
    return title


def chapter_speech(
    title: str,
    paragraphs: Sequence[str],
    max_chars: int,
    lexicon: Lexicon | None = None,
) -> list[SpeechChunk]:
    """The chunks of one chapter in reading order: the title first (its last chunk
    followed by a `TITLE` pause), then each paragraph's chunks (`SENTENCE` pauses inside
    a paragraph, `PARAGRAPH` after its last chunk). The very last chunk has a `CHAPTER`
    pause. Paragraphs with nothing to say (only a note marker) are left out."""
    chunks = _chunks(_closed_title(_speech_text(title, lexicon)), max_chars, Pause.TITLE)
    for paragraph in paragraphs:
        chunks.extend(_chunks(_speech_text(paragraph, lexicon), max_chars, Pause.PARAGRAPH))
    if chunks:
        chunks[-1] = SpeechChunk(chunks[-1].text, Pause.CHAPTER)
    return chunks
