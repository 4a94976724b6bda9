"""Rasterising a page for OCR, and deciding which pages need it."""

from __future__ import annotations

import math

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image

POINTS_PER_INCH = 72.0
MIN_TEXT_CHARS = 20
"""A page with at least this many non-space characters keeps its text layer."""
MIN_IMAGE_COVERAGE = 0.5
"""Share of the page that images must cover before a text-less page counts as a scan."""
FORM_MAX_DEPTH = 2
"""How deep to look into form XObjects for images; scanners nest at most one level."""
MAX_IMAGES_INSPECTED = 5000
"""Enough for scans cut into strips; bounds the work on a page of countless tiny images."""
_COVERAGE_GRID = 64


def render_for_ocr(
    page: pdfium.PdfPage,
    dpi: int = 300,
    max_pixels: int = 25_000_000,
    user_unit: float = 1.0,
) -> tuple[Image.Image, float]:
    """Render `page` in grayscale for OCR and return the image and its points per pixel.

    The resolution is `dpi`, lowered when needed so that width * height never exceeds
    `max_pixels`: the size is computed before pdfium allocates anything, because a huge
    page would otherwise cost gigabytes. `user_unit` is the page's /UserUnit, which
    pdfium ignores; one page unit then measures `user_unit` / 72 inch. Points per pixel
    are in page units, the same units as a text layer's coordinates.
    """
    if dpi <= 0 or max_pixels <= 0 or user_unit <= 0:
        raise ValueError("dpi, max_pixels and user_unit must be positive")
    width, height = page.get_size()
    if not (0 < width < math.inf and 0 < height < math.inf):
        raise ValueError(f"page has no usable size ({width} x {height} points)")
    scale = _fitting_scale(width, height, dpi / POINTS_PER_INCH * user_unit, max_pixels)
    image: Image.Image = page.render(scale=scale, grayscale=True).to_pil()
    return image, 1.0 / scale


def _fitting_scale(width: float, height: float, scale: float, max_pixels: int) -> float:
    """Largest scale <= `scale` whose rounded-up bitmap stays within `max_pixels`."""

    def pixels(s: float) -> int:
        return math.ceil(width * s) * math.ceil(height * s)

    # pdfium rounds each side up, so 792 pt * (300 / 72) = 3300.0000000000005 would get
    # a blank extra row; a nudge far below a pixel keeps exact sizes exact.
    scale *= 1 - 1e-9
    if pixels(scale) > max_pixels:
        scale = math.sqrt(max_pixels / (width * height))
    # Rounding up can still overshoot the budget by a row or a column.
    while pixels(scale) > max_pixels:
        scale *= 0.999
    return scale


def page_needs_ocr(page: pdfium.PdfPage, text_chars: int) -> bool:
    """Tell whether a page is a scan: almost no text layer, and images over most of it.

    `text_chars` is the number of non-space characters in the page's text layer. A page
    that already carries an OCR layer (often invisible, in GlyphLessFont) has enough
    characters and keeps that layer instead of being read again.
    """
    if text_chars >= MIN_TEXT_CHARS:
        return False
    return image_coverage(page) >= MIN_IMAGE_COVERAGE


def image_coverage(page: pdfium.PdfPage) -> float:
    """Share of the page's visible area (0..1) that image objects cover, overlaps counted once."""
    left, bottom, right, top = page.get_bbox()
    page_width, page_height = right - left, top - bottom
    if page_width <= 0 or page_height <= 0:
        return 0.0
    covered = np.zeros((_COVERAGE_GRID, _COVERAGE_GRID), dtype=bool)
    images = page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=FORM_MAX_DEPTH)
    for count, image in enumerate(images):
        if count >= MAX_IMAGES_INSPECTED:
            break
        x0, y0, x1, y1 = _page_space_bounds(image)
        col0, col1 = _cell_span(x0 - left, x1 - left, page_width)
        row0, row1 = _cell_span(y0 - bottom, y1 - bottom, page_height)
        covered[row0:row1, col0:col1] = True
    return float(covered.mean())


def _page_space_bounds(obj: pdfium.PdfObject) -> tuple[float, float, float, float]:
    """Bounds of `obj` on the page; pdfium reports children of a form in the form's space."""
    bounds: tuple[float, float, float, float] = obj.get_bounds()
    container = obj.container
    while container is not None:
        bounds = container.get_matrix().on_rect(*bounds)
        container = container.container
    return bounds


def _cell_span(low: float, high: float, extent: float) -> tuple[int, int]:
    """Grid cells touched by the interval [low, high] of a side `extent` long."""
    first = math.floor(low / extent * _COVERAGE_GRID)
    end = math.ceil(high / extent * _COVERAGE_GRID)
    return min(max(first, 0), _COVERAGE_GRID), min(max(end, 0), _COVERAGE_GRID)
