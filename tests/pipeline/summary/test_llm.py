"""The language model summariser against a local OpenAI-compatible server: it reads the
whole book, chapter by chapter, reduces the chapter summaries into one, retries as the
server asks, and refuses answers that hold no summary."""

from __future__ import annotations

import json

import httpx
import pytest

from pdf2audiobook.pipeline.document import Book
from pdf2audiobook.pipeline.speech import split_sentences
from pdf2audiobook.pipeline.summary import (
    LlmSummariser,
    MalformedSummaryResponseError,
    SummaryConfigurationError,
    SummaryLlmSettings,
    chat_completions_url,
)
from pdf2audiobook.pipeline.voices.cloud.errors import (
    ProviderAuthError,
    ProviderOutageError,
    ProviderRequestError,
)
from pdf2audiobook.pipeline.voices.cloud.http import RetryPolicy
from tests.pipeline.summary.conftest import SleepRecorder, llm_settings, make_book
from tests.pipeline.summary.fake_chat_server import (
    API_KEY,
    FakeChatServer,
    chat_completion,
)

BUDGET_SLACK = 600
"""Characters of instructions a request adds around the book text it carries."""


def _paragraphs(book: Book) -> list[str]:
    return [p.text for chapter in book.chapters for p in chapter.paragraphs]


def test_every_chapter_of_the_book_reaches_the_model(
    memdesign: Book, chat_server: FakeChatServer, policy: RetryPolicy
) -> None:
    summariser = LlmSummariser(llm_settings(chat_server), policy=policy)

    summariser.summarise_book(memdesign, 150)

    sent = [exchange.user_text for exchange in chat_server.exchanges]
    assert chat_server.schema_problems == []
    for chapter in memdesign.chapters:
        assert any(f'"{chapter.title}"' in text for text in sent), chapter.title
        # Every paragraph, to the very last, is in some request: the whole book is read,
        # not its opening 12,000 characters.
        for paragraph in chapter.paragraphs:
            assert any(paragraph.text in text for text in sent), paragraph.text[:80]
    assert len(sent) > len(memdesign.chapters)
    assert all(len(text) <= 12_000 + BUDGET_SLACK for text in sent)


def test_the_summary_is_the_answer_to_the_request_combining_every_chapter(
    memdesign: Book, chat_server: FakeChatServer, policy: RetryPolicy
) -> None:
    summariser = LlmSummariser(llm_settings(chat_server), policy=policy)

    summary = summariser.summarise_book(memdesign, 150)

    assert summary.method == "llm"
    assert summary.note is None
    final = chat_server.exchanges[-1]
    assert summary.text == final.answer
    assert "about 150 words" in final.user_text
    partial_answers = chat_server.answers[:-1]
    assert partial_answers
    assert all(answer in final.user_text for answer in partial_answers)


def test_requests_carry_the_key_model_and_temperature(
    chat_server: FakeChatServer, policy: RetryPolicy
) -> None:
    book = make_book({"Only": ["A short book about paper and ink, in one sentence."]})
    settings = llm_settings(chat_server, temperature=0.7)

    LlmSummariser(settings, policy=policy).summarise_book(book, 50)

    (exchange,) = chat_server.exchanges
    assert exchange.path == "/v1/chat/completions"
    assert exchange.headers["authorization"] == f"Bearer {API_KEY}"
    body = json.loads(exchange.body)
    assert body["model"] == "test-model"
    assert body["temperature"] == 0.7
    assert [m["role"] for m in body["messages"]] == ["system", "user"]


def test_a_book_that_fits_one_request_is_summarised_in_one(
    chat_server: FakeChatServer, policy: RetryPolicy
) -> None:
    book = make_book(
        {
            "Paper": ["Paper is made from fibres pressed together."],
            "Ink": ["Ink sinks into uncoated paper."],
        }
    )

    summary = LlmSummariser(llm_settings(chat_server), policy=policy).summarise_book(book, 40)

    (exchange,) = chat_server.exchanges
    assert summary.text == exchange.answer
    assert '[the chapter "Paper"]' in exchange.user_text
    assert '[the chapter "Ink"]' in exchange.user_text


