"""OCR: rendering limits, which pages need OCR, engine choice, and accuracy on real scans."""

from __future__ import annotations

import os
import re
import shutil
import socket
import statistics
import unicodedata
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from PIL import Image
from rapidfuzz.distance import Levenshtein

from pdf2audiobook.pipeline.document import TextLine
from pdf2audiobook.pipeline.errors import ResourceLimitError
from pdf2audiobook.pipeline.reading.ocr import (
    ENGINE_ENV_VAR,
    OcrUnavailableError,
    available_engines,
    default_engine,
    page_needs_ocr,
    render_for_ocr,
)
from pdf2audiobook.pipeline.reading.ocr.base import PixelBox
from pdf2audiobook.pipeline.reading.ocr.rapid import OcrBox, RapidOcrEngine, boxes_to_lines
from pdf2audiobook.pipeline.reading.ocr.tesseract import TesseractEngine
from pdf2audiobook.pipeline.reading.pdfium_text import read_lines

CORPUS = Path(__file__).resolve().parents[3].parent / "shared" / "corpus"
SCAN_WITH_TRUTH = CORPUS / "11-scan-synthetic-r-intro-300dpi.pdf"
SCAN_SOURCE = CORPUS / "06-manual-r-intro.pdf"
SCAN_SOURCE_FIRST_PAGE = 9
"""Corpus file 11 is pages 9-11 of file 06, rasterised at 300 dpi."""

needs_tesseract = pytest.mark.skipif(
    shutil.which("tesseract") is None, reason="tesseract is not installed"
)


