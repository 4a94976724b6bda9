"""The command line refuses a PDF with almost nothing to read, and says what to try."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.pipeline.reading.sparse_pdfs import near_empty_pdf

COMMAND = str(Path(sys.executable).parent / "pdf2audiobook")


def test_extract_of_a_near_empty_pdf_fails_with_its_counts(tmp_path: Path) -> None:
    pdf = near_empty_pdf(tmp_path / "book.pdf")
    result = subprocess.run(
        [COMMAND, "extract", "--no-ocr", str(pdf)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode != 0
    assert "book.pdf has 13 words on 31 pages: too little to read aloud." in result.stderr
    assert "convert with OCR on" in result.stderr
    assert result.stdout == ""
