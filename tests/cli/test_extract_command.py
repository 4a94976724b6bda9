"""The `pdf2audiobook extract` command as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.conftest import SAMPLES, corpus_file

COMMAND = str(Path(sys.executable).parent / "pdf2audiobook")
SAMPLE_BOOK = SAMPLES / "sample-book.pdf"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [COMMAND, *args], capture_output=True, text=True, check=False, timeout=300
    )


def _extract_json(*args: str) -> dict[str, Any]:
    result = _run("extract", "--json", *args)
    assert result.returncode == 0, result.stderr
    parsed: dict[str, Any] = json.loads(result.stdout)
    return parsed


def test_sample_book_gives_its_outline_chapters_title_and_author() -> None:
    book = _extract_json(str(SAMPLE_BOOK))
    assert book["title"] == "Fables of Aesop"
    assert book["author"] == "Aesop"
    assert [c["title"] for c in book["chapters"]] == [
        "Chapter I: Wolves and Sheep",
        "Chapter II: The Cunning of Foxes",
        "Chapter III: Strength and Wisdom",
    ]
    assert [(c["start_page"], c["end_page"]) for c in book["chapters"]] == [
        (2, 4),
        (5, 7),
        (8, 10),
    ]
    assert all(c["words"] > 600 for c in book["chapters"])


def test_sample_book_leaves_out_running_heads_and_page_numbers() -> None:
    book = _extract_json(str(SAMPLE_BOOK))
    text = "\n".join(c["text"] for c in book["chapters"])
    reasons = {(block["page"], block["reason"]) for block in book["removed"]}
    for page in range(2, 11):
        assert (page, "header") in reasons
        assert (page, "page_number") in reasons
    assert "Fables of Aesop" not in text


def test_footnote_moves_to_chapter_end_and_its_marker_leaves_the_sentence() -> None:
    first = _extract_json(str(SAMPLE_BOOK))["chapters"][0]["text"]
    body, notes = first.split("\n\nNotes.\n\n")
    assert "Sirrah," in body
    assert "Sirrah,1" not in body
    assert notes.startswith("Sirrah: an old form of address")


def test_footnotes_can_be_dropped_and_are_then_in_the_ledger() -> None:
    book = _extract_json(str(SAMPLE_BOOK), "--footnotes", "drop")
    assert "Notes." not in book["chapters"][0]["text"]
    dropped = [b for b in book["removed"] if b["reason"] == "footnote"]
    assert [b["page"] for b in dropped] == [2]
    assert dropped[0]["text"].startswith("Sirrah: an old form")


def test_plain_output_lists_the_chapter_plan() -> None:
    result = _run("extract", str(SAMPLE_BOOK))
    assert result.returncode == 0, result.stderr
    assert "Fables of Aesop by Aesop: 10 pages, 3 chapters" in result.stdout
    assert "Chapter II: The Cunning of Foxes  (pp. 5-7," in result.stdout


def test_not_a_pdf_fails_with_message_and_no_traceback() -> None:
    result = _run("extract", str(corpus_file(18)))
    assert result.returncode == 2
    assert "is not a PDF file" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_encrypted_pdf_asks_for_the_password_option() -> None:
    result = _run("extract", str(corpus_file(12)))
    assert result.returncode == 2
    assert "--password" in result.stderr
    assert "Traceback" not in result.stderr
