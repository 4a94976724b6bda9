"""Every line-end hyphen of the corpus books and what the dictionary rule makes of it.

Run: uv run python bench/hyphens.py [--corpus DIR] [--samples N] [--show DECISION]

A line-end hyphen is a word part, a hyphen at the end of a line, and the next word part:
pdfium joins most of them itself and leaves U+FFFE where the hyphen was, and the rest
end a line in a plain "-". Each is decided by `decide_hyphen`; the counts per decision
and per book, then samples of each decision, are printed.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter, defaultdict
from pathlib import Path

import pypdfium2 as pdfium

from pdf2audiobook.pipeline.cleaning.hyphenation import HyphenDecision, decide_hyphen

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
BOOKS_WITH_TEXT = (1, 2, 3, 4, 5, 6, 7, 8, 13)
# A word part, a soft-hyphen mark or a hyphen ending the line, the next word part.
_LINE_END_HYPHEN = re.compile("([^\\W\\d_]+)(?:\ufffe|[-\u2010]\r\n)([^\\W\\d_]+)")


def line_end_hyphens(path: Path) -> list[tuple[str, str]]:
    """(left part, right part) of every hyphen that ends a line of `path`'s text layer."""
    document = pdfium.PdfDocument(path)
    try:
        found: list[tuple[str, str]] = []
        for index in range(len(document)):
            page = document[index]
            textpage = page.get_textpage()
            text = textpage.get_text_range()
            textpage.close()
            page.close()
            found.extend((m.group(1), m.group(2)) for m in _LINE_END_HYPHEN.finditer(text))
        return found
    finally:
        document.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--samples", type=int, default=25)
    parser.add_argument("--show", choices=[d.value for d in HyphenDecision], default=None)
    arguments = parser.parse_args()
    totals: Counter[HyphenDecision] = Counter()
    samples: dict[HyphenDecision, Counter[str]] = defaultdict(Counter)
    for number in BOOKS_WITH_TEXT:
        path = next(arguments.corpus.glob(f"{number:02d}-*.pdf"))
        counts: Counter[HyphenDecision] = Counter()
        for left, right in line_end_hyphens(path):
            decision = decide_hyphen(left, right)
            counts[decision] += 1
            samples[decision][f"{left}-{right}"] += 1
        totals.update(counts)
        row = "  ".join(f"{d.value} {counts[d]:5}" for d in HyphenDecision)
        print(f"{path.name:40} {counts.total():6}  {row}")
    row = "  ".join(f"{d.value} {totals[d]:5}" for d in HyphenDecision)
    print(f"{'all':40} {totals.total():6}  {row}")
    shown = [HyphenDecision(arguments.show)] if arguments.show else list(HyphenDecision)
    for decision in shown:
        common = samples[decision].most_common(arguments.samples)
        print(f"\n{decision.value} ({len(samples[decision])} distinct):")
        print(", ".join(f"{pair} x{count}" if count > 1 else pair for pair, count in common))


if __name__ == "__main__":
    main()
