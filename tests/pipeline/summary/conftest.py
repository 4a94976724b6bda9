"""Fixtures for the summary tests: a real corpus book, small made-up books, a fake chat
server and retry policies that record waits instead of sleeping."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import pytest

from pdf2audiobook.pipeline.document import Book, Chapter, Paragraph
from pdf2audiobook.pipeline.extract import extract_book
from pdf2audiobook.pipeline.reading.reader import ReadOptions
from pdf2audiobook.pipeline.summary import SummaryLlmSettings
from pdf2audiobook.pipeline.voices.cloud.http import RetryPolicy
from tests.conftest import corpus_file
from tests.pipeline.summary.fake_chat_server import API_KEY, MODEL, FakeChatServer


@pytest.fixture(scope="module")
def memdesign() -> Book:
    """Corpus 01, "A Few Notes on Book Design": ten chapters, about 220,000 characters.
    Tests only read it."""
    return extract_book(Path(corpus_file(1)), ReadOptions(ocr=False))


def make_book(chapters: Mapping[str, Sequence[str]], title: str = "A Made-Up Book") -> Book:
    """A book whose chapters (title to paragraph texts) are given in order."""
    return Book(
        title=title,
        author=None,
        page_count=len(chapters),
        chapters=[
            Chapter(
                title=chapter_title,
                start_page=number,
                end_page=number,
                paragraphs=[Paragraph(text, number) for text in paragraphs],
            )
            for number, (chapter_title, paragraphs) in enumerate(chapters.items(), start=1)
        ],
        removed=[],
        ocr_pages=[],
    )


class SleepRecorder:
    """Stands in for `time.sleep`: remembers each requested wait and returns at once."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
def policy(sleeps: SleepRecorder) -> RetryPolicy:
    """Three tries, a short timeout, and no real waiting."""
    return RetryPolicy(attempts=3, timeout_seconds=10.0, sleep=sleeps)


@pytest.fixture
def chat_server() -> Iterator[FakeChatServer]:
    with FakeChatServer() as server:
        yield server


def llm_settings(server: FakeChatServer, **overrides: object) -> SummaryLlmSettings:
    """Settings pointing at `server` with its key and model, ignoring any `.env`."""
    values: dict[str, object] = {
        "base_url": server.url,
        "api_key": API_KEY,
        "model": MODEL,
        **overrides,
    }
    return SummaryLlmSettings.model_validate(values)
