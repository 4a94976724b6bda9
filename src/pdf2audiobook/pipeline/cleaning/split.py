"""The last-resort chapter plan: parts of about equal length, cut between paragraphs."""

from __future__ import annotations

from collections.abc import Sequence

from pdf2audiobook.pipeline.document import Chapter, Paragraph

TARGET_WORDS = 5000


def split_by_words(paragraphs: Sequence[Paragraph], target: int = TARGET_WORDS) -> list[Chapter]:
    """Group paragraphs into parts of about `target` words, titled "Part N"."""
    groups: list[list[Paragraph]] = [[]]
    words = 0
    for paragraph in paragraphs:
        count = len(paragraph.text.split())
        # Close the part at the paragraph end nearest the target, not after it.
        if groups[-1] and words + count / 2 > target:
            groups.append([])
            words = 0
        groups[-1].append(paragraph)
        words += count
    groups = [group for group in groups if group]
    return [
        Chapter(
            title=f"Part {number}",
            start_page=group[0].page,
            end_page=group[-1].page,
            paragraphs=list(group),
        )
        for number, group in enumerate(groups, start=1)
    ]
