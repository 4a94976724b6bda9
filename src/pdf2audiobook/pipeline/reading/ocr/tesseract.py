"""OCR with the Tesseract command-line program, run as a child process."""

from __future__ import annotations

import io
import os
import shutil
import subprocess

from PIL import Image

from pdf2audiobook.pipeline.document import TextLine
from pdf2audiobook.pipeline.errors import ResourceLimitError
from pdf2audiobook.pipeline.reading.ocr.base import OcrFailedError, PixelBox, make_line

_WORD_LEVEL = "5"
_TSV_COLUMNS = (
    "level",
    "page_num",
    "block_num",
    "par_num",
    "line_num",
    "word_num",
    "left",
    "top",
    "width",
    "height",
    "conf",
    "text",
)
_PROBE_SECONDS = 10.0


class TesseractEngine:
    """Tesseract 4/5 via its binary; its page segmentation gives the reading order.

    OpenMP is limited to one thread: on a small shared machine Tesseract is about five
    times faster that way, and pages are parallelised by process instead.
    """

    name = "tesseract"

    def __init__(
        self,
        language: str = "eng",
        timeout_seconds: float = 60.0,
        binary: str = "tesseract",
    ) -> None:
        self.language = language
        self.timeout_seconds = timeout_seconds
        self.binary = binary

    def unavailable_reason(self) -> str | None:
        """None when the binary is on PATH and has the language data, else why not."""
        path = shutil.which(self.binary)
        if path is None:
            return f"the '{self.binary}' program is not on PATH (install tesseract-ocr)"
        try:
            probe = subprocess.run(
                [path, "--list-langs"],
                capture_output=True,
                timeout=_PROBE_SECONDS,
                env=_environment(),
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            return f"'{path} --list-langs' failed: {error}"
        # Tesseract 4 prints the list on stderr, 5 on stdout.
        listed = (probe.stdout + probe.stderr).decode("utf-8", "replace").split()
        missing = [lang for lang in self.language.split("+") if lang not in listed]
        if probe.returncode != 0 or missing:
            return f"tesseract has no language data for {', '.join(missing) or self.language}"
        return None

    def read(self, image: Image.Image, points_per_pixel: float) -> list[TextLine]:
        """OCR `image` and return its lines in Tesseract's reading order."""
        dpi = round(72.0 / points_per_pixel)
        command = [self.binary, "stdin", "stdout", "-l", self.language, "--dpi", str(dpi), "tsv"]
        try:
            result = subprocess.run(
                command,
                input=_png_bytes(image),
                capture_output=True,
                timeout=self.timeout_seconds,
                env=_environment(),
                check=False,
            )
        except subprocess.TimeoutExpired as error:
            raise ResourceLimitError(
                f"Text recognition took longer than {self.timeout_seconds:.0f} s on one page."
            ) from error
        except OSError as error:
            raise OcrFailedError(f"Could not run tesseract: {error}") from error
        if result.returncode != 0:
            detail = result.stderr.decode("utf-8", "replace").strip()[-500:]
            raise OcrFailedError(f"tesseract exited with code {result.returncode}: {detail}")
        return parse_tsv(result.stdout.decode("utf-8", "replace"), points_per_pixel)


def parse_tsv(tsv: str, points_per_pixel: float) -> list[TextLine]:
    """Group Tesseract's TSV words into lines, keeping the order lines first appear in."""
    words_by_line: dict[tuple[str, ...], list[tuple[str, PixelBox]]] = {}
    for row in tsv.splitlines()[1:]:
        fields = dict(zip(_TSV_COLUMNS, row.split("\t"), strict=False))
        text = fields.get("text", "").strip()
        if fields["level"] != _WORD_LEVEL or not text:
            continue
        left, top = int(fields["left"]), int(fields["top"])
        box = PixelBox(left, top, left + int(fields["width"]), top + int(fields["height"]))
        line_key = tuple(fields[key] for key in ("page_num", "block_num", "par_num", "line_num"))
        words_by_line.setdefault(line_key, []).append((text, box))
    return [_line_from_words(words, points_per_pixel) for words in words_by_line.values()]


def _line_from_words(words: list[tuple[str, PixelBox]], points_per_pixel: float) -> TextLine:
    boxes = [box for _, box in words]
    union = PixelBox(
        x0=min(box.x0 for box in boxes),
        top=min(box.top for box in boxes),
        x1=max(box.x1 for box in boxes),
        bottom=max(box.bottom for box in boxes),
    )
    return make_line(" ".join(text for text, _ in words), union, points_per_pixel)


def _png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    # Level 1 compresses a 300 dpi page in a fraction of the default's time; the pipe
    # does not care about size.
    image.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def _environment() -> dict[str, str]:
    return {**os.environ, "OMP_THREAD_LIMIT": "1"}
