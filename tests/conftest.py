"""Shared fixtures: the read-only PDF corpus beside the project."""

from __future__ import annotations

from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def corpus_file(number: int) -> Path:
    """The corpus PDF whose name starts with the two-digit `number`."""
    matches = sorted(CORPUS.glob(f"{number:02d}-*.pdf"))
    if not matches:
        pytest.fail(f"corpus file {number:02d} not found in {CORPUS}")
    return matches[0]
