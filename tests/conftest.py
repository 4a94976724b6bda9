"""Shared fixtures: the read-only PDF corpus beside the project, and the session's chunk
cache of the sample book spoken by the real local voice."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from pdf2audiobook.pipeline.convert import ConvertResult
    from pdf2audiobook.pipeline.progress import ProgressEvent

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
SAMPLES = Path(__file__).resolve().parents[1] / "samples"
SAMPLE_BOOK = SAMPLES / "sample-book.pdf"


@pytest.hookimpl(tryfirst=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: one worker more than there are cores. Many tests spend much of their time
    waiting on processes they started (servers, workers, a browser), and a third worker on
    two cores fills those waits: the suite ran 10% faster than with one worker a core."""
    del config
    return len(os.sched_getaffinity(0)) + 1


def corpus_file(number: int) -> Path:
    """The corpus PDF whose name starts with the two-digit `number`."""
    matches = sorted(CORPUS.glob(f"{number:02d}-*.pdf"))
    if not matches:
        pytest.fail(f"corpus file {number:02d} not found in {CORPUS}")
    return matches[0]


@dataclass(frozen=True)
class SampleConversion:
    """The session's one conversion of the sample book with the default local voice."""

    result: ConvertResult
    events: list[ProgressEvent]
    cache: Path
    """The chunk cache it filled: every chunk of the sample at speed 1.0, nothing else
    before it ran."""


@pytest.fixture(scope="session")
def sample_conversion(tmp_path_factory: pytest.TempPathFactory) -> SampleConversion:
    """Converts `samples/sample-book.pdf` to M4B once per session, on every core, into an
    empty chunk cache.

    Its result is a real first conversion (every chunk synthesised, none from the cache);
    later conversions of the sample at speed 1.0 with the default voice, through the
    pipeline, the CLI (`PDF2AUDIOBOOK_CACHE`) or the service (`data_dir / "cache"` linked
    to it), find every chunk in `sample_chunk_cache`.
    """
    # Imported here: this module is loaded for every test, the pipeline only for these.
    from pdf2audiobook.pipeline.convert import ConvertOptions, convert_book

    cache = tmp_path_factory.mktemp("sample-chunk-cache")
    output = tmp_path_factory.mktemp("sample-conversion") / "sample-book.m4b"
    events: list[ProgressEvent] = []
    result = convert_book(
        SAMPLE_BOOK, ConvertOptions(output=output, fmt="m4b", cache_dir=cache), events.append
    )
    return SampleConversion(result, events, cache)


@pytest.fixture(scope="session")
def sample_chunk_cache(sample_conversion: SampleConversion) -> Path:
    """A chunk cache holding every chunk of the sample book spoken at speed 1.0 by the
    default local voice. Shared by the session: add to it, never delete from it."""
    return sample_conversion.cache
