"""When the chosen provider fails mid-book, the chapter is read again by the next one."""

from __future__ import annotations

from pathlib import Path

import av
import pytest

from pdf2audiobook.pipeline.book_builder import build_book
from pdf2audiobook.pipeline.convert import ConvertOptions, convert_book, spoken_paragraphs
from pdf2audiobook.pipeline.reading.reader import ReadOptions, read_pdf
from pdf2audiobook.pipeline.speech import chapter_speech
from pdf2audiobook.pipeline.voices import get_provider
from pdf2audiobook.pipeline.voices.cloud.errors import ProviderOutageError
from pdf2audiobook.pipeline.voices.tone import ENABLE_ENV_VAR
from tests.conftest import SAMPLES
from tests.pipeline.voices.cloud.fake_openai import FakeOpenAI, server_error
from tests.pipeline.voices.cloud.fake_service import Answer, RecordedRequest

SAMPLE = SAMPLES / "sample-book.pdf"
SERVER_RATE = 16_000


class ServerThatDiesAfter(FakeOpenAI):
    """Answers normally for `healthy` requests, then only with 500s, like an outage."""

    def __init__(self, healthy: int) -> None:
        super().__init__(api_key="sk-local", sample_rate=SERVER_RATE, voices=None, models=None)
        self.healthy = healthy
        self.answered = 0

    def respond(self, request: RecordedRequest) -> Answer:
        self.answered += 1
        if self.answered > self.healthy:
            return server_error()
        return super().respond(request)


def _chunks_per_chapter() -> list[int]:
    # Chunks must fit both voices, so the smaller limit decides how the text is cut.
    limit = min(get_provider(name).max_chars for name in ("openai-compatible", "tone"))
    book = build_book(read_pdf(SAMPLE, ReadOptions()))
    return [len(chapter_speech(c.title, spoken_paragraphs(c), limit)) for c in book.chapters]


@pytest.fixture
def compatible_server(monkeypatch: pytest.MonkeyPatch) -> ServerThatDiesAfter:
    first_chapter = _chunks_per_chapter()[0]
    # The outage starts three chunks into the second chapter.
    server = ServerThatDiesAfter(healthy=first_chapter + 3)
    monkeypatch.setenv("OPENAI_COMPATIBLE_API_KEY", "sk-local")
    monkeypatch.setenv("OPENAI_COMPATIBLE_MODEL", "kokoro")
    monkeypatch.setenv("OPENAI_COMPATIBLE_VOICE", "af_heart")
    monkeypatch.setenv("OPENAI_COMPATIBLE_SAMPLE_RATE", str(SERVER_RATE))
    # The voice that takes over: the test voice, as this tests the hand-over, not a voice.
    monkeypatch.setenv(ENABLE_ENV_VAR, "1")
    return server


def test_outage_mid_book_hands_the_chapter_to_the_next_provider(
    compatible_server: ServerThatDiesAfter, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with compatible_server:
        monkeypatch.setenv("OPENAI_COMPATIBLE_BASE_URL", compatible_server.url)
        result = convert_book(
            SAMPLE,
            ConvertOptions(
                output=tmp_path / "book.m4b",
                provider="openai-compatible",
                fallback_providers=("tone",),
                workers=1,
            ),
        )
    voices = result.chapter_voices
    assert voices[0][0] == "openai-compatible"
    assert voices[1:] == [("tone", "high"), ("tone", "high")]
    assert set(result.characters_by_provider) == {"openai-compatible", "tone"}
    with av.open(str(result.path)) as container:
        assert container.streams.audio[0].sample_rate == SERVER_RATE
        assert len(container.chapters()) == 3


def test_outage_with_no_fallback_fails_with_the_providers_message(
    compatible_server: ServerThatDiesAfter, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with compatible_server:
        monkeypatch.setenv("OPENAI_COMPATIBLE_BASE_URL", compatible_server.url)
        with pytest.raises(ProviderOutageError, match="not answering properly"):
            convert_book(
                SAMPLE,
                ConvertOptions(
                    output=tmp_path / "book.m4b", provider="openai-compatible", workers=1
                ),
            )
    assert list(tmp_path.iterdir()) == []
