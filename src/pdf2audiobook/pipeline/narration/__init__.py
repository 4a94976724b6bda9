"""From speech chunks to audio files: a book spoken in work units on every core, or one
chapter spoken alone (for a book whose chapters are spoken on other machines)."""

from pdf2audiobook.pipeline.narration.book import Narration, narrate_book
from pdf2audiobook.pipeline.narration.chapter import (
    ChapterNarration,
    ChapterProgressCallback,
    narrate_chapter,
)
from pdf2audiobook.pipeline.narration.model import (
    CODEC_HEADROOM_DB,
    PEAK_CEILING_DBFS,
    TARGET_LUFS,
    ChapterSpeech,
    OutputSpec,
    VoiceChoice,
    chapter_characters,
)
from pdf2audiobook.pipeline.narration.units import WorkUnit, dispatch_order, split_into_units
from pdf2audiobook.pipeline.narration.workers import UnitWorkers

__all__ = [
    "CODEC_HEADROOM_DB",
    "PEAK_CEILING_DBFS",
    "TARGET_LUFS",
    "ChapterNarration",
    "ChapterProgressCallback",
    "ChapterSpeech",
    "Narration",
    "OutputSpec",
    "UnitWorkers",
    "VoiceChoice",
    "WorkUnit",
    "chapter_characters",
    "dispatch_order",
    "narrate_book",
    "narrate_chapter",
    "split_into_units",
]
