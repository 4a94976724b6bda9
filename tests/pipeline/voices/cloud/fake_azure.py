"""A local Azure Speech text-to-speech REST server, answering as the documented API does.

`POST /cognitiveservices/v1` checks the subscription key (401), the Content-Type (415),
the output format and User-Agent (400), and parses the SSML like the service: it must be
well-formed XML with `<speak version xmlns xml:lang>` around at most 50 known voices
(400 otherwise). It answers PCM whose length follows the text and the prosody rate
(read as Azure reads it: "+50%" is 1.5x, "0.5" is half, within 0.5-2x), cut at 10
minutes as Azure cuts it, raw or as WAV as the output format asks. The texts it
understood are kept in `spoken_texts`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree

from .fake_service import (
    SECONDS_PER_CHARACTER,
    Answer,
    FakeSpeechService,
    RecordedRequest,
    tone_pcm16,
    wav_file,
)

VOICES = frozenset({"en-US-JennyNeural", "en-US-GuyNeural", "de-DE-KatjaNeural"})
OUTPUT_FORMATS = {  # a few of the documented formats: name -> (sample rate, WAV header)
    "raw-16khz-16bit-mono-pcm": (16_000, False),
    "raw-24khz-16bit-mono-pcm": (24_000, False),
    "riff-24khz-16bit-mono-pcm": (24_000, True),
}
MAX_AUDIO_SECONDS = 600
MAX_VOICE_ELEMENTS = 50
SSML = "{http://www.w3.org/2001/10/synthesis}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
RATE_CONSTANTS = {"x-slow": 0.5, "slow": 0.7, "medium": 1.0, "default": 1.0, "fast": 1.4}
RATE_CONSTANTS["x-fast"] = 2.0


def too_many_requests(retry_after: str) -> Answer:
    return Answer(429, b"", {"Retry-After": retry_after})


def bad_gateway() -> Answer:
    return Answer(502, b"Bad gateway", {"Content-Type": "text/plain"})


SIGN_IN_PAGE = Answer(200, b"<html>Sign in</html>", {"Content-Type": "text/html"})
"""What a captive portal or misrouted proxy answers: 200, but no audio."""


class FakeAzureSpeech(FakeSpeechService):
    """Accepts `key`. `seconds_per_character` sets the pace (raise it to hit the cut)."""

    def __init__(self, *, key: str = "test-azure-key") -> None:
        super().__init__()
        self.key = key
        self.seconds_per_character = SECONDS_PER_CHARACTER
        self.spoken_texts: list[str] = []

    def refuse_credentials(self, request: RecordedRequest) -> Answer | None:
        if request.headers.get("ocp-apim-subscription-key") == self.key:
            return None
        message = (
            "Access denied due to invalid subscription key or wrong API endpoint. Make sure "
            "to provide a valid key for an active subscription and use a correct regional "
            "API endpoint for your resource."
        )
        return Answer.of_json(401, {"error": {"code": "401", "message": message}})

    def respond(self, request: RecordedRequest) -> Answer:
        if request.method != "POST" or request.path != "/cognitiveservices/v1":
            return Answer(404, b"")
        content_type = request.headers.get("content-type", "").split(";")[0].strip()
        if content_type != "application/ssml+xml":
            return Answer(415, b"")
        output = OUTPUT_FORMATS.get(request.headers.get("x-microsoft-outputformat", ""))
        agent = request.headers.get("user-agent", "")
        if output is None or not agent or len(agent) >= 255:
            return Answer(400, b"")
        try:
            text, rate = _read_ssml(request.body)
        except (ElementTree.ParseError, ValueError):
            return Answer(400, b"")
        self.spoken_texts.append(text)
        sample_rate, as_wav = output
        seconds = min(len(text.strip()) * self.seconds_per_character / rate, MAX_AUDIO_SECONDS)
        pcm = tone_pcm16(round(seconds * sample_rate), sample_rate)
        if as_wav:
            return Answer(200, wav_file(pcm, sample_rate), {"Content-Type": "audio/x-wav"})
        return Answer(200, pcm, {"Content-Type": "audio/x-wav"})


def _read_ssml(body: bytes) -> tuple[str, float]:
    """The spoken text and rate multiplier; raises for SSML the service would refuse."""
    root = ElementTree.fromstring(body)
    if root.tag != f"{SSML}speak" or root.get("version") != "1.0" or not root.get(XML_LANG):
        raise ValueError("<speak> needs the SSML namespace, version 1.0 and xml:lang")
    voices = root.findall(f"{SSML}voice")
    if not voices or len(voices) > MAX_VOICE_ELEMENTS:
        raise ValueError("<speak> needs 1 to 50 <voice> elements")
    if any(voice.get("name") not in VOICES for voice in voices):
        raise ValueError("unknown voice")
    rates = [_multiplier(p.get("rate", "default")) for p in root.iter(f"{SSML}prosody")]
    return "".join("".join(voice.itertext()) for voice in voices), rates[0] if rates else 1.0


def _multiplier(rate: str) -> float:
    """Azure's readings of a prosody rate, clamped to the 0.5-2x it supports."""
    if rate in RATE_CONSTANTS:
        value = RATE_CONSTANTS[rate]
    elif rate.endswith("%"):
        value = 1 + float(rate[:-1]) / 100  # "+50%", "-50%" and "50%" are all changes
    else:
        value = float(rate)
    return min(max(value, 0.5), 2.0)
