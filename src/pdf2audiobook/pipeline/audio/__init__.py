"""The audio stage: pauses, loudness normalisation, streaming M4B/MP3 writers, and joining
per-chapter files into one book without re-encoding."""

from pdf2audiobook.pipeline.audio.assemble import join_chapter_files
from pdf2audiobook.pipeline.audio.errors import (
    AudioEncodingError,
    AudioError,
    AudioWriterStateError,
    EmptyChapterError,
    InvalidAudioArgumentError,
)
from pdf2audiobook.pipeline.audio.loudness import LoudnessNormaliser
from pdf2audiobook.pipeline.audio.meter import LoudnessMeter, sample_peak_dbfs
from pdf2audiobook.pipeline.audio.silence import Pauses, silence
from pdf2audiobook.pipeline.audio.tags import BookTags, ChapterMark, WrittenBook
from pdf2audiobook.pipeline.audio.writers import AudiobookFormat, AudiobookWriter, open_writer

__all__ = [
    "AudioEncodingError",
    "AudioError",
    "AudioWriterStateError",
    "AudiobookFormat",
    "AudiobookWriter",
    "BookTags",
    "ChapterMark",
    "EmptyChapterError",
    "InvalidAudioArgumentError",
    "LoudnessMeter",
    "LoudnessNormaliser",
    "Pauses",
    "WrittenBook",
    "join_chapter_files",
    "open_writer",
    "sample_peak_dbfs",
    "silence",
]
