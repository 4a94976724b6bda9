"""How close the price held at submission comes to the book as read, and what it costs.

Run: uv run python bench/pricing.py [PDF ...]

For each book (default: every corpus PDF that is not a bomb, and the sample), prints the
quick count's estimate of spoken characters (`characters_before_reading`, what a job holds
credits for when submitted), the characters actually sent to a voice once the book is read
(`spoken_text_size`, what it is charged for), their ratio, and the seconds each took in
this run. Books the reader refuses are listed with the reason; mostly scanned books (read
here without OCR) are listed but not compared.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from pdf2audiobook.pipeline.book_builder import FootnotePolicy
from pdf2audiobook.pipeline.errors import PipelineError
from pdf2audiobook.pipeline.estimate import characters_before_reading, spoken_text_size
from pdf2audiobook.pipeline.extract import extract_book
from pdf2audiobook.pipeline.reading.limits import ReadLimits
from pdf2audiobook.pipeline.reading.reader import ReadOptions
from pdf2audiobook.pipeline.reading.text_count import count_text

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
FIRST_BOMB = 20


def _default_books() -> list[Path]:
    books = [p for p in sorted(CORPUS.glob("*.pdf")) if int(p.name[:2]) < FIRST_BOMB]
    return [*books, ROOT / "samples" / "sample-book.pdf"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pdfs", nargs="*", type=Path)
    books = parser.parse_args().pdfs or _default_books()
    print(f"{'book':38} {'estimate':>9} {'spoken':>9} {'ratio':>6} {'count s':>8} {'read s':>7}")
    ratios = []
    for pdf in books:
        try:
            started = time.perf_counter()
            count = count_text(pdf, None, ReadLimits())
            estimate = characters_before_reading(count)
            counted = time.perf_counter() - started
            started = time.perf_counter()
            book = extract_book(pdf, ReadOptions(ocr=False), FootnotePolicy.END)
            spoken, _ = spoken_text_size(book)
            read = time.perf_counter() - started
        except PipelineError as error:
            print(f"{pdf.name[:38]:38} refused: {error.message[:60]}")
            continue
        if count.pages_without_text * 2 > count.pages or not spoken:
            # Read here without OCR, so its spoken size says nothing of the estimate.
            print(f"{pdf.name[:38]:38} {estimate:9d}   scanned: estimated for OCR, not compared")
            continue
        ratio = estimate / spoken
        ratios.append(ratio)
        print(
            f"{pdf.name[:38]:38} {estimate:9d} {spoken:9d} {ratio:6.2f} {counted:8.2f} {read:7.2f}"
        )
    if ratios:
        ratios.sort()
        print(
            f"estimate / spoken over {len(ratios)} books: min {ratios[0]:.2f}, "
            f"median {ratios[len(ratios) // 2]:.2f}, max {ratios[-1]:.2f}"
        )


if __name__ == "__main__":
    main()
