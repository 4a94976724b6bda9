"""Small books without an outline but with a printed table of contents, built with fpdf2."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF

PROSE = (
    "The old trees along the wall were planted by a gardener who kept careful notes, "
    "and every season since has added a line or two to the book he started. "
)


OPENINGS = [
    "Frost came early that year.",
    "By March the buds had swollen on every branch.",
    "Nobody in the village remembered such a harvest.",
    "The ladders were mended in the long evenings.",
    "Rain kept the pickers at home for a week.",
    "Wasps found the windfalls before anyone else did.",
    "The cider press was older than the house.",
]


@dataclass(frozen=True, slots=True)
class Entry:
    text: str
    folio: str
    indent: float = 0.0
    wrap_after: int | None = None
    """Break the title after this many words, as a long title wraps."""


ORCHARD_CONTENTS = [
    Entry("Preface", "iii"),
    Entry("1 Winter Pruning", "1"),
    Entry("1.1 Tools and when to sharpen them", "2", indent=18),
    Entry("2 Spring Blossom and the Long Wait for Bees", "4", wrap_after=5),
    Entry("3 Summer Fruit", "6"),
    Entry("Index", "9"),
]

ORCHARD_BODY: list[tuple[str | None, int]] = [
    ("Preface", 1),
    ("1 Winter Pruning", 1),
    ("1.1 Tools and when to sharpen them", 1),
    (None, 1),
    ("2 Spring Blossom and the Long Wait for Bees", 1),
    (None, 1),
    ("3 Summer Fruit", 1),
    (None, 1),
    (None, 1),
    ("Index", 0),
]
"""Body pages after the title and contents pages: a heading (or None) and paragraphs."""


def orchard_book(
    path: Path, contents: list[Entry] = ORCHARD_CONTENTS, heading_size: float = 20.0
) -> Path:
    """Title page, one page of contents with dot leaders, then the body: the preface on
    printed page iii (the PDF's page 3), chapter 1 on printed page 1 (the PDF's page 4).
    Chapter headings are set in `heading_size`, section headings between it and the
    11-point text."""
    pdf = FPDF(unit="pt", format="letter")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_font("helvetica", size=26)
    pdf.text(120, 200, "The Orchard Keeper's Year")
    pdf.add_page()
    pdf.set_font("helvetica", size=20)
    pdf.text(72, 100, "Contents")
    pdf.set_font("helvetica", size=11)
    top = 140.0
    for entry in contents:
        title = entry.text
        if entry.wrap_after is not None:
            words = title.split()
            pdf.text(72 + entry.indent, top, " ".join(words[: entry.wrap_after]))
            title = " ".join(words[entry.wrap_after :])
            top += 15
        leaders = " ." * max(3, int((380 - pdf.get_string_width(title) - entry.indent) / 5.6))
        pdf.text(72 + entry.indent, top, f"{title}{leaders}")
        pdf.text(520 - pdf.get_string_width(entry.folio), top, entry.folio)
        top += 20
    for number, (heading, paragraphs) in enumerate(ORCHARD_BODY, start=3):
        pdf.add_page()
        top = 90.0
        if heading is not None:
            section = "." in heading.split()[0]
            pdf.set_font("helvetica", size=(heading_size + 11) / 2 if section else heading_size)
            pdf.text(72, top, heading)
            top += 40
        pdf.set_font("helvetica", size=11)
        pdf.set_xy(72, top)
        for _ in range(paragraphs):
            # Each page opens differently, so no line repeats like a running head.
            pdf.multi_cell(
                w=468, h=15, text=f"{OPENINGS[number % len(OPENINGS)]} {PROSE * (5 + number % 3)}"
            )
            pdf.ln(8)
        pdf.set_xy(72, 720)
        folio = _roman(number) if number < 4 else str(number - 3)
        pdf.cell(w=468, h=12, text=folio, align="C")
    pdf.output(str(path))
    return path


def _roman(number: int) -> str:
    return {1: "i", 2: "ii", 3: "iii"}[number]
