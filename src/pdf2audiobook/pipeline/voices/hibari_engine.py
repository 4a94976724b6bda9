"""The hibari engine: its voice catalogue, where each voice's model lives, and synthesis.

Only "heart" ships inside the hibari wheel. The others are single ONNX files that hibari
would download on first use; this module never lets it, so nothing reaches the network.
"""

from __future__ import annotations

import importlib.metadata
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pdf2audiobook.pipeline.voices.base import SpeechAudio, VoiceInfo
from pdf2audiobook.pipeline.voices.errors import SpeechSynthesisError, VoiceUnavailableError

SAMPLE_RATE = 24_000
BUNDLED_VOICE = "heart"
_SEED = 0
"""A fixed noise seed makes output bit-identical across calls and processes."""
_THREADS = 1
"""One onnxruntime thread per process: a second thread was slower on a shared two-core
machine (tts-audio.md §1); parallelism comes from worker processes instead. hibari's
output bits also depend on the thread count, so it is part of the engine version."""

_NUMBER = re.compile(r"\d[\d,]*")
_MAX_READABLE_DIGITS = 33
"""hibari reads integers up to decillions; from 37 digits on its number reading fails
with IndexError, which would stop a whole book. Longer numbers are read digit by digit."""

_engines: dict[str, Any] = {}
_engines_lock = threading.Lock()


@dataclass(frozen=True)
class HibariVoice:
    """One entry of hibari's voice registry."""

    name: str
    voice_type: str
    language: str
    accent: str
    file_name: str
    size_bytes: int
    sha256: str
    bundled: bool


def voices() -> list[HibariVoice]:
    """hibari's voices, from the registry inside its wheel."""
    from hibari.voices import VOICES

    return [
        HibariVoice(
            name=name,
            voice_type=entry["gender"],
            language=entry["language"],
            accent=entry["accent"],
            file_name=entry["file"],
            size_bytes=int(entry["bytes"]),
            sha256=entry["sha256"],
            bundled=bool(entry.get("bundled")),
        )
        for name, entry in VOICES.items()
    ]


def voice_named(name: str) -> HibariVoice | None:
    """The voice called `name`, or None when hibari has no such voice."""
    return next((voice for voice in voices() if voice.name == name), None)


def cache_dir() -> Path:
    """Where hibari keeps downloaded voices: $HIBARI_HOME, else the user cache directory."""
    from hibari.voices import cache_dir as hibari_cache_dir

    return Path(hibari_cache_dir())


def model_path(voice: HibariVoice) -> Path:
    """Where `voice`'s model file is, or would have to be copied to."""
    if voice.bundled:
        import hibari

        return Path(hibari.__file__).parent / "assets" / voice.file_name
    return cache_dir() / voice.file_name


def unavailable_reason(voice: HibariVoice) -> str | None:
    """None when `voice`'s model file is present and complete, else why it is not."""
    path = model_path(voice)
    if not path.is_file():
        return (
            "not installed: hibari downloads this voice on first use and this machine is "
            f"offline; copy {voice.file_name} to {path.parent}"
        )
    size = path.stat().st_size
    if size != voice.size_bytes:
        return (
            f"incomplete: {path} is {size} bytes but should be {voice.size_bytes}; "
            "copy the file again"
        )
    return None


def describe(voice: HibariVoice, provider: str) -> VoiceInfo:
    """`voice` as the provider lists it."""
    reason = unavailable_reason(voice)
    where = "ships with the program" if voice.bundled else "separate download"
    return VoiceInfo(
        name=voice.name,
        provider=provider,
        voice_type=voice.voice_type,
        language=voice.language,
        available=reason is None,
        reason=reason,
        description=f"{voice.accent} English, {voice.voice_type}; hibari neural voice ({where})",
    )


def engine_version(voice: HibariVoice) -> str:
    """Package version, model checksum and synthesis settings that fix the output."""
    package = importlib.metadata.version("hibari-tts")
    return (
        f"hibari-tts {package}; model {voice.file_name} sha256 {voice.sha256[:16]}; "
        f"seed {_SEED}; threads {_THREADS}"
    )


def load(voice: HibariVoice) -> Any:
    """The engine for `voice`, loaded once per process.

    The model path is passed explicitly, so hibari never tries to download. Raises
    `VoiceUnavailableError` when the model file is missing or cannot be loaded.
    """
    with _engines_lock:
        engine = _engines.get(voice.name)
        if engine is None:
            engine = _load_uncached(voice)
            _engines[voice.name] = engine
        return engine


def _load_uncached(voice: HibariVoice) -> Any:
    reason = unavailable_reason(voice)
    if reason is not None:
        raise VoiceUnavailableError(f"The voice {voice.name!r} cannot be used: {reason}.")
    from hibari import Hibari

    try:
        engine = Hibari(voice=voice.name, model=str(model_path(voice)), threads=_THREADS)
        # The pronouncing dictionaries load lazily (about 0.3 s); load them now, so a
        # worker is fully ready when its initializer returns.
        _ = engine.g2p
    except Exception as error:
        # hibari reports a failed download as RuntimeError (its message says where to
        # copy the file); onnxruntime reports a damaged model with its own exception
        # classes, which derive from Exception only. Either way the voice cannot speak.
        raise VoiceUnavailableError(
            f"The voice {voice.name!r} could not be loaded: {error}"
        ) from error
    return engine


def synthesise(voice: HibariVoice, text: str, speed: float) -> SpeechAudio:
    """Speak `text`; sentence arrays from hibari's stream are joined in order.

    Raises `VoiceUnavailableError` when the voice cannot load and `SpeechSynthesisError`
    when the engine fails on the text.
    """
    engine = load(voice)
    try:
        sentences = list(engine.stream(_readable_numbers(text), speed=speed, seed=_SEED))
    except Exception as error:
        raise SpeechSynthesisError(
            f"The voice {voice.name!r} failed to speak {_preview(text)}: {error}"
        ) from error
    if not sentences:
        return SpeechAudio.silence(SAMPLE_RATE)
    samples = np.concatenate(sentences).astype(np.float32, copy=False)
    return SpeechAudio(np.clip(samples, -1.0, 1.0), SAMPLE_RATE)


def _readable_numbers(text: str) -> str:
    def digit_by_digit(match: re.Match[str]) -> str:
        digits = match.group().replace(",", "")
        return " ".join(digits) if len(digits) > _MAX_READABLE_DIGITS else match.group()

    return _NUMBER.sub(digit_by_digit, text)


def _preview(text: str) -> str:
    return repr(text if len(text) <= 60 else text[:57] + "...")