def test_a_long_chapter_is_cut_between_sentences_under_the_budget(
    chat_server: FakeChatServer, policy: RetryPolicy
) -> None:
    sentences = [f"Sentence number {n} talks about margins and measures." for n in range(120)]
    book = make_book({"Long": [" ".join(sentences)], "Short": ["A brief closing remark."]})
    settings = llm_settings(chat_server, chars_per_request=1_500, parallel_requests=1)

    LlmSummariser(settings, policy=policy).summarise_book(book, 60)

    parts = [e.user_text for e in chat_server.exchanges if 'of the chapter "Long"' in e.user_text]
    assert len(parts) >= 4
    assert all(len(text) <= 1_500 + BUDGET_SLACK for text in parts)
    for sentence in sentences:
        assert any(sentence in text for text in parts)


def test_too_many_chapter_summaries_are_reduced_in_rounds(policy: RetryPolicy) -> None:
    chapters = {
        f"Chapter {n}": [f"Chapter {n} is about subject {n}. " * 60, "It ends here."]
        for n in range(1, 9)
    }
    book = make_book(chapters)
    # Each chapter summary (about 1,500 characters) is larger than half the budget, so
    # no more than one fits a request: they must be combined in rounds.
    with FakeChatServer(answer_words=250) as server:
        settings = llm_settings(server, chars_per_request=2_500, parallel_requests=2)

        summary = LlmSummariser(settings, policy=policy).summarise_book(book, 100)

        combining = [e for e in server.exchanges if "Combine them" in e.user_text]
        final = server.exchanges[-1]
    assert len(combining) >= 2
    assert summary.text == final.answer
    assert "about 100 words" in final.user_text
    assert final.user_text.count("[") < len(chapters)


def test_chapter_summary_reads_only_that_chapter(
    memdesign: Book, chat_server: FakeChatServer, policy: RetryPolicy
) -> None:
    chapter = memdesign.chapters[3]
    other = memdesign.chapters[4]

    summary = LlmSummariser(llm_settings(chat_server), policy=policy).summarise_chapter(chapter, 60)

    sent = "\n".join(e.user_text for e in chat_server.exchanges)
    assert summary.text == chat_server.exchanges[-1].answer
    assert "about 60 words" in chat_server.exchanges[-1].user_text
    assert all(p.text in sent for p in chapter.paragraphs)
    assert split_sentences(other.paragraphs[0].text)[0] not in sent


def test_retry_waits_as_long_as_retry_after_asks(
    chat_server: FakeChatServer, sleeps: SleepRecorder
) -> None:
    chat_server.fail_next(429, b'{"error": {"message": "slow down"}}', {"Retry-After": "7"})
    book = make_book({"Only": ["A short book about paper and ink, in one sentence."]})
    policy = RetryPolicy(attempts=3, sleep=sleeps)

    summary = LlmSummariser(llm_settings(chat_server), policy=policy).summarise_book(book, 50)

    assert sleeps.waits == [7.0]
    assert len(chat_server.exchanges) == 2
    assert summary.text == chat_server.exchanges[-1].answer


def test_server_errors_become_an_outage_after_every_try(
    chat_server: FakeChatServer, policy: RetryPolicy, sleeps: SleepRecorder
) -> None:
    chat_server.fail_always(500, b'{"error": {"message": "boom"}}')
    book = make_book({"Only": ["A short book about paper and ink, in one sentence."]})

    with pytest.raises(ProviderOutageError, match="after 3 tries"):
        LlmSummariser(llm_settings(chat_server), policy=policy).summarise_book(book, 50)
    assert len(chat_server.exchanges) == 3
    assert len(sleeps.waits) == 2


def test_a_wrong_key_is_refused_at_once(chat_server: FakeChatServer, policy: RetryPolicy) -> None:
    book = make_book({"Only": ["A short book about paper and ink, in one sentence."]})
    settings = llm_settings(chat_server, api_key="not-the-key")

    with pytest.raises(ProviderAuthError, match="credentials"):
        LlmSummariser(settings, policy=policy).summarise_book(book, 50)
    assert len(chat_server.exchanges) == 1


