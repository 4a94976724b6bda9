"""What narration works on: a chapter's speech, the voice reading it, and where it goes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pdf2audiobook.pipeline.audio import AudiobookFormat, BookTags
from pdf2audiobook.pipeline.speech import SpeechChunk

TARGET_LUFS = -18.0
PEAK_CEILING_DBFS = -3.0
LOWPASS_HZ = 10_000.0
CODEC_HEADROOM_DB: dict[str, float] = {"m4b": 0.5, "mp3": 1.0}
"""Lossy encoders overshoot the PCM they are given. With energy above 10 kHz filtered
out, AAC stayed within 0.2 dB and LAME at 64 kbps within 0.5 dB on this voice; the
limiter leaves that room so the decoded book stays under the ceiling."""
CODEC_LOUDNESS_LOSS_DB: dict[str, float] = {"m4b": 0.0, "mp3": 0.4}
"""LAME at 64 kbps mono cuts the top of the band, where K-weighting counts a voice's
sibilants: hibari speech decoded from such an MP3 measured 0.44 dB under its PCM (AAC:
0.04 dB). The MP3's PCM aims that much higher, so what the listener hears is on target."""


@dataclass(frozen=True, slots=True)
class ChapterSpeech:
    title: str
    chunks: list[SpeechChunk]


@dataclass(frozen=True, slots=True)
class VoiceChoice:
    provider: str
    voice: str
    speed: float
    sample_rate: int


@dataclass(frozen=True, slots=True)
class OutputSpec:
    path: Path
    fmt: AudiobookFormat
    tags: BookTags
    cover_jpeg: bytes | None


def chapter_characters(chapter: ChapterSpeech) -> int:
    return sum(len(chunk.text) for chunk in chapter.chunks)
