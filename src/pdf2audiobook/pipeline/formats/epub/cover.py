"""The cover image a package names, as a JPEG small enough for any player."""

from __future__ import annotations

import io
import warnings

from PIL import Image

from pdf2audiobook.pipeline.reading.cover import COVER_MAX_SIDE, JPEG_QUALITY


def cover_jpeg(data: bytes, max_pixels: int) -> bytes | None:
    """`data` (any image Pillow reads) as JPEG, or None when it is not an image or has more
    than `max_pixels` pixels. The size is checked from the header, before decoding."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                if width < 1 or height < 1 or width * height > max_pixels:
                    return None
                image.draft("RGB", (COVER_MAX_SIDE, COVER_MAX_SIDE))
                picture = image.convert("RGB")
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Warning):
        return None
    picture.thumbnail((COVER_MAX_SIDE, COVER_MAX_SIDE))
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return buffer.getvalue()
