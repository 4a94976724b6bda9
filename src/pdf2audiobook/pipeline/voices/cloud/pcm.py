"""Turning a speech API's audio answer into `SpeechAudio`: raw PCM16 or a PCM16 WAV file.

Provider-neutral: every cloud provider that can be asked for uncompressed 16-bit audio
decodes its answer here, so no provider needs an audio codec.
"""

from __future__ import annotations

import io
import wave

import numpy as np
import numpy.typing as npt

from pdf2audiobook.pipeline.voices.base import SpeechAudio
from pdf2audiobook.pipeline.voices.errors import SpeechSynthesisError

_PCM16_SCALE = np.float32(1 / 32768)
"""-32768 maps to exactly -1.0 and 32767 to just under 1.0."""

_TEXT_CONTENT_TYPES = ("application/json", "application/problem+json", "text/")
"""A 2xx answer of these types is an error page or JSON, never audio, though its bytes
could pass for PCM samples."""


class MalformedAudioError(SpeechSynthesisError):
    """The provider answered successfully, but not with audio in the format asked for."""

    code = "malformed_audio"


def pcm16_to_float(raw: bytes) -> npt.NDArray[np.float32]:
    """Little-endian signed 16-bit mono samples as float32 in [-1, 1].

    Empty input gives an empty array. Raises `MalformedAudioError` for an odd number of
    bytes: a cut-off answer, or not 16-bit audio at all.
    """
    if len(raw) % 2:
        raise MalformedAudioError(
            f"The audio received is {len(raw)} bytes long, which cannot be 16-bit samples; "
            "the answer was probably cut off."
        )
    samples: npt.NDArray[np.float32] = np.frombuffer(raw, dtype="<i2").astype(np.float32)
    samples *= _PCM16_SCALE
    return samples


def is_wav(data: bytes) -> bool:
    """Whether `data` starts like a RIFF/WAVE file."""
    return data[:4] == b"RIFF" and data[8:12] == b"WAVE"


def wav_to_audio(data: bytes) -> SpeechAudio:
    """The samples and sample rate of a RIFF/WAVE file holding 16-bit mono PCM.

    Raises `MalformedAudioError` for anything else: not a WAV file, truncated, compressed,
    float, 8/24/32-bit or more than one channel.
    """
    try:
        with wave.open(io.BytesIO(data), "rb") as reader:
            channels = reader.getnchannels()
            sample_width = reader.getsampwidth()
            rate = reader.getframerate()
            # A streamed WAV may declare a data size larger than what follows (often
            # 0xFFFFFFFF); readframes then returns what is actually there.
            raw = reader.readframes(reader.getnframes())
    except (wave.Error, EOFError) as error:
        raise MalformedAudioError(
            f"The audio received is not a readable WAV file: {error}."
        ) from None
    if channels != 1 or sample_width != 2:
        raise MalformedAudioError(
            f"The WAV audio received has {channels} channel(s) of {8 * sample_width}-bit "
            "samples; only mono 16-bit PCM is supported."
        )
    if rate <= 0:
        raise MalformedAudioError(f"The WAV audio received declares a sample rate of {rate} Hz.")
    return SpeechAudio(pcm16_to_float(raw), rate)


def decode_speech(
    body: bytes, content_type: str, *, provider: str, sample_rate: int, rate_hint: str = ""
) -> SpeechAudio:
    """The audio of a successful speech answer: a WAV file, else raw PCM16 at `sample_rate`.

    A WAV answer is accepted even where raw PCM was asked for, since some servers ignore
    the requested format; its own sample rate must then equal `sample_rate`, because the
    caller has already promised that rate (`rate_hint`, if given, ends the message saying
    how to fix a mismatch). Raises `MalformedAudioError` for an empty answer, a JSON or
    text answer, a cut-off sample, or a rate mismatch.
    """
    if content_type.strip().lower().startswith(_TEXT_CONTENT_TYPES):
        snippet = body[:200].decode("utf-8", errors="replace").strip()
        raise MalformedAudioError(
            f"{provider} answered with {content_type!r} instead of audio: {snippet!r}."
        )
    audio = wav_to_audio(body) if is_wav(body) else SpeechAudio(pcm16_to_float(body), sample_rate)
    if audio.sample_rate != sample_rate:
        raise MalformedAudioError(
            f"{provider} answered with {audio.sample_rate} Hz audio where {sample_rate} Hz "
            f"was expected.{' ' + rate_hint if rate_hint else ''}"
        )
    if not len(audio.samples):
        raise MalformedAudioError(f"{provider} answered with no audio for a non-empty text.")
    return audio
