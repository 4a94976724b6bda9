"""Whole-pipeline speed against the raw voice engine on one core.

Run: uv run python bench/convert.py [PDF] [--workers N]

Converts a long prose book (default: corpus 01, 139 pages) with the full pipeline
(reading, cleaning, normalisation, parallel synthesis, loudness, M4B encoding), then
times the bare engine on the same normalised chunks, in this process, on one core.
Prints both as x realtime, their ratio, the time to the first finished chapter and
the peak memory of this process and of its children.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

from pdf2audiobook.pipeline.book_builder import build_book
from pdf2audiobook.pipeline.convert import ConvertOptions, convert_pdf, spoken_paragraphs
from pdf2audiobook.pipeline.progress import ProgressEvent
from pdf2audiobook.pipeline.reading.reader import ReadOptions, read_pdf
from pdf2audiobook.pipeline.speech import chapter_speech
from pdf2audiobook.pipeline.voices import default_workers, get_provider

DEFAULT_BOOK = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "01-book-memdesign.pdf"


def _pipeline(pdf: Path, workers: int, out: Path) -> tuple[float, float, float]:
    first_chapter: list[float] = []
    started = time.monotonic()

    def watch(event: ProgressEvent) -> None:
        if event.chapters_done >= 1 and not first_chapter:
            first_chapter.append(time.monotonic() - started)

    result = convert_pdf(pdf, ConvertOptions(output=out, workers=workers), watch)
    return result.duration_seconds, result.elapsed_seconds, first_chapter[0]


def _raw_engine(pdf: Path) -> tuple[float, float]:
    """Seconds of audio and of wall time for the engine alone on the book's chunks."""
    provider = get_provider("local")
    voice = provider.resolve_voice(None, None)
    book = build_book(read_pdf(pdf, ReadOptions()))
    texts = [
        chunk.text
        for chapter in book.chapters
        for chunk in chapter_speech(chapter.title, spoken_paragraphs(chapter), provider.max_chars)
    ]
    provider.text_to_audio("Warm up.", voice, 1.0)
    audio = 0.0
    started = time.monotonic()
    for text in texts:
        audio += provider.text_to_audio(text, voice, 1.0).duration
    return audio, time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pdf", type=Path, nargs="?", default=DEFAULT_BOOK)
    parser.add_argument("--workers", type=int, default=default_workers())
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")

    with tempfile.TemporaryDirectory() as scratch:
        audio, elapsed, first = _pipeline(args.pdf, args.workers, Path(scratch) / "book.m4b")
    children_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    self_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    pipeline_speed = audio / elapsed
    print(f"book: {args.pdf.name}, {audio / 3600:.2f} h of audio, {args.workers} workers")
    print(f"pipeline:   {elapsed:7.1f} s  {pipeline_speed:6.1f}x realtime")
    print(f"first chapter finished after {first:.1f} s")
    print(f"peak memory: this process {self_mb:.0f} MB, largest child {children_mb:.0f} MB")

    raw_audio, raw_elapsed = _raw_engine(args.pdf)
    raw_speed = raw_audio / raw_elapsed
    print(f"raw engine: {raw_elapsed:7.1f} s  {raw_speed:6.1f}x realtime (one core)")
    print(f"pipeline / raw one-core engine: {pipeline_speed / raw_speed:.2f}")


if __name__ == "__main__":
    main()
