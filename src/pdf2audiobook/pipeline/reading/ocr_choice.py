"""Which pages go to OCR: those whose ink their text layer does not account for.

A scan is the plain case (images over the page, no text), but two kinds of page carry
a few words of text over ink that holds the rest: a scan stamped with a visible line
("Scanned by ...", a page number), and a page whose lettering was drawn as outlines
(fonts "converted to curves" by a design tool). Both read as a few words without OCR.
"""

from __future__ import annotations

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from pdf2audiobook.pipeline.reading.ocr.render import (
    FORM_MAX_DEPTH,
    MAX_IMAGES_INSPECTED,
    MIN_IMAGE_COVERAGE,
    MIN_TEXT_CHARS,
    image_coverage,
)

FEW_WORDS_CHARS = 200
"""Below this many non-space characters (about 35 words) a text layer may be only a stamp
or a page number over ink that holds the page's real text. The sparsest page of running
text in the corpus books has several times more."""
MIN_DRAWN_GLYPHS = 100
"""Small filled shapes on a page that make it drawn lettering: a few lines of text set
in outlines already have this many; a rule, a frame or a logo has far fewer."""
GLYPH_MAX_PAGE_SHARE = 0.01
"""A drawn glyph covers under this share of the page; even display type stays below it."""


def page_wants_ocr(page: pdfium.PdfPage, text_chars: int) -> bool:
    """Whether `page`, whose text layer has `text_chars` non-space characters, needs OCR.

    A page with a text layer of more than a few words keeps it. A page mostly covered by
    images goes to OCR unless its few words are an invisible OCR layer someone already
    made (that layer is kept); a page of drawn lettering goes to OCR too.
    """
    if text_chars >= FEW_WORDS_CHARS:
        return False
    if image_coverage(page) >= MIN_IMAGE_COVERAGE:
        return text_chars < MIN_TEXT_CHARS or not _text_is_invisible(page)
    return drawn_glyph_count(page) >= MIN_DRAWN_GLYPHS


def _text_is_invisible(page: pdfium.PdfPage) -> bool:
    """Whether every text object on the page is drawn invisibly, as OCR layers are."""
    texts = page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_TEXT], max_depth=FORM_MAX_DEPTH)
    modes = {pdfium_c.FPDFTextObj_GetTextRenderMode(text.raw) for text in texts}
    return modes == {pdfium_c.FPDF_TEXTRENDERMODE_INVISIBLE}


def drawn_glyph_count(page: pdfium.PdfPage) -> int:
    """Filled path objects small enough to be letters, counted up to a bound."""
    left, bottom, right, top = page.get_bbox()
    largest = (right - left) * (top - bottom) * GLYPH_MAX_PAGE_SHARE
    fill_mode = pdfium_c.c_int()
    stroke = pdfium_c.FPDF_BOOL()
    count = 0
    paths = page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH], max_depth=FORM_MAX_DEPTH)
    for inspected, path in enumerate(paths):
        if inspected >= MAX_IMAGES_INSPECTED or count >= MIN_DRAWN_GLYPHS:
            break
        x0, y0, x1, y1 = path.get_bounds()
        if (x1 - x0) * (y1 - y0) > largest:
            continue
        pdfium_c.FPDFPath_GetDrawMode(path.raw, pdfium_c.byref(fill_mode), pdfium_c.byref(stroke))
        count += fill_mode.value != pdfium_c.FPDF_FILLMODE_NONE
    return count