def test_a_refused_request_is_not_retried(chat_server: FakeChatServer, policy: RetryPolicy) -> None:
    chat_server.fail_always(400, b'{"error": {"message": "context length exceeded"}}')
    book = make_book({"Only": ["A short book about paper and ink, in one sentence."]})

    with pytest.raises(ProviderRequestError, match="context length"):
        LlmSummariser(llm_settings(chat_server), policy=policy).summarise_book(book, 50)
    assert len(chat_server.exchanges) == 1


def test_without_a_key_no_authorization_is_sent(policy: RetryPolicy) -> None:
    book = make_book({"Only": ["A short book about paper and ink, in one sentence."]})
    with FakeChatServer(api_key=None) as server:
        settings = llm_settings(server, api_key=None)

        summary = LlmSummariser(settings, policy=policy).summarise_book(book, 50)

        assert "authorization" not in server.exchanges[0].headers
    assert summary.method == "llm"


@pytest.mark.parametrize(
    "body",
    [
        b"<html>Bad gateway</html>",
        b"[1, 2, 3]",
        b'{"object": "chat.completion", "choices": []}',
        b'{"error": {"message": "model overloaded"}}',
        b'{"choices": [{"index": 0, "finish_reason": "stop"}]}',
        chat_completion(None),
        chat_completion("   "),
        chat_completion("<think>Let me see.</think>"),
    ],
    ids=[
        "not-json",
        "not-an-object",
        "no-choices",
        "error-instead",
        "no-message",
        "null-content",
        "blank-content",
        "only-thinking",
    ],
)
def test_an_answer_without_a_summary_is_a_failure(
    chat_server: FakeChatServer, policy: RetryPolicy, body: bytes
) -> None:
    chat_server.fail_always(200, body)
    book = make_book({"Only": ["A short book about paper and ink, in one sentence."]})

    with pytest.raises(MalformedSummaryResponseError):
        LlmSummariser(llm_settings(chat_server), policy=policy).summarise_book(book, 50)


def test_a_reasoning_preamble_is_dropped_from_the_summary(
    chat_server: FakeChatServer, policy: RetryPolicy
) -> None:
    chat_server.fail_next(200, chat_completion("<think>\nShort book.\n</think>\n\nIt is short."))
    book = make_book({"Only": ["A short book about paper and ink, in one sentence."]})

    summary = LlmSummariser(llm_settings(chat_server), policy=policy).summarise_book(book, 50)

    assert summary.text == "It is short."


def test_an_injected_client_is_used_and_left_open(
    chat_server: FakeChatServer, policy: RetryPolicy
) -> None:
    book = make_book({"Only": ["A short book about paper and ink, in one sentence."]})
    with httpx.Client() as client:
        summariser = LlmSummariser(llm_settings(chat_server), client=client, policy=policy)

        summariser.summarise_book(book, 50)
        summariser.summarise_book(book, 50)

        assert not client.is_closed
    assert len(chat_server.exchanges) == 2


@pytest.mark.parametrize(
    ("base_url", "endpoint"),
    [
        ("https://api.openai.com", "https://api.openai.com/v1/chat/completions"),
        ("https://api.openai.com/v1/", "https://api.openai.com/v1/chat/completions"),
        ("https://openrouter.ai/api", "https://openrouter.ai/api/v1/chat/completions"),
        ("https://openrouter.ai/api/v1", "https://openrouter.ai/api/v1/chat/completions"),
        ("http://localhost:8080/", "http://localhost:8080/v1/chat/completions"),
    ],
)
def test_the_endpoint_is_under_v1_whether_or_not_the_base_says_so(
    base_url: str, endpoint: str
) -> None:
    assert chat_completions_url(base_url) == endpoint


def test_a_summariser_needs_an_address_and_a_model() -> None:
    settings = SummaryLlmSettings.model_validate({"base_url": "http://localhost:8080"})

    with pytest.raises(SummaryConfigurationError, match="SUMMARY_LLM_MODEL"):
        LlmSummariser(settings)


@pytest.mark.parametrize(
    "base_url", ["ftp://example.com", "http://localhost:abc", "http://", "localhost:8080"]
)
def test_the_address_must_be_an_http_url(base_url: str) -> None:
    with pytest.raises(ValueError, match="SUMMARY_LLM_BASE_URL"):
        SummaryLlmSettings.model_validate({"base_url": base_url, "model": "m"})
