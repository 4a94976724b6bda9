"""`extract` and `estimate` take an EPUB as they take a PDF, and say so in the same shape."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner, Result

from pdf2audiobook.cli.app import app
from tests.conftest import SAMPLES

EPUB3 = Path(__file__).resolve().parents[1] / "data" / "epub" / "war-of-the-worlds-pandoc.epub"


def _run(*args: str) -> Result:
    # In process: the reading itself still runs in its sandboxed child.
    return CliRunner().invoke(app, list(args))


def _shape(value: Any) -> Any:
    """The keys and value types of a JSON document, lists by their first item."""
    if isinstance(value, dict):
        return {key: _shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_shape(value[0])] if value else []
    return type(value).__name__


def test_extract_json_has_the_same_shape_for_an_epub_and_a_pdf() -> None:
    epub = _run("extract", "--json", str(EPUB3))
    pdf = _run("extract", "--json", "--no-ocr", str(SAMPLES / "sample-book.pdf"))
    assert epub.exit_code == 0, epub.stderr
    assert pdf.exit_code == 0, pdf.stderr
    epub_book, pdf_book = json.loads(epub.stdout), json.loads(pdf.stdout)
    assert _shape(epub_book) == _shape(pdf_book)
    assert epub_book["title"] == "The War of the Worlds"
    assert epub_book["author"] == "H. G. Wells"
    assert epub_book["chapters"][0]["title"] == (
        "Part 1 The Coming of the Martians: Chapter 1 The Eve of the War"
    )
    assert {block["reason"] for block in epub_book["removed"]} >= {"contents", "front_matter"}


def test_plain_output_counts_sections_of_an_epub() -> None:
    result = _run("extract", str(EPUB3))
    assert result.exit_code == 0, result.stderr
    assert "The War of the Worlds by H. G. Wells: 32 sections, 27 chapters" in result.stdout
    assert "Chapter 1 The Eve of the War  (section 5, 2,212 words)" in result.stdout


def test_junk_is_refused_with_what_is_accepted_and_no_traceback(tmp_path: Path) -> None:
    junk = tmp_path / "book.epub"
    junk.write_bytes(bytes(range(256)) * 8)
    result = _run("estimate", str(junk))
    assert result.exit_code == 2
    assert "book.epub is not a EPUB file" not in result.stderr
    assert "book.epub is not an EPUB file" in result.stderr
    assert "Markdown or plain text" in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)
