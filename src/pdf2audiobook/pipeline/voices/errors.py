"""Failures of the speech stage, each with a message a person can act on."""

from __future__ import annotations

from pdf2audiobook.pipeline.errors import PipelineError

# Every error here takes a single message argument, like PipelineError, so instances
# pickle cleanly and reach the main process intact when raised in a worker process.


class VoiceUnavailableError(PipelineError):
    """The voice exists but cannot speak on this machine (not installed, not downloaded)."""

    code = "voice_unavailable"


class UnknownVoiceError(VoiceUnavailableError):
    """No voice or voice type of that name exists for the chosen provider."""

    code = "unknown_voice"


class InvalidSpeedError(PipelineError):
    """The speaking speed is outside the range the engines support."""

    code = "invalid_speed"


class UnknownProviderError(PipelineError):
    """No speech provider of that name exists."""

    code = "unknown_provider"


class ChunkTooLongError(PipelineError):
    """A piece of text is longer than the provider accepts in one call."""

    code = "chunk_too_long"


class SpeechSynthesisError(PipelineError):
    """The speech engine failed, or a worker process running it died."""

    code = "speech_failed"
