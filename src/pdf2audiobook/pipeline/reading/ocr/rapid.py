"""OCR with RapidOCR (PP-OCR models on onnxruntime), using only the models in its wheel."""

from __future__ import annotations

import importlib.util
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from pdf2audiobook.pipeline.document import TextLine
from pdf2audiobook.pipeline.errors import ResourceLimitError
from pdf2audiobook.pipeline.reading.ocr.base import OcrFailedError, PixelBox, make_line

BUNDLED_MODELS = {
    "Det": "PP-OCRv6_det_small.onnx",
    "Cls": "ch_ppocr_mobile_v2.0_cls_mobile.onnx",
    "Rec": "PP-OCRv6_rec_small.onnx",
}
# The detector pads each box around its glyphs (unclip ratio 1.6). With this share of
# the box taken as ink, sizes on corpus file 11 match the source PDF's (median ratio 1.0).
_INK_SHARE_OF_BOX = 0.85

_OUT_OF_MEMORY = "Text recognition needed more memory than allowed on one page."

_engine_lock = threading.Lock()
_engine: Any = None


class RapidOcrEngine:
    """RapidOCR 3 with its bundled PP-OCRv6 models, one onnxruntime thread.

    Every model path is given explicitly, so RapidOCR never reaches the code path that
    downloads a model. The engine object is loaded on first use and shared by the process.
    """

    name = "rapidocr"

    def unavailable_reason(self) -> str | None:
        """None when rapidocr, onnxruntime and the bundled models are installed, else why not."""
        for module in ("rapidocr", "onnxruntime"):
            if importlib.util.find_spec(module) is None:
                return f"the Python package '{module}' is not installed"
        model_dir = _bundled_model_dir()
        missing = [name for name in BUNDLED_MODELS.values() if not (model_dir / name).is_file()]
        if missing:
            return f"rapidocr's bundled models are missing from {model_dir}: {', '.join(missing)}"
        return None

    def read(self, image: Image.Image, points_per_pixel: float) -> list[TextLine]:
        """OCR `image` and return its lines, two-column pages column by column."""
        try:
            gray = image if image.mode == "L" else image.convert("L")
            result = _shared_engine()(np.asarray(gray))
        except MemoryError as error:
            raise ResourceLimitError(_OUT_OF_MEMORY) from error
        except Exception as error:
            # RapidOCR lets onnxruntime, OpenCV and its own errors through unwrapped, and
            # onnxruntime reports running out of memory as a std::bad_alloc message.
            if "bad_alloc" in str(error):
                raise ResourceLimitError(_OUT_OF_MEMORY) from error
            raise OcrFailedError(f"RapidOCR failed: {error}") from error
        if result.boxes is None or result.txts is None:
            return []
        boxes = [
            OcrBox(text=str(text), box=_axis_aligned(quad))
            for quad, text in zip(result.boxes, result.txts, strict=True)
            if str(text).strip()
        ]
        return [
            make_line(line.text, line.box, points_per_pixel, ink_share=_INK_SHARE_OF_BOX)
            for line in boxes_to_lines(boxes)
        ]


def _axis_aligned(quad: Any) -> PixelBox:
    points = np.asarray(quad, dtype=float)
    x0, top = points.min(axis=0)
    x1, bottom = points.max(axis=0)
    return PixelBox(float(x0), float(top), float(x1), float(bottom))


def _bundled_model_dir() -> Path:
    spec = importlib.util.find_spec("rapidocr")
    if spec is None or spec.origin is None:
        raise OcrFailedError("rapidocr is not installed")
    return Path(spec.origin).parent / "models"


def _shared_engine() -> Any:
    """The process-wide RapidOCR object, built on first call (importing it takes seconds)."""
    global _engine
    with _engine_lock:
        if _engine is None:
            _disable_onnxruntime_telemetry()
            from rapidocr import RapidOCR

            _engine = RapidOCR(params=_engine_params())
        return _engine


def _disable_onnxruntime_telemetry() -> None:
    """Stop onnxruntime (1.29 and later) from sending usage events to Microsoft.

    Its Linux wheels look up and contact mobile.events.data.microsoft.com during
    inference. The switch is read once, when onnxruntime is imported, so a process that
    imported it earlier keeps whatever was set then; entry points should set it too.
    """
    os.environ["ORT_DISABLE_TELEMETRY"] = "1"


def _engine_params() -> dict[str, object]:
    model_dir = _bundled_model_dir()
    params: dict[str, object] = {
        "Global.log_level": "error",
        # The 0/180 degree line classifier turned upright lines upside down and made
        # them unreadable: CER 1.4% with it, 0.3% without, on corpus file 11.
        "Global.use_cls": False,
        "Global.model_root_dir": str(model_dir),
        "EngineConfig.onnxruntime.intra_op_num_threads": 1,
        "EngineConfig.onnxruntime.inter_op_num_threads": 1,
    }
    for stage, file_name in BUNDLED_MODELS.items():
        params[f"{stage}.model_path"] = str(model_dir / file_name)
    return params


# --- From boxes to lines in reading order -------------------------------------------
# RapidOCR returns one box per run of text, in no particular order. A box rarely spans
# two columns, so the gap no box crosses is the gutter; boxes that do cross it (titles,
# full-width figures) split the page into bands that are read top to bottom.

