"""Shared fixtures: the read-only PDF corpus beside the project, and the test run's chunk
cache of the sample book spoken by the real local voice."""

from __future__ import annotations

import fcntl
import os
import pickle
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
    """The test run's one conversion of the sample book with the default local voice."""

    result: ConvertResult
    events: list[ProgressEvent]
    cache: Path
    """The chunk cache it filled: every chunk of the sample at speed 1.0, nothing else
    before it ran."""


@pytest.fixture(scope="session")
def sample_conversion(tmp_path_factory: pytest.TempPathFactory) -> SampleConversion:
    """Converts `samples/sample-book.pdf` to M4B once per test run, on every core, into an
    empty chunk cache.

    Its result is a real first conversion (every chunk synthesised, none from the cache);
    later conversions of the sample at speed 1.0 with the default voice, through the
    pipeline, the CLI (`PDF2AUDIOBOOK_CACHE`) or the service (`data_dir / "cache"` linked
    to it), find every chunk in `sample_chunk_cache`. The xdist workers of one run share it:
    the first to need it converts while the others wait on a lock, then read its result.
    """
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the run's folder, holding every worker's own
    folder = root / "sample-conversion"
    saved = folder / "result.pickle"
    with (root / "sample-conversion.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not saved.exists():
            result, events = _convert_sample(folder)
            partial = saved.with_suffix(".partial")
            partial.write_bytes(pickle.dumps((result, events)))
            partial.replace(saved)
    result, events = pickle.loads(saved.read_bytes())
    return SampleConversion(result, events, folder / "cache")


def _convert_sample(folder: Path) -> tuple[ConvertResult, list[ProgressEvent]]:
    # Imported here: this module is loaded for every test, the pipeline only for these.
    from pdf2audiobook.pipeline.convert import ConvertOptions, convert_book

    cache = folder / "cache"
    cache.mkdir(parents=True)
    events: list[ProgressEvent] = []
    options = ConvertOptions(output=folder / "sample-book.m4b", fmt="m4b", cache_dir=cache)
    return convert_book(SAMPLE_BOOK, options, events.append), events


@pytest.fixture(scope="session")
def sample_chunk_cache(sample_conversion: SampleConversion) -> Path:
    """A chunk cache holding every chunk of the sample book spoken at speed 1.0 by the
    default local voice. Shared by the session: add to it, never delete from it."""
    return sample_conversion.cache
