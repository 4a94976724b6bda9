"""When the language model fails, the book's own sentences stand in, and the note says
so; the environment decides which summariser is used."""

from __future__ import annotations

from pathlib import Path

import pytest

from pdf2audiobook.pipeline.document import Book
from pdf2audiobook.pipeline.summary import (
    ExtractiveSummariser,
    FallbackSummariser,
    LlmSummariser,
    SummaryConfigurationError,
    summariser_from_environment,
)
from pdf2audiobook.pipeline.voices.cloud.http import RetryPolicy
from tests.pipeline.summary.conftest import llm_settings
from tests.pipeline.summary.fake_chat_server import FakeChatServer

INSTEAD = "This summary was made from the book's own sentences instead."


def _fallback(
    server: FakeChatServer, policy: RetryPolicy, **settings: object
) -> FallbackSummariser:
    # One request at a time, so the number of requests a failure costs is exact.
    primary = LlmSummariser(llm_settings(server, parallel_requests=1, **settings), policy=policy)
    return FallbackSummariser(primary, ExtractiveSummariser())


def test_a_working_model_writes_the_summary(
    memdesign: Book, chat_server: FakeChatServer, policy: RetryPolicy
) -> None:
    summary = _fallback(chat_server, policy).summarise_book(memdesign)

    assert summary.method == "llm"
    assert summary.note is None
    assert summary.text == chat_server.answers[-1]


def test_server_errors_fall_back_to_extractive_with_a_note(
    memdesign: Book, chat_server: FakeChatServer, policy: RetryPolicy
) -> None:
    chat_server.fail_always(500, b'{"error": {"message": "internal error"}}')

    summary = _fallback(chat_server, policy).summarise_book(memdesign)

    assert summary.method == "extractive"
    assert summary.text == ExtractiveSummariser().summarise_book(memdesign).text
    assert summary.note is not None
    assert summary.note.startswith("The language model could not be reached.")
    assert "500" in summary.note
    assert summary.note.endswith(INSTEAD)
    assert len(chat_server.exchanges) == 3


def test_a_malformed_answer_falls_back_with_a_note(
    memdesign: Book, chat_server: FakeChatServer, policy: RetryPolicy
) -> None:
    chat_server.fail_always(200, b'{"object": "chat.completion", "choices": []}')

    summary = _fallback(chat_server, policy).summarise_book(memdesign)

    assert summary.method == "extractive"
    assert summary.note is not None
    assert summary.note.startswith("The language model's answer could not be used.")
    assert summary.note.endswith(INSTEAD)


def test_refused_credentials_fall_back_with_a_note_about_them(
    memdesign: Book, chat_server: FakeChatServer, policy: RetryPolicy
) -> None:
    summary = _fallback(chat_server, policy, api_key="expired-key").summarise_book(memdesign)

    assert summary.method == "extractive"
    assert summary.note is not None
    assert "credentials" in summary.note
    assert "SUMMARY_LLM_API_KEY" in summary.note
    assert "expired-key" not in summary.note
    assert len(chat_server.exchanges) == 1


def test_after_refused_credentials_the_model_is_not_asked_again(
    memdesign: Book, chat_server: FakeChatServer, policy: RetryPolicy
) -> None:
    summariser = _fallback(chat_server, policy, api_key="expired-key")

    first = summariser.summarise_chapter(memdesign.chapters[3], 60)
    second = summariser.summarise_chapter(memdesign.chapters[4], 60)

    assert len(chat_server.exchanges) == 1
    assert second.method == "extractive"
    assert second.note == first.note


def test_after_a_malformed_answer_the_model_is_tried_again(
    memdesign: Book, chat_server: FakeChatServer, policy: RetryPolicy
) -> None:
    summariser = _fallback(chat_server, policy)
    chat_server.fail_next(200, b"{}")

    first = summariser.summarise_chapter(memdesign.chapters[0], 60)
    second = summariser.summarise_chapter(memdesign.chapters[1], 60)

    assert first.method == "extractive"
    assert second.method == "llm"
    assert second.note is None


def test_an_unreachable_model_falls_back(memdesign: Book, policy: RetryPolicy) -> None:
    with FakeChatServer() as server:
        settings = llm_settings(server)
    # The server is gone: connections are refused.
    summariser = FallbackSummariser(LlmSummariser(settings, policy=policy), ExtractiveSummariser())

    summary = summariser.summarise_chapter(memdesign.chapters[3], 60)

    assert summary.method == "extractive"
    assert summary.note is not None
    assert summary.note.startswith("The language model could not be reached.")


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """No SUMMARY_LLM_* variables and no `.env` in the working directory."""
    for name in ("BASE_URL", "API_KEY", "MODEL", "CHARS_PER_REQUEST"):
        monkeypatch.delenv(f"SUMMARY_LLM_{name}", raising=False)
    monkeypatch.chdir(tmp_path)
    return monkeypatch


@pytest.mark.usefixtures("clean_environment")
def test_without_settings_summaries_are_extractive() -> None:
    summariser = summariser_from_environment()

    assert isinstance(summariser, ExtractiveSummariser)


def test_with_an_address_and_a_model_the_language_model_is_used(
    clean_environment: pytest.MonkeyPatch,
) -> None:
    clean_environment.setenv("SUMMARY_LLM_BASE_URL", "http://127.0.0.1:9")
    clean_environment.setenv("SUMMARY_LLM_MODEL", "some-model")

    summariser = summariser_from_environment()

    assert isinstance(summariser, FallbackSummariser)


@pytest.mark.usefixtures("clean_environment")
def test_settings_are_read_from_a_dotenv_file() -> None:
    Path(".env").write_text(
        "SUMMARY_LLM_BASE_URL=http://127.0.0.1:9\nSUMMARY_LLM_MODEL=some-model\n", "utf-8"
    )

    assert isinstance(summariser_from_environment(), FallbackSummariser)


def test_an_address_without_a_model_is_noted_on_every_summary(
    memdesign: Book, clean_environment: pytest.MonkeyPatch
) -> None:
    clean_environment.setenv("SUMMARY_LLM_BASE_URL", "http://127.0.0.1:9")

    summary = summariser_from_environment().summarise_book(memdesign)

    assert summary.method == "extractive"
    assert summary.note is not None
    assert "SUMMARY_LLM_MODEL is not set" in summary.note


def test_invalid_settings_are_reported_by_name(clean_environment: pytest.MonkeyPatch) -> None:
    clean_environment.setenv("SUMMARY_LLM_BASE_URL", "http://127.0.0.1:9")
    clean_environment.setenv("SUMMARY_LLM_MODEL", "some-model")
    clean_environment.setenv("SUMMARY_LLM_CHARS_PER_REQUEST", "lots")

    with pytest.raises(SummaryConfigurationError, match="SUMMARY_LLM_CHARS_PER_REQUEST"):
        summariser_from_environment()
