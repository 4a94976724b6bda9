"""The book's cover art: its first page, rendered small enough for any player."""

from __future__ import annotations

import io
import math

import pypdfium2 as pdfium

COVER_MAX_SIDE = 1400
"""Pixels on the longer side; players show covers at a few hundred pixels at most."""
JPEG_QUALITY = 85


def render_cover(page: pdfium.PdfPage, user_unit: float, max_side_points: float) -> bytes | None:
    """The page as JPEG bytes, or None when the page is too large to render safely.

    The scale is fixed before pdfium allocates anything, so a page that claims to be
    metres wide costs no more than a normal one.
    """
    width, height = page.get_size()
    if width <= 0 or height <= 0 or max(width, height) * user_unit > max_side_points:
        return None
    scale = COVER_MAX_SIDE / max(width, height)
    if math.ceil(width * scale) < 1 or math.ceil(height * scale) < 1:
        return None
    image = page.render(scale=scale).to_pil().convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return buffer.getvalue()
