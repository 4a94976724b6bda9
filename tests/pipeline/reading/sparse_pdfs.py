"""Small PDFs whose pages carry ink but almost no text layer, built with fpdf2."""

from __future__ import annotations

from pathlib import Path

from fontTools.pens.basePen import BasePen  # type: ignore[import-untyped]
from fontTools.ttLib import TTFont  # type: ignore[import-untyped]
from fpdf import FPDF
from fpdf.drawing import PaintedPath
from PIL import Image, ImageDraw, ImageFont

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

PROSE = [
    "The river rose in the night and the",
    "village woke to water in the streets.",
    "Nobody had seen a flood like it since",
    "the winter their grandparents married.",
]

NEAR_EMPTY_WORDS = (
    "Riverside Garden Club annual report photographs of the summer flower show and prizes"
)
"""Thirteen words: all the text layer of `near_empty_pdf`."""


def near_empty_pdf(path: Path, pages: int = 31) -> Path:
    """`pages` pages with thirteen words among them, as a slide deck exported as pictures
    reads without OCR: a title, then a word or two on some pages, the rest blank."""
    pdf = FPDF(unit="pt", format="letter")
    pdf.set_font("helvetica", size=14)
    words = NEAR_EMPTY_WORDS.split()
    pieces = [" ".join(words[:5]), *words[5:]]
    for number in range(pages):
        pdf.add_page()
        if number < len(pieces):
            pdf.text(72, 100, pieces[number])
    pdf.output(str(path))
    return path


class _PathPen(BasePen):  # type: ignore[misc]
    """Draws a glyph's outline into an fpdf2 path, scaled and placed on the page."""

    def __init__(self, glyphs: object, path: PaintedPath, x: float, y: float, scale: float):
        super().__init__(glyphs)
        self._path, self._x, self._y, self._scale = path, x, y, scale

    def _point(self, point: tuple[float, float]) -> tuple[float, float]:
        return self._x + point[0] * self._scale, self._y - point[1] * self._scale

    def _moveTo(self, pt: tuple[float, float]) -> None:
        self._path.move_to(*self._point(pt))

    def _lineTo(self, pt: tuple[float, float]) -> None:
        self._path.line_to(*self._point(pt))

    def _curveToOne(
        self, pt1: tuple[float, float], pt2: tuple[float, float], pt3: tuple[float, float]
    ) -> None:
        self._path.curve_to(*self._point(pt1), *self._point(pt2), *self._point(pt3))

    def _qCurveToOne(self, pt1: tuple[float, float], pt2: tuple[float, float]) -> None:
        self._path.quadratic_curve_to(*self._point(pt1), *self._point(pt2))

    def _closePath(self) -> None:
        self._path.close()


def drawn_lettering_pdf(path: Path, lines: list[str] = PROSE, size: float = 20.0) -> Path:
    """One page whose prose is drawn as glyph outlines, one filled path per letter, and
    whose only text layer is its page number."""
    font = TTFont(FONT)
    glyph_set = font.getGlyphSet()
    cmap = font.getBestCmap()
    scale = size / font["head"].unitsPerEm
    pdf = FPDF(unit="pt", format="letter")
    pdf.add_page()
    for row, line in enumerate(lines):
        x, baseline = 72.0, 120.0 + row * size * 1.5
        for character in line:
            glyph = glyph_set[cmap[ord(character)]]
            if character != " ":
                with pdf.new_path() as outline:
                    outline.style.fill_color = "#000000"
                    outline.style.stroke_color = None
                    glyph.draw(_PathPen(glyph_set, outline, x, baseline, scale))
            x += glyph.width * scale
    pdf.set_font("helvetica", size=10)
    pdf.text(300, 760, "7")
    pdf.output(str(path))
    return path


def stamped_scan_pdf(path: Path, stamp: str = "Scanned at the county library") -> Path:
    """One page that is a picture of printed prose, with a visible line of real text, a
    scanner's stamp, printed over its foot."""
    width, height = 1275, 1650  # letter at 150 pixels per inch
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    lettering = ImageFont.truetype(str(FONT), 40)
    for row, line in enumerate(PROSE):
        draw.text((150, 200 + row * 70), line, fill=0, font=lettering)
    pdf = FPDF(unit="pt", format="letter")
    pdf.add_page()
    pdf.image(image, x=0, y=0, w=pdf.w, h=pdf.h)
    pdf.set_font("helvetica", size=9)
    pdf.set_xy(72, 700)
    pdf.multi_cell(w=468, text=stamp)
    pdf.output(str(path))
    return path