def normalise(text: str) -> str:
    """NFKC, line-end hyphens rejoined, whitespace collapsed: what CER is computed over."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"(\w)-[ \t]*\n\s*(\w)", r"\1\2", text)
    return " ".join(text.split())


def character_error_rate(lines: list[TextLine], truth: str) -> float:
    hypothesis = normalise("\n".join(line.text for line in lines))
    reference = normalise(truth)
    return int(Levenshtein.distance(hypothesis, reference)) / len(reference)


def ground_truth_pages() -> list[str]:
    text = SCAN_WITH_TRUTH.with_name(SCAN_WITH_TRUTH.name + ".gt.txt").read_text("utf-8")
    return text.split("\f")


def read_scan(engine: TesseractEngine | RapidOcrEngine, path: Path) -> list[list[TextLine]]:
    """Every page of `path` read by `engine`, in page order.

    Pages are rendered one after another (pdfium is not thread-safe) and read on one
    thread per core: each engine works on one thread (Tesseract in its own process,
    RapidOCR in onnxruntime, which releases the GIL), so the pages are read side by side.
    """
    document = pdfium.PdfDocument(path)
    try:
        images = [render_for_ocr(page) for page in document]
    finally:
        document.close()
    with ThreadPoolExecutor(max_workers=min(len(images), len(os.sched_getaffinity(0)))) as pool:
        return list(pool.map(lambda rendered: engine.read(*rendered), images))


def source_body_size() -> float:
    """Median font size of the text layer the synthetic scan was made from."""
    document = pdfium.PdfDocument(SCAN_SOURCE)
    try:
        sizes: list[float] = []
        for offset in range(3):
            page = document[SCAN_SOURCE_FIRST_PAGE - 1 + offset]
            lines = read_lines(page.get_textpage(), page.get_height())
            sizes.extend(line.size for line in lines)
        return float(statistics.median(sizes))
    finally:
        document.close()


def non_space_chars(page: pdfium.PdfPage) -> int:
    return len("".join(page.get_textpage().get_text_range().split()))


# --- Tesseract -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tesseract_pages() -> list[list[TextLine]]:
    return read_scan(TesseractEngine(), SCAN_WITH_TRUTH)


@needs_tesseract
def test_tesseract_reads_synthetic_scan_within_two_percent_cer(
    tesseract_pages: list[list[TextLine]],
) -> None:
    truth = ground_truth_pages()

    rates = [
        character_error_rate(lines, text)
        for lines, text in zip(tesseract_pages, truth, strict=True)
    ]

    assert len(rates) == 3
    assert max(rates) <= 0.02, rates


@needs_tesseract
def test_tesseract_lines_are_in_page_points_with_estimated_sizes(
    tesseract_pages: list[list[TextLine]],
) -> None:
    lines = [line for page in tesseract_pages for line in page]

    assert all(
        0 <= line.x0 < line.x1 <= 612 and 0 <= line.top < line.bottom <= 792 for line in lines
    )
    assert all(line.char_sizes == () and line.lead_size == line.size for line in lines)
    ocr_body = statistics.median(line.size for line in lines)
    assert ocr_body == pytest.approx(source_body_size(), rel=0.1)


@needs_tesseract
def test_tesseract_starts_page_with_running_head(tesseract_pages: list[list[TextLine]]) -> None:
    first_lines = [page[0].text for page in tesseract_pages]

    assert all(text.startswith("Chapter 1: Introduction and preliminaries") for text in first_lines)


@needs_tesseract
def test_tesseract_reads_two_column_scan_left_column_first() -> None:
    document = pdfium.PdfDocument(CORPUS / "10-scan-mixed-novel-pages.pdf")
    try:
        image, points_per_pixel = render_for_ocr(document[4])
    finally:
        document.close()

    texts = [line.text for line in TesseractEngine().read(image, points_per_pixel)]

    def position(fragment: str) -> int:
        return next(i for i, text in enumerate(texts) if fragment in text)

    left_top = position("with a plain face, on the throne of England")
    left_bottom = position("achievements as sentencing a youth")
    right_top = position("hands cut off, his tongue torn out")
    assert left_top < left_bottom < right_top
    assert right_top == left_bottom + 1


@needs_tesseract
def test_tesseract_that_runs_out_of_time_raises_resource_limit() -> None:
    document = pdfium.PdfDocument(SCAN_WITH_TRUTH)
    try:
        image, points_per_pixel = render_for_ocr(document[0])
    finally:
        document.close()

    with pytest.raises(ResourceLimitError, match="longer than"):
        TesseractEngine(timeout_seconds=0.001).read(image, points_per_pixel)


@needs_tesseract
def test_tesseract_without_language_data_is_unavailable() -> None:
    reason = TesseractEngine(language="eng+qqq").unavailable_reason()

    assert reason is not None
    assert "qqq" in reason


# --- RapidOCR --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def network_attempts() -> Iterator[list[str]]:
    """Every attempt to open a network connection from Python while the fixture lives."""
    attempts: list[str] = []

    def refuse(*args: Any, **_: Any) -> Any:
        attempts.append(repr(args[:2]))
        raise OSError("network access is not allowed in this test")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket, "getaddrinfo", refuse)
        patch.setattr(socket.socket, "connect", refuse)
        yield attempts


@pytest.fixture(scope="module")
def rapid_pages(network_attempts: list[str]) -> list[list[TextLine]]:
    del network_attempts  # requested so that reading happens with the network refused
    return read_scan(RapidOcrEngine(), SCAN_WITH_TRUTH)


def test_rapidocr_reads_synthetic_scan_within_two_percent_cer(
    rapid_pages: list[list[TextLine]],
) -> None:
    truth = ground_truth_pages()

    rates = [
        character_error_rate(lines, text) for lines, text in zip(rapid_pages, truth, strict=True)
    ]

    assert len(rates) == 3
    # Measured 0.2-0.5% per page; with RapidOCR's default 180-degree line classifier
    # switched back on, page 2 reaches 3.7%.
    assert max(rates) <= 0.02, rates


def test_rapidocr_uses_bundled_models_without_network(
    rapid_pages: list[list[TextLine]], network_attempts: list[str]
) -> None:
    assert sum(len(page) for page in rapid_pages) > 100
    assert network_attempts == []


def test_rapidocr_line_sizes_match_source_body_size(rapid_pages: list[list[TextLine]]) -> None:
    sizes = [line.size for page in rapid_pages for line in page]

    assert statistics.median(sizes) == pytest.approx(source_body_size(), rel=0.1)


@pytest.mark.parametrize(
    "engine",
    [pytest.param(TesseractEngine(), marks=needs_tesseract), RapidOcrEngine()],
    ids=["tesseract", "rapidocr"],
)
def test_blank_page_reads_as_no_lines(engine: TesseractEngine | RapidOcrEngine) -> None:
    blank = Image.new("L", (1275, 1650), 255)

    assert engine.read(blank, points_per_pixel=0.48) == []


def box(text: str, x0: float, top: float, x1: float, bottom: float) -> OcrBox:
    return OcrBox(text, PixelBox(x0, top, x1, bottom))


def test_boxes_to_lines_reads_left_column_then_right_below_a_full_width_title() -> None:
    left = [box(f"left {row}", 100, 200 + 50 * row, 900, 240 + 50 * row) for row in range(5)]
    right = [box(f"right {row}", 1000, 200 + 50 * row, 1800, 240 + 50 * row) for row in range(5)]
    title = box("A title across both columns", 300, 100, 1600, 150)

    lines = boxes_to_lines([*right, title, *reversed(left)])

    assert [line.text for line in lines] == [
        "A title across both columns",
        *(f"left {row}" for row in range(5)),
        *(f"right {row}" for row in range(5)),
    ]


def test_boxes_to_lines_keeps_one_column_page_in_row_order_and_joins_fragments() -> None:
    rows = [
        box(f"line {row} of prose", 100, 100 + 50 * row, 1800, 140 + 50 * row) for row in range(6)
    ]
    head = [box("Running head", 100, 20, 500, 60), box("7", 1750, 22, 1800, 58)]
    split_row = [box("second half", 1100, 402, 1500, 441), box("first half", 100, 400, 1000, 440)]

    lines = boxes_to_lines([*split_row, *reversed(rows), *head])

    assert [line.text for line in lines] == [
        "Running head 7",
        *(f"line {row} of prose" for row in range(6)),
        "first half second half",
    ]
    assert lines[-1].box == PixelBox(100, 400, 1500, 441)


# --- Rendering and the OCR decision ----------------------------------------------------


def test_render_of_81_megapixel_page_stays_within_25_megapixels() -> None:
    document = pdfium.PdfDocument(CORPUS / "10-scan-mixed-novel-pages.pdf")
    try:
        page = document[1]
        image, points_per_pixel = render_for_ocr(page, dpi=300, max_pixels=25_000_000)
        page_width = page.get_width()
    finally:
        document.close()

    assert image.width * image.height <= 25_000_000
    assert image.mode == "L"
    assert image.width * points_per_pixel == pytest.approx(page_width, rel=0.001)


def test_render_uses_requested_dpi_and_user_unit_as_page_scale() -> None:
    document = pdfium.PdfDocument(SCAN_WITH_TRUTH)
    try:
        full, full_points_per_pixel = render_for_ocr(document[0], dpi=300)
        small, _ = render_for_ocr(document[0], dpi=72, user_unit=1.5)
        capped, _ = render_for_ocr(document[0], dpi=300, max_pixels=1_000_000)
    finally:
        document.close()

    assert full.size == (2550, 3300)
    assert full_points_per_pixel == pytest.approx(72 / 300)
    assert small.size == (918, 1188)
    assert capped.width * capped.height <= 1_000_000
    assert capped.width / capped.height == pytest.approx(612 / 792, rel=0.01)


@pytest.mark.parametrize(
    ("file_name", "page_index"),
    [
        ("09-scan-congress-record.pdf", 0),
        ("11-scan-synthetic-r-intro-300dpi.pdf", 0),
        ("11-scan-synthetic-r-intro-300dpi.pdf", 1),
        ("11-scan-synthetic-r-intro-300dpi.pdf", 2),
    ],
)
def test_image_only_scan_page_needs_ocr(file_name: str, page_index: int) -> None:
    document = pdfium.PdfDocument(CORPUS / file_name)
    try:
        page = document[page_index]
        assert page_needs_ocr(page, non_space_chars(page))
    finally:
        document.close()


@pytest.mark.parametrize(
    ("file_name", "page_index"),
    [
        ("06-manual-r-intro.pdf", SCAN_SOURCE_FIRST_PAGE - 1),
        ("10-scan-mixed-novel-pages.pdf", 3),
    ],
    ids=["born-digital", "scan-with-invisible-ocr-layer"],
)
def test_page_with_text_layer_does_not_need_ocr(file_name: str, page_index: int) -> None:
    document = pdfium.PdfDocument(CORPUS / file_name)
    try:
        page = document[page_index]
        assert not page_needs_ocr(page, non_space_chars(page))
    finally:
        document.close()


def page_with_scan_in_form(scale: float) -> pdfium.PdfDocument:
    """A new one-page document showing corpus file 11's first page inside a form XObject."""
    source = pdfium.PdfDocument(SCAN_WITH_TRUTH)
    target = pdfium.PdfDocument.new()
    xobject = pdfium_c.FPDF_NewXObjectFromPage(target, source, 0)
    page = target.new_page(612, 792)
    form = pdfium_c.FPDF_NewFormObjectFromXObject(xobject)
    pdfium_c.FPDFPageObj_Transform(form, scale, 0, 0, scale, 0, 0)
    pdfium_c.FPDFPage_InsertObject(page, form)
    page.gen_content()
    pdfium_c.FPDF_CloseXObject(xobject)
    source.close()
    return target


