"""What runs inside a speech worker process: one provider, loaded once, speaking chunks."""

from __future__ import annotations

import os

from pdf2audiobook.pipeline.errors import PipelineError
from pdf2audiobook.pipeline.voices.base import SpeechAudio, TTSProvider
from pdf2audiobook.pipeline.voices.errors import SpeechSynthesisError
from pdf2audiobook.pipeline.voices.registry import get_provider

_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")

_provider: TTSProvider | None = None
_startup_error: PipelineError | None = None


def initialise(provider_name: str, voice: str) -> None:
    """Pool initializer: one compute thread, then load the provider and voice once.

    A failure is kept and raised by each task instead: an exception escaping an
    initializer breaks the whole pool and loses its message.
    """
    global _provider, _startup_error
    # The engines run on one thread and the pool supplies the parallelism; these stop
    # OpenMP or BLAS libraries loaded from here on from starting a thread per core.
    for variable in _THREAD_VARIABLES:
        os.environ[variable] = "1"
    try:
        provider = get_provider(provider_name)
        provider.prepare(voice)
    except PipelineError as error:
        _startup_error = error
    except Exception as error:
        _startup_error = SpeechSynthesisError(
            f"The speech worker could not start the {provider_name!r} voice {voice!r}: "
            f"{type(error).__name__}: {error}"
        )
    else:
        _provider = provider


def speak(text: str, voice: str, speed: float) -> tuple[SpeechAudio, int]:
    """Pool task: the audio for `text` and the id of the process that made it."""
    if _startup_error is not None:
        raise type(_startup_error)(_startup_error.message)
    if _provider is None:
        raise SpeechSynthesisError("The speech worker was used before it was initialised.")
    return speak_with(_provider, text, voice, speed), os.getpid()


def speak_with(provider: TTSProvider, text: str, voice: str, speed: float) -> SpeechAudio:
    """`provider.text_to_audio`, with any unexpected failure turned into a typed error.

    Raises the provider's `PipelineError`s unchanged, anything else as
    `SpeechSynthesisError`, whose single message argument survives pickling.
    """
    try:
        return provider.text_to_audio(text, voice, speed)
    except PipelineError:
        raise
    except Exception as error:
        raise SpeechSynthesisError(
            f"The {provider.name!r} voice {voice!r} failed: {type(error).__name__}: {error}"
        ) from None
