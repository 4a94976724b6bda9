"""Extraction speed per corpus book and peak memory on the 1,221-page one.

Run: uv run python bench/extract.py [--corpus DIR] [--repeat N]

Speed is the whole reading side (text, running heads, footnotes, characters, hyphens,
paragraphs, chapter plan) without OCR, measured in-process after a warm-up so the
sandbox's fixed process start (reported separately) does not hide the per-page cost.
Peak memory is the resident set of the sandboxed reader plus the parent while the
1,221-page book goes through `extract_book`.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time
from pathlib import Path

from pdf2audiobook.pipeline.book_builder import build_book
from pdf2audiobook.pipeline.extract import extract_book
from pdf2audiobook.pipeline.reading.reader import ReadOptions, extract_in_process

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
BORN_DIGITAL = range(1, 9)
HUGE_BOOK = 8


def _book(corpus: Path, number: int) -> Path:
    return next(corpus.glob(f"{number:02d}-*.pdf"))


def _time_in_process(path: Path, repeat: int) -> tuple[int, float]:
    options = ReadOptions(ocr=False)
    timings = []
    pages = 0
    for _ in range(repeat + 1):
        started = time.perf_counter()
        raw = extract_in_process(None, str(path), options)
        build_book(raw)
        timings.append(time.perf_counter() - started)
        pages = raw.page_count
    return pages, statistics.median(timings[1:])


def _peak_memory(path: Path) -> tuple[float, float, float]:
    started = time.perf_counter()
    extract_book(path, ReadOptions(ocr=False))
    elapsed = time.perf_counter() - started
    child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    parent_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return elapsed, child_mb, parent_mb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    # Memory first, while this process is still small.
    elapsed, child_mb, parent_mb = _peak_memory(_book(args.corpus, HUGE_BOOK))
    print(f"peak memory on {_book(args.corpus, HUGE_BOOK).name} through the sandbox:")
    print(f"  reader process {child_mb:.0f} MB, parent {parent_mb:.0f} MB, {elapsed:.1f} s")
    print()
    print(f"{'book':<40} {'pages':>6} {'seconds':>8} {'pages/s':>8}")
    total_pages = 0
    total_seconds = 0.0
    for number in BORN_DIGITAL:
        path = _book(args.corpus, number)
        pages, seconds = _time_in_process(path, args.repeat)
        total_pages += pages
        total_seconds += seconds
        print(f"{path.name:<40} {pages:>6} {seconds:>8.2f} {pages / seconds:>8.0f}")
    print(
        f"{'all born-digital books':<40} {total_pages:>6} {total_seconds:>8.2f} "
        f"{total_pages / total_seconds:>8.0f}"
    )


if __name__ == "__main__":
    main()
