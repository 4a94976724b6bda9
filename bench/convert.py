"""`convert` end to end against the least a book needs on this machine.

Run: uv run python bench/convert.py [PDF ...] [--pages N] [--workers N] [--formats mp3,m4b]

For each book (default: corpus 01, a 139-page prose book):

1. the ceiling: the bare voice (`get_provider("local").text_to_audio`) and the output's
   encoder (`open_writer`: lameenc 64 kbps mono for MP3, PyAV AAC for M4B), on the
   book's own speech chunks, split into equal halves (one per process) and run in as many
   processes as there are workers, voice loaded beforehand;
2. `convert --no-cache` end to end (reading the PDF included) for each format.

Each is printed as x realtime, the pipeline also as a share of its ceiling, with CPU
seconds per audio second, the time to the first finished chapter and peak memory of the
parent and of its largest child. Every measurement runs in a fresh process, so peak
memory is that run's alone. `--pages N` converts only the first N pages (a copy of them),
to bound a run or to compare books of different length.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium

from pdf2audiobook.pipeline.audio import BookTags, open_writer
from pdf2audiobook.pipeline.convert import ConvertOptions, convert_book, extract_plan
from pdf2audiobook.pipeline.parallel import ProcessPool
from pdf2audiobook.pipeline.progress import ProgressEvent
from pdf2audiobook.pipeline.voices import default_workers, get_provider

DEFAULT_BOOK = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "01-book-memdesign.pdf"
VOICE = "heart"


def _cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _peaks_mb() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


# One measurement, in a process of its own.


def _measure_convert(pdf: Path, fmt: str, workers: int) -> dict[str, Any]:
    first_chapter: list[float] = []
    with tempfile.TemporaryDirectory() as scratch:
        cpu = _cpu_seconds()
        started = time.monotonic()

        def watch(event: ProgressEvent) -> None:
            if event.chapters_done >= 1 and not first_chapter:
                first_chapter.append(time.monotonic() - started)

        options = ConvertOptions(output=Path(scratch) / f"book.{fmt}", fmt=fmt, workers=workers)  # type: ignore[arg-type]
        result = convert_book(pdf, options, watch)
        wall = time.monotonic() - started
        cpu = _cpu_seconds() - cpu
    parent, child = _peaks_mb()
    return {
        "audio": result.duration_seconds,
        "wall": wall,
        "cpu": cpu,
        "first_chapter": first_chapter[0] if first_chapter else None,
        "parent_mb": parent,
        "child_mb": child,
        "chapters": result.chapters,
    }


def _load_voice() -> None:
    get_provider("local").prepare(VOICE)


def _speak_and_encode(texts: list[str], fmt: str, path: str) -> tuple[float, float]:
    """Voice and encoder alone: (audio seconds, CPU seconds of this process)."""
    provider = get_provider("local")
    cpu = time.process_time()
    audio = 0.0
    rate = provider.sample_rate(VOICE)
    tags = BookTags(title="Ceiling", author=None, narrator=None)
    with open_writer(Path(path), fmt, rate, tags, None) as writer:  # type: ignore[arg-type]
        writer.start_chapter("All")
        for text in texts:
            speech = provider.text_to_audio(text, VOICE, 1.0)
            writer.write(speech.samples)
            audio += speech.duration
    return audio, time.process_time() - cpu


def _measure_ceiling(pdf: Path, fmt: str, workers: int) -> dict[str, Any]:
    _, plan = extract_plan(pdf, ConvertOptions())
    texts = [chunk.text for chapter in plan.chapters for chunk in chapter.chunks]
    total = sum(len(text) for text in texts)
    shares: list[list[str]] = [[] for _ in range(workers)]
    done = 0
    for text in texts:
        shares[min(workers - 1, done * workers // total)].append(text)
        done += len(text)
    pool = ProcessPool(workers, name="ceiling", initializer=_load_voice)
    with tempfile.TemporaryDirectory() as scratch:
        try:
            # Every process loads the voice before the clock starts.
            warm = [pool.submit(time.process_time) for _ in range(workers)]
            for future in warm:
                future.result()
            started = time.monotonic()
            futures = [
                pool.submit(_speak_and_encode, share, fmt, f"{scratch}/{index}.{fmt}")
                for index, share in enumerate(shares)
            ]
            results = [future.result() for future in futures]
            wall = time.monotonic() - started
        finally:
            pool.shutdown()
    return {
        "audio": sum(audio for audio, _ in results),
        "wall": wall,
        "cpu": sum(cpu for _, cpu in results),
    }


# The driver.


def _first_pages(pdf: Path, pages: int, folder: Path) -> Path:
    source = pdfium.PdfDocument(pdf)
    copy = pdfium.PdfDocument.new()
    copy.import_pages(source, list(range(min(pages, len(source)))))
    path = folder / f"{pdf.stem}-first-{pages}.pdf"
    copy.save(path)
    return path


def _run(kind: str, pdf: Path, fmt: str, workers: int) -> dict[str, Any]:
    command = [sys.executable, __file__, "--measure", kind, "--formats", fmt]
    command += ["--workers", str(workers), str(pdf)]
    output = subprocess.run(command, capture_output=True, text=True, check=False)
    if output.returncode != 0:
        raise SystemExit(f"{kind} {fmt} failed:\n{output.stderr}")
    measured: dict[str, Any] = json.loads(output.stdout.strip().splitlines()[-1])
    return measured


def _report(fmt: str, ceiling: dict[str, Any], convert: dict[str, Any]) -> None:
    ceiling_speed = ceiling["audio"] / ceiling["wall"]
    speed = convert["audio"] / convert["wall"]
    first = convert["first_chapter"]
    print(
        f"  {fmt}  ceiling {ceiling_speed:6.1f}x ({ceiling['cpu'] / ceiling['audio'] * 1000:.2f}"
        f" ms CPU per audio s) | convert {speed:6.1f}x in {convert['wall']:.1f} s ="
        f" {speed / ceiling_speed:.2f} of ceiling, {convert['cpu'] / convert['audio'] * 1000:.2f}"
        f" ms CPU per audio s, first chapter after {first:.1f} s, peak memory parent"
        f" {convert['parent_mb']:.0f} MB, largest child {convert['child_mb']:.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pdfs", type=Path, nargs="*", default=[DEFAULT_BOOK])
    parser.add_argument("--pages", type=int, default=None, help="Convert only the first N pages.")
    parser.add_argument("--workers", type=int, default=default_workers())
    parser.add_argument("--formats", default="mp3,m4b")
    parser.add_argument("--measure", choices=["ceiling", "convert"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    formats = args.formats.split(",")
    if args.measure is not None:
        measure = _measure_ceiling if args.measure == "ceiling" else _measure_convert
        print(json.dumps(measure(args.pdfs[0], formats[0], args.workers)))
        return
    with tempfile.TemporaryDirectory() as scratch:
        for pdf in args.pdfs:
            book = _first_pages(pdf, args.pages, Path(scratch)) if args.pages else pdf
            with pdfium.PdfDocument(book) as document:
                pages = len(document)
            print(f"{pdf.name}: {pages} pages, {args.workers} processes")
            for fmt in formats:
                ceiling = _run("ceiling", book, fmt, args.workers)
                convert = _run("convert", book, fmt, args.workers)
                if fmt == formats[0]:
                    hours = convert["audio"] / 3600
                    print(f"  {hours:.2f} h of audio, {convert['chapters']} chapters")
                _report(fmt, ceiling, convert)


if __name__ == "__main__":
    main()