_GUTTER_SEARCH = (0.25, 0.75)
"""Part of the text width, left to right, where a column gutter may lie."""
_GUTTER_BINS = 400
_MIN_BOXES_PER_COLUMN = 3
_MAX_SPANNING_SHARE = 0.5
"""Boxes crossing the gutter, as a share of the smaller column, above which it is no gutter."""
_MIN_COLUMN_OVERLAP = 0.5
"""Share of the shorter column's height that both columns must share vertically."""
_SAME_LINE_OVERLAP = 0.5


@dataclass(frozen=True, slots=True)
class OcrBox:
    """A run of recognised text and its box in pixels."""

    text: str
    box: PixelBox

    @property
    def middle_y(self) -> float:
        return (self.box.top + self.box.bottom) / 2


def boxes_to_lines(boxes: list[OcrBox]) -> list[OcrBox]:
    """Join boxes that share a line, and order lines as a person reads the page.

    One column reads top to bottom. Two columns read the left column, then the right,
    within each band between boxes that cross the gutter.
    """
    gutter = find_gutter(boxes)
    if gutter is None:
        return _join_lines(boxes)
    left = [b for b in boxes if b.box.x1 <= gutter]
    right = [b for b in boxes if b.box.x0 >= gutter]
    spanning = _join_lines([b for b in boxes if b.box.x0 < gutter < b.box.x1])
    ordered: list[OcrBox] = []
    band_top = float("-inf")
    for divider in [*spanning, None]:
        band_bottom = float("inf") if divider is None else divider.middle_y
        for column in (left, right):
            in_band = [b for b in column if band_top <= b.middle_y < band_bottom]
            ordered.extend(_join_lines(in_band))
        if divider is not None:
            ordered.append(divider)
        band_top = band_bottom
    return ordered


def find_gutter(boxes: list[OcrBox]) -> float | None:
    """The x of the gutter between two columns of text, or None for one column."""
    if len(boxes) < 2 * _MIN_BOXES_PER_COLUMN:
        return None
    text_left = min(b.box.x0 for b in boxes)
    text_width = max(b.box.x1 for b in boxes) - text_left
    if text_width <= 0:
        return None
    crossings = np.zeros(_GUTTER_BINS, dtype=int)
    for b in boxes:
        first = int((b.box.x0 - text_left) / text_width * _GUTTER_BINS)
        end = int(np.ceil((b.box.x1 - text_left) / text_width * _GUTTER_BINS))
        crossings[first:end] += 1
    search_start, search_end = (int(share * _GUTTER_BINS) for share in _GUTTER_SEARCH)
    run_start, run_end = _widest_lowest_run(crossings[search_start:search_end])
    gutter = text_left + (search_start + (run_start + run_end) / 2) / _GUTTER_BINS * text_width
    if _looks_like_columns(boxes, gutter):
        return gutter
    return None


def _widest_lowest_run(counts: np.ndarray[Any, np.dtype[Any]]) -> tuple[int, int]:
    """Start and end (exclusive) of the widest run of bins holding the minimum count."""
    lowest = counts.min()
    best = (0, 0)
    start: int | None = None
    for index, count in enumerate([*counts.tolist(), None]):
        if count == lowest and start is None:
            start = index
        elif count != lowest and start is not None:
            if index - start > best[1] - best[0]:
                best = (start, index)
            start = None
    return best


def _looks_like_columns(boxes: list[OcrBox], gutter: float) -> bool:
    left = [b for b in boxes if b.box.x1 <= gutter]
    right = [b for b in boxes if b.box.x0 >= gutter]
    spanning = len(boxes) - len(left) - len(right)
    smaller = min(len(left), len(right))
    if smaller < _MIN_BOXES_PER_COLUMN or spanning > _MAX_SPANNING_SHARE * smaller:
        return False
    left_top, left_bottom = min(b.box.top for b in left), max(b.box.bottom for b in left)
    right_top, right_bottom = min(b.box.top for b in right), max(b.box.bottom for b in right)
    shared = min(left_bottom, right_bottom) - max(left_top, right_top)
    shorter = min(left_bottom - left_top, right_bottom - right_top)
    return shorter > 0 and shared >= _MIN_COLUMN_OVERLAP * shorter


def _join_lines(boxes: list[OcrBox]) -> list[OcrBox]:
    """Merge boxes that overlap vertically into lines, top to bottom, left to right."""
    lines: list[list[OcrBox]] = []
    for candidate in sorted(boxes, key=lambda b: b.middle_y):
        # Compare with the line's first box: a union would grow on skewed scans until
        # it swallowed the next line.
        if lines and _share_a_line(lines[-1][0].box, candidate.box):
            lines[-1].append(candidate)
        else:
            lines.append([candidate])
    joined = [_merge(sorted(line, key=lambda b: b.box.x0)) for line in lines]
    return sorted(joined, key=lambda b: (b.box.top, b.box.x0))


def _share_a_line(first: PixelBox, other: PixelBox) -> bool:
    overlap = min(first.bottom, other.bottom) - max(first.top, other.top)
    return overlap >= _SAME_LINE_OVERLAP * min(first.height, other.height)


def _merge(line: list[OcrBox]) -> OcrBox:
    return OcrBox(
        text=" ".join(b.text.strip() for b in line),
        box=PixelBox(
            x0=min(b.box.x0 for b in line),
            top=min(b.box.top for b in line),
            x1=max(b.box.x1 for b in line),
            bottom=max(b.box.bottom for b in line),
        ),
    )
