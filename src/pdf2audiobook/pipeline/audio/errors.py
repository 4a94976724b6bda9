"""Failures of the audio stage: bad input, an empty chapter, or an encoder that could not write."""

from __future__ import annotations

from pdf2audiobook.pipeline.errors import PipelineError


class AudioError(PipelineError):
    """Base of every expected failure of the audio stage."""

    code = "audio_error"


class InvalidAudioArgumentError(AudioError):
    """A caller passed something the audio stage cannot use: a format, rate, level or block."""

    code = "invalid_audio_argument"


class AudioWriterStateError(AudioError):
    """A writer or normaliser was used out of order: audio before a chapter, or after closing."""

    code = "audio_writer_state"


class EmptyChapterError(AudioError):
    """A chapter would have no audio, so it would be a marker pointing at nothing."""

    code = "empty_chapter"


class AudioEncodingError(AudioError):
    """The encoder, the container or the disk refused to write the audiobook."""

    code = "audio_encoding_failed"
