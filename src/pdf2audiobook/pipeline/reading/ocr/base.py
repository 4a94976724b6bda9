"""The interface every OCR engine implements, and what engines share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from PIL import Image

from pdf2audiobook.pipeline.document import TextLine
from pdf2audiobook.pipeline.errors import PipelineError

_ASCENDERS = frozenset("bdfhklt0123456789!?/\\|()[]{}'\"%&#@$")
_DESCENDERS = frozenset("gjpqy,;()[]{}|")
# A line's ink box spans only the parts of the em its letters reach. Proportions of the
# em for a typical serif or sans text face; good enough to compare sizes across lines.
_ASCENDER_HEIGHT = 0.72
_X_HEIGHT = 0.47
_DESCENDER_DEPTH = 0.22


class OcrFailedError(PipelineError):
    """An OCR engine crashed or produced output we could not read."""

    code = "ocr_failed"


class OcrUnavailableError(PipelineError):
    """No OCR engine can run here, so image-only pages cannot be read."""

    code = "ocr_unavailable"


class OcrEngine(Protocol):
    """Reads the text of a page image.

    Implementations are cheap to construct; anything expensive (loading models,
    probing binaries) happens on first use.
    """

    name: str

    def unavailable_reason(self) -> str | None:
        """None when the engine can run on this machine, else why it cannot."""
        ...

    def read(self, image: Image.Image, points_per_pixel: float) -> list[TextLine]:
        """Return the lines of `image` in reading order.

        Coordinates are PDF points from the page's top-left corner (pixels times
        `points_per_pixel`); `size` and `lead_size` are estimated from the line's
        height, and `char_sizes` is empty. Raises `OcrFailedError` when the engine
        fails and `ResourceLimitError` when it runs out of time or memory.
        """
        ...


@dataclass(frozen=True, slots=True)
class PixelBox:
    """An axis-aligned box in image pixels, y growing downwards."""

    x0: float
    top: float
    x1: float
    bottom: float

    @property
    def height(self) -> float:
        return self.bottom - self.top


def make_line(
    text: str, box: PixelBox, points_per_pixel: float, ink_share: float = 1.0
) -> TextLine:
    """Build a `TextLine` in points from text and its pixel box.

    `ink_share` is the part of the box height covered by glyphs, below 1 for engines
    that pad their boxes.
    """
    size = estimate_font_size(text, box.height * ink_share * points_per_pixel)
    return TextLine(
        text=text,
        x0=box.x0 * points_per_pixel,
        top=box.top * points_per_pixel,
        x1=box.x1 * points_per_pixel,
        bottom=box.bottom * points_per_pixel,
        size=size,
        lead_size=size,
    )


def estimate_font_size(text: str, ink_height: float) -> float:
    """Font size of a line whose glyphs span `ink_height` from top to bottom.

    A line of x-height letters ("a new move") is much shorter than one with both
    ascenders and descenders ("Typography"), so the letters present decide which part
    of the em the height covers. Without this, body lines would vary by a factor of
    two and look like headings to the size-based rules downstream.
    """
    letters = set(text)
    reaches_up = any(ch.isupper() for ch in text) or not letters.isdisjoint(_ASCENDERS)
    reaches_down = not letters.isdisjoint(_DESCENDERS)
    share = (_ASCENDER_HEIGHT if reaches_up else _X_HEIGHT) + (
        _DESCENDER_DEPTH if reaches_down else 0.0
    )
    return ink_height / share
