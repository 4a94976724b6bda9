"""How many processes speak a book: one per core, or as asked, within a cloud voice's limit."""

from __future__ import annotations

import pytest

from pdf2audiobook.pipeline.convert import ConvertOptions, speaking_processes
from pdf2audiobook.pipeline.voices import default_workers


@pytest.mark.parametrize(
    ("asked", "limit", "expected"),
    [(None, None, default_workers()), (8, None, 8), (8, 2, 2), (1, 4, 1)],
)
def test_processes_follow_the_request_within_the_providers_limit(
    asked: int | None, limit: int | None, expected: int
) -> None:
    assert speaking_processes(ConvertOptions(workers=asked), limit) == expected
