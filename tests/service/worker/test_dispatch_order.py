"""The order chapter tasks are sent in: the first chapter, then the longest."""

from __future__ import annotations

from pdf2audiobook.service.jobs.stages import dispatch_order


def test_the_first_chapter_goes_first_then_the_longest() -> None:
    characters = {1: 100, 2: 5_000, 3: 300, 4: 9_000, 5: 300}
    assert dispatch_order([1, 2, 3, 4, 5], characters) == [1, 4, 2, 3, 5]


def test_a_resumed_job_starts_with_its_earliest_unfinished_chapter() -> None:
    assert dispatch_order([5, 3, 4], {3: 10, 4: 30, 5: 20}) == [3, 4, 5]


def test_nothing_to_send() -> None:
    assert dispatch_order([], {}) == []
