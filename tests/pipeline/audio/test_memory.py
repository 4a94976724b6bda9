"""A long book streams through the audio stage in constant memory.

Each format runs in a fresh process, so its peak RSS (`ru_maxrss`, a high-water mark) is
its own: 30 minutes of speech go through a normaliser per chapter into one writer, in
0.5 s blocks. Once the first chapter has warmed up every buffer, the remaining 25 minutes
(144 MB of float32 PCM) may raise the peak only by what the container index needs.
"""

from __future__ import annotations

import multiprocessing
import resource
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from pdf2audiobook.pipeline.audio import (
    AudiobookFormat,
    BookTags,
    LoudnessNormaliser,
    open_writer,
)
from tests.pipeline.audio.synthetic import in_blocks, noise_bursts

SAMPLE_RATE = 24000
CHAPTERS = 6
CHAPTER_MINUTES = 5
ALLOWED_GROWTH_MB = 20.0
REMAINING_PCM_MB = (CHAPTERS - 1) * CHAPTER_MINUTES * 60 * SAMPLE_RATE * 4 / 2**20


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def stream_book(folder: str, fmt: AudiobookFormat) -> tuple[float, float, float]:
    """Write the book; returns peak RSS after the first chapter and at the end (MB), and
    the seconds of audio written."""
    # Noise bursts rather than speech_like: FFmpeg's AAC encoder takes 3x longer on the
    # latter's steady harmonics, and memory does not depend on the content.
    source = in_blocks(noise_bursts(SAMPLE_RATE, 10.0), SAMPLE_RATE // 2)
    blocks_per_chapter = CHAPTER_MINUTES * 60 * 2
    after_first_chapter = 0.0
    tags = BookTags("A long book", "An Author", "A Narrator")
    with open_writer(Path(folder) / f"long.{fmt}", fmt, SAMPLE_RATE, tags, None) as writer:
        for chapter in range(CHAPTERS):
            with LoudnessNormaliser(SAMPLE_RATE, spool_dir=Path(folder)) as normaliser:
                for index in range(blocks_per_chapter):
                    normaliser.feed(source[index % len(source)])
                writer.start_chapter(f"Chapter {chapter + 1}")
                for block in normaliser.finish():
                    writer.write(block)
            if chapter == 0:
                after_first_chapter = peak_rss_mb()
        book = writer.close()
    return after_first_chapter, peak_rss_mb(), book.duration_seconds


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["m4b", "mp3"])
def test_memory_stays_flat_while_a_long_book_is_written(
    fmt: AudiobookFormat, tmp_path: Path
) -> None:
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as child:
        warmed_up, final, seconds = child.submit(stream_book, str(tmp_path), fmt).result()

    assert seconds == pytest.approx(CHAPTERS * CHAPTER_MINUTES * 60, abs=0.1)
    assert final - warmed_up < ALLOWED_GROWTH_MB < REMAINING_PCM_MB / 5
