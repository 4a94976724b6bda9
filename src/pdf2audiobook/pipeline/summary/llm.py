"""Summaries written by a language model behind any OpenAI-compatible chat API.

OpenAI, OpenRouter and local servers (llama.cpp, vLLM, Ollama, LM Studio) all accept
`POST {base}/v1/chat/completions` with `{"model", "messages", "temperature"}` and a
Bearer key, so that one request shape is all this module speaks.

The whole book is read, chapter by chapter (map), never a leading slice of it: each
chapter, or each slice of a chapter longer than the per-request budget, is summarised
on its own; the partial summaries are then combined into one (reduce), in rounds when
there are too many of them to fit one request. A book that fits one request is
summarised in one. Every answer is checked: a reply without a summary in it is a
failure (MalformedSummaryResponseError), never passed on as the summary.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit

import httpx
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from pdf2audiobook.pipeline.document import Book, Chapter
from pdf2audiobook.pipeline.speech import split_sentences
from pdf2audiobook.pipeline.summary.base import DEFAULT_BOOK_SUMMARY_WORDS, SummaryResult
from pdf2audiobook.pipeline.summary.errors import (
    MalformedSummaryResponseError,
    SummaryConfigurationError,
    SummaryError,
)
from pdf2audiobook.pipeline.voices.cloud.http import RetryPolicy, request_with_retries


class SummaryLlmSettings(BaseSettings):
    """`SUMMARY_LLM_*` settings, from the environment or `.env`."""

    model_config = SettingsConfigDict(
        env_prefix="SUMMARY_LLM_", env_file=".env", env_ignore_empty=True, extra="ignore"
    )

    base_url: str | None = None
    """Where the API lives: `https://api.openai.com`, `https://openrouter.ai/api`,
    `http://localhost:8080`. A trailing `/v1` is accepted too."""
    api_key: SecretStr | None = None
    """Sent as `Authorization: Bearer`; local servers often need none."""
    model: str | None = None
    chars_per_request: int = Field(default=12_000, ge=1_000)
    """Characters of book text, or of summaries being combined, sent in one request; the
    instructions add a few hundred more. 12,000 characters is about 3,000 tokens, within
    the context of small local models."""
    part_summary_words: int = Field(default=120, ge=20)
    """Length asked of each chapter's (or slice's) summary before they are combined."""
    temperature: float = Field(default=0.2, ge=0.0, le=2.0)
    timeout_seconds: float = Field(default=120.0, gt=0)
    attempts: int = Field(default=4, ge=1, le=10)
    """Tries per request, the first included; 429 and 5xx answers are retried."""
    parallel_requests: int = Field(default=4, ge=1, le=32)
    """Chapter summaries requested at the same time."""

    @field_validator("base_url")
    @classmethod
    def _must_be_http(cls, value: str | None) -> str | None:
        """Refuse at start-up what could only fail later, at the first request."""
        if value is None:
            return None
        try:
            url = httpx.URL(value)
        except httpx.InvalidURL as error:
            raise ValueError(f"SUMMARY_LLM_BASE_URL is not a URL ({error}): {value}") from None
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError(f"SUMMARY_LLM_BASE_URL must be an http:// or https:// URL: {value}")
        return value

    @property
    def is_configured(self) -> bool:
        return bool(self.base_url and self.model)


def chat_completions_url(base_url: str) -> str:
    """The chat endpoint under `base_url`, whether or not it already ends in `/v1`."""
    base = base_url.rstrip("/")
    if base.endswith("/v1"):
        return f"{base}/chat/completions"
    return f"{base}/v1/chat/completions"


_SYSTEM_PROMPT: Final = (
    "You summarise books for the listeners of an audiobook. Write plain, flowing prose "
    "that reads well aloud: no headings, lists, markdown or comments about the task. "
    "Say only what the text says."
)
# Some local reasoning models put their deliberation before the answer.
_THINKING: Final = re.compile(r"^\s*<think>.*?</think>\s*", re.DOTALL)
_SEPARATOR: Final = "\n\n"


@dataclass(frozen=True, slots=True)
class _Piece:
    label: str
    """What the text is, as the model is told: 'the chapter "Terminology"'."""
    text: str


class LlmSummariser:
    """Map-reduce summaries over an OpenAI-compatible chat API.

    Raises ProviderAuthError (credentials refused), ProviderRequestError (request
    refused), ProviderOutageError (429/5xx/network after every retry) or
    MalformedSummaryResponseError (a 2xx answer without a summary); wrap it in a
    FallbackSummariser to get a summary regardless.

    `client` and `policy` are for tests and for sharing a connection pool; by default a
    client is opened per summary and the policy follows `settings`.
    """

    def __init__(
        self,
        settings: SummaryLlmSettings,
        *,
        client: httpx.Client | None = None,
        policy: RetryPolicy | None = None,
    ) -> None:
        if not settings.base_url or not settings.model:
            raise SummaryConfigurationError(
                "The summary language model needs both SUMMARY_LLM_BASE_URL and "
                "SUMMARY_LLM_MODEL to be set."
            )
        self._settings = settings
        self._model = settings.model
        self._endpoint = chat_completions_url(settings.base_url)
        self._provider = f"The summary language model at {urlsplit(self._endpoint).netloc}"
        self._client = client
        self._policy = policy or RetryPolicy(
            attempts=settings.attempts, timeout_seconds=settings.timeout_seconds
        )
        self._headers = (
            {"Authorization": f"Bearer {settings.api_key.get_secret_value()}"}
            if settings.api_key
            else {}
        )

    def summarise_book(
        self, book: Book, target_words: int = DEFAULT_BOOK_SUMMARY_WORDS
    ) -> SummaryResult:
        """A summary of about `target_words` words written from every chapter."""
        pieces = [
            piece
            for chapter in book.chapters
            for piece in self._pieces_of(chapter, f'the chapter "{chapter.title}"')
        ]
        whole = f'the book "{book.title}"'
        return SummaryResult(text=self._summarise(whole, pieces, target_words), method="llm")

    def summarise_chapter(self, chapter: Chapter, target_words: int) -> SummaryResult:
        """A summary of about `target_words` words of `chapter` alone."""
        label = f'the chapter "{chapter.title}"'
        pieces = self._pieces_of(chapter, label)
        return SummaryResult(text=self._summarise(label, pieces, target_words), method="llm")

    def _pieces_of(self, chapter: Chapter, label: str) -> list[_Piece]:
        slices = _slices(
            [p.text for p in chapter.paragraphs if p.text.strip()],
            self._settings.chars_per_request,
        )
        if len(slices) == 1:
            return [_Piece(label, slices[0])]
        return [
            _Piece(f"part {number} of {len(slices)} of {label}", text)
            for number, text in enumerate(slices, start=1)
        ]

    def _summarise(self, whole: str, pieces: list[_Piece], target_words: int) -> str:
        if target_words < 1:
            raise ValueError(f"target_words must be positive, not {target_words}")
        if not pieces:
            raise SummaryError(f"There is no text in {whole} to summarise.")
        budget = self._settings.chars_per_request
        with self._open_client() as client:
            ask = self._asker(client)
            if len(_as_sections(pieces)) <= budget:
                return ask(_whole_prompt(whole, pieces, target_words))
            part_words = self._settings.part_summary_words
            summaries = self._ask_all(ask, [_part_prompt(whole, p, part_words) for p in pieces])
            partials = [
                _Piece(piece.label, summary)
                for piece, summary in zip(pieces, summaries, strict=True)
            ]
            # Each round combines at least two summaries per request, so the count at
            # least halves and the rounds end.
            while len(partials) > 1 and len(_as_sections(partials)) > budget:
                groups = _groups(partials, budget)
                combined = self._ask_all(
                    ask, [_combine_prompt(whole, group, part_words) for group in groups]
                )
                partials = [
                    _Piece(f"{group[0].label} through {group[-1].label}", summary)
                    for group, summary in zip(groups, combined, strict=True)
                ]
            return ask(_final_prompt(whole, partials, target_words))

    @contextmanager
    def _open_client(self) -> Iterator[httpx.Client]:
        if self._client is not None:
            yield self._client
            return
        with httpx.Client() as client:
            yield client

    def _asker(self, client: httpx.Client) -> Callable[[str], str]:
        def ask(prompt: str) -> str:
            response = request_with_retries(
                client,
                "POST",
                self._endpoint,
                provider=self._provider,
                policy=self._policy,
                headers=self._headers,
                json={
                    "model": self._model,
                    "messages": [
                        {"role": "system", "content": _SYSTEM_PROMPT},
                        {"role": "user", "content": prompt},
                    ],
                    "temperature": self._settings.temperature,
                },
            )
            return _summary_in(response, self._provider)

        return ask

    def _ask_all(self, ask: Callable[[str], str], prompts: Sequence[str]) -> list[str]:
        """Answers to `prompts`, in order; the first failure is raised and requests not
        yet started are dropped."""
        workers = min(self._settings.parallel_requests, len(prompts))
        if workers <= 1:
            return [ask(prompt) for prompt in prompts]
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="summary-llm")
        try:
            futures = [pool.submit(ask, prompt) for prompt in prompts]
            return [future.result() for future in futures]
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def _summary_in(response: httpx.Response, provider: str) -> str:
    """The text of the first choice of a chat completion; anything else is malformed."""
    try:
        payload: Any = response.json()
    except ValueError:
        raise MalformedSummaryResponseError(
            f"{provider} answered with something that is not JSON "
            f"({response.text.strip()[:120]!r})."
        ) from None
    if not isinstance(payload, dict):
        raise MalformedSummaryResponseError(f"{provider} answered with JSON of the wrong shape.")
    choices = payload.get("choices")
    if not isinstance(choices, list) or not choices:
        # Some gateways answer 200 with an error object instead of choices.
        error = payload.get("error")
        detail = f": {str(error)[:200]}" if error else ""
        raise MalformedSummaryResponseError(f"{provider} answered without any text{detail}.")
    first = choices[0]
    message = first.get("message") if isinstance(first, dict) else None
    content = message.get("content") if isinstance(message, dict) else None
    if not isinstance(content, str):
        raise MalformedSummaryResponseError(f"{provider} answered without any text.")
    summary = _THINKING.sub("", content).strip()
    if not summary:
        raise MalformedSummaryResponseError(f"{provider} answered with an empty summary.")
    return summary


def _slices(paragraphs: list[str], budget: int) -> list[str]:
    """`paragraphs` packed into texts of at most `budget` characters, cut between
    paragraphs, else between sentences, else (one giant sentence) between words."""
    units: list[str] = []
    for paragraph in paragraphs:
        if len(paragraph) <= budget:
            units.append(paragraph)
            continue
        sentences: list[str] = []
        for sentence in split_sentences(paragraph):
            sentences.extend(_pack(sentence.split(), budget, " ", hard=True))
        units.extend(_pack(sentences, budget, " "))
    return _pack(units, budget, _SEPARATOR)


def _pack(units: list[str], budget: int, separator: str, *, hard: bool = False) -> list[str]:
    """Consecutive `units` joined by `separator` into as few texts of at most `budget`
    characters as greedy packing gives. A unit longer than `budget` stands alone, or
    with `hard` is cut into `budget`-sized pieces (for a word longer than the budget)."""
    packed: list[str] = []
    current: list[str] = []
    length = 0
    for unit in units:
        if hard and len(unit) > budget:
            pieces = [unit[start : start + budget] for start in range(0, len(unit), budget)]
        else:
            pieces = [unit]
        for piece in pieces:
            extra = len(piece) + (len(separator) if current else 0)
            if current and length + extra > budget:
                packed.append(separator.join(current))
                current, length = [], 0
                extra = len(piece)
            current.append(piece)
            length += extra
    if current:
        packed.append(separator.join(current))
    return packed


def _groups(partials: list[_Piece], budget: int) -> list[list[_Piece]]:
    """Consecutive summaries in groups that fit `budget` where they can, with never
    fewer than two in a group (when there are two), so every round makes progress."""
    groups: list[list[_Piece]] = []
    current: list[_Piece] = []
    for piece in partials:
        if len(current) >= 2 and len(_as_sections([*current, piece])) > budget:
            groups.append(current)
            current = []
        current.append(piece)
    if len(current) == 1 and groups:
        groups[-1].append(current[0])
    else:
        groups.append(current)
    return groups


def _as_sections(pieces: Sequence[_Piece]) -> str:
    return _SEPARATOR.join(f"[{piece.label}]\n{piece.text}" for piece in pieces)


def _whole_prompt(whole: str, pieces: Sequence[_Piece], target_words: int) -> str:
    return (
        f"Summarise {whole} in about {target_words} words, covering it from beginning "
        f"to end. Its text follows, each part headed by its name in brackets."
        f"{_SEPARATOR}{_as_sections(pieces)}"
    )


def _part_prompt(whole: str, piece: _Piece, words: int) -> str:
    return (
        f"Here is the text of {piece.label}, from {whole}. Summarise it in at most "
        f"{words} words, keeping its main ideas in the order they appear."
        f"{_SEPARATOR}{piece.text}"
    )


def _combine_prompt(whole: str, group: Sequence[_Piece], words: int) -> str:
    return (
        f"Here are summaries of consecutive parts of {whole}, in order, each headed by "
        f"its name in brackets. Combine them into one summary of at most {words} words "
        f"that keeps the main ideas of every part, in order."
        f"{_SEPARATOR}{_as_sections(group)}"
    )


def _final_prompt(whole: str, partials: Sequence[_Piece], target_words: int) -> str:
    return (
        f"Here are summaries of all the parts of {whole}, in order, each headed by its "
        f"name in brackets. Write one summary of the whole of it in about {target_words} "
        f"words, covering it from beginning to end."
        f"{_SEPARATOR}{_as_sections(partials)}"
    )