@pytest.mark.parametrize(("scale", "expected"), [(1.0, True), (0.3, False)])
def test_image_inside_form_xobject_counts_by_its_size_on_the_page(
    scale: float, expected: bool
) -> None:
    document = page_with_scan_in_form(scale)
    try:
        assert page_needs_ocr(document[0], text_chars=0) is expected
    finally:
        document.close()


# --- Choosing an engine ----------------------------------------------------------------


@needs_tesseract
def test_default_engine_is_tesseract_when_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENGINE_ENV_VAR, raising=False)

    assert default_engine().name == "tesseract"
    assert [engine.name for engine in available_engines()] == ["tesseract", "rapidocr"]


def test_default_engine_falls_back_to_rapidocr_without_tesseract(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(ENGINE_ENV_VAR, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))

    assert default_engine().name == "rapidocr"
    assert "not on PATH" in (TesseractEngine().unavailable_reason() or "")


def test_environment_variable_forces_rapidocr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENGINE_ENV_VAR, "rapidocr")

    assert default_engine().name == "rapidocr"


def test_forcing_an_unavailable_engine_says_why(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(ENGINE_ENV_VAR, "tesseract")
    monkeypatch.setenv("PATH", str(tmp_path))

    with pytest.raises(OcrUnavailableError, match="not on PATH"):
        default_engine()


def test_unknown_engine_name_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENGINE_ENV_VAR, "abbyy")

    with pytest.raises(ValueError, match="tesseract, rapidocr"):
        default_engine()
