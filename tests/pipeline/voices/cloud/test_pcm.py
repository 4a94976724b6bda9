"""Raw PCM16 and WAV answers become float32 speech; anything else is a typed error."""

from __future__ import annotations

import numpy as np
import pytest

from pdf2audiobook.pipeline.voices.cloud.pcm import (
    MalformedAudioError,
    decode_speech,
    is_wav,
    pcm16_to_float,
    wav_to_audio,
)
from pdf2audiobook.pipeline.voices.errors import SpeechSynthesisError
from tests.pipeline.voices.cloud.fake_service import tone_pcm16, wav_file

EXTREMES = np.array([0, 1, -1, 32767, -32768, 16384], dtype="<i2").tobytes()


def test_pcm16_maps_full_scale_to_minus_one_up_to_just_under_one() -> None:
    samples = pcm16_to_float(EXTREMES)

    assert samples.dtype == np.float32
    assert samples.tolist() == pytest.approx(
        [0.0, 1 / 32768, -1 / 32768, 32767 / 32768, -1.0, 0.5], abs=1e-9
    )


def test_pcm16_reads_little_endian_whatever_the_machine() -> None:
    assert pcm16_to_float(b"\x00\x40").tolist() == [0.5]


def test_empty_pcm_is_empty_audio_and_an_odd_byte_count_is_malformed() -> None:
    assert len(pcm16_to_float(b"")) == 0
    with pytest.raises(MalformedAudioError, match="cut off"):
        pcm16_to_float(b"\x00\x40\x00")


def test_malformed_audio_is_a_speech_synthesis_failure() -> None:
    assert issubclass(MalformedAudioError, SpeechSynthesisError)
    assert MalformedAudioError.code == "malformed_audio"


def test_wav_mono_pcm16_gives_its_samples_and_rate() -> None:
    audio = wav_to_audio(wav_file(EXTREMES, 22_050))

    assert audio.sample_rate == 22_050
    assert audio.samples.tolist() == pcm16_to_float(EXTREMES).tolist()


def test_a_streamed_wav_declaring_an_unknown_length_is_read_to_its_end() -> None:
    data = bytearray(wav_file(tone_pcm16(480, 24_000), 24_000))
    data[40:44] = b"\xff\xff\xff\xff"  # the data chunk's size, as streaming writers leave it

    assert len(wav_to_audio(bytes(data)).samples) == 480


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"not a wav file at all", "not a readable WAV"),
        (wav_file(EXTREMES, 24_000)[:30], "not a readable WAV"),
        (wav_file(EXTREMES + EXTREMES, 24_000, channels=2), "2 channel"),
        (wav_file(b"\x80\x81\x82", 24_000, width=1), "8-bit"),
    ],
    ids=["not-riff", "truncated-header", "stereo", "8-bit"],
)
def test_anything_but_a_mono_pcm16_wav_is_malformed(data: bytes, problem: str) -> None:
    with pytest.raises(MalformedAudioError, match=problem):
        wav_to_audio(data)


def test_wav_is_recognised_by_its_riff_wave_header() -> None:
    assert is_wav(wav_file(EXTREMES, 24_000))
    assert not is_wav(EXTREMES)
    assert not is_wav(b"RIFF\x00\x00\x00\x00AVI ")


def test_decode_speech_takes_raw_pcm_at_the_promised_rate_or_a_wav_at_that_rate() -> None:
    raw = decode_speech(EXTREMES, "audio/pcm", provider="p", sample_rate=24_000)
    wav = decode_speech(wav_file(EXTREMES, 24_000), "audio/wav", provider="p", sample_rate=24_000)

    assert raw.sample_rate == wav.sample_rate == 24_000
    assert raw.samples.tolist() == wav.samples.tolist()


def test_decode_speech_refuses_a_wav_at_another_rate_with_the_hint() -> None:
    with pytest.raises(MalformedAudioError, match=r"22050 Hz .* 24000 Hz .* Set THE_RATE"):
        decode_speech(
            wav_file(EXTREMES, 22_050),
            "audio/wav",
            provider="p",
            sample_rate=24_000,
            rate_hint="Set THE_RATE.",
        )


@pytest.mark.parametrize(
    ("body", "content_type", "problem"),
    [
        (b'{"error": "nope"}', "application/json", "instead of audio"),
        (b"<html>gateway</html>", "text/html; charset=utf-8", "instead of audio"),
        (b"", "audio/pcm", "no audio"),
        (b"\x01\x02\x03", "audio/pcm", "cut off"),
    ],
    ids=["json", "html", "empty", "odd-bytes"],
)
def test_decode_speech_refuses_what_is_not_audio(
    body: bytes, content_type: str, problem: str
) -> None:
    with pytest.raises(MalformedAudioError, match=problem):
        decode_speech(body, content_type, provider="p", sample_rate=24_000)
