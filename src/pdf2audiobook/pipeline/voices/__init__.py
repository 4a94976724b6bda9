"""Voices: speech providers, their voices, a chunk cache, and in-order synthesis."""

from pdf2audiobook.pipeline.voices.base import (
    MAX_SPEED,
    MIN_SPEED,
    ProviderStatus,
    SpeechAudio,
    TTSProvider,
    VoiceInfo,
    normalise_text,
    validate_speed,
)
from pdf2audiobook.pipeline.voices.cache import ChunkCache, default_cache_dir
from pdf2audiobook.pipeline.voices.errors import (
    ChunkTooLongError,
    InvalidSpeedError,
    SpeechSynthesisError,
    UnknownProviderError,
    UnknownVoiceError,
    VoiceUnavailableError,
)
from pdf2audiobook.pipeline.voices.registry import (
    DEFAULT_PROVIDER,
    PROVIDERS,
    get_provider,
    provider_statuses,
)
from pdf2audiobook.pipeline.voices.synthesis import (
    SpeechStream,
    SynthesisStats,
    default_workers,
    synthesise,
)

__all__ = [
    "DEFAULT_PROVIDER",
    "MAX_SPEED",
    "MIN_SPEED",
    "PROVIDERS",
    "ChunkCache",
    "ChunkTooLongError",
    "InvalidSpeedError",
    "ProviderStatus",
    "SpeechAudio",
    "SpeechStream",
    "SpeechSynthesisError",
    "SynthesisStats",
    "TTSProvider",
    "UnknownProviderError",
    "UnknownVoiceError",
    "VoiceInfo",
    "VoiceUnavailableError",
    "default_cache_dir",
    "default_workers",
    "get_provider",
    "normalise_text",
    "provider_statuses",
    "synthesise",
    "validate_speed",
]
