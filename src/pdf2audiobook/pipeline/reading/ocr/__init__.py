"""OCR for pages without a text layer: rendering, engine choice and the engines."""

from pdf2audiobook.pipeline.reading.ocr.base import (
    OcrEngine,
    OcrFailedError,
    OcrUnavailableError,
)
from pdf2audiobook.pipeline.reading.ocr.registry import (
    ENGINE_ENV_VAR,
    available_engines,
    default_engine,
    engine_named,
    unavailable_engines,
)
from pdf2audiobook.pipeline.reading.ocr.render import page_needs_ocr, render_for_ocr

__all__ = [
    "ENGINE_ENV_VAR",
    "OcrEngine",
    "OcrFailedError",
    "OcrUnavailableError",
    "available_engines",
    "default_engine",
    "engine_named",
    "page_needs_ocr",
    "render_for_ocr",
    "unavailable_engines",
]
