"""From a stream of headings, paragraphs and left-out blocks to sections with their notes.

Markdown and DOCX readers both walk their document in order and meet headings (with a
depth), paragraphs (which may refer to notes) and blocks that a listener must not hear
(code, tables, note markers). This module cuts that stream into `FlowSection`s: the
shallowest heading depth in use becomes level 0, each note goes with the section that
first refers to it, and every left-out block is listed under the section it sat in.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final

from pdf2audiobook.pipeline.document import RemovalReason, RemovedBlock
from pdf2audiobook.pipeline.formats.flow import FlowSection


@dataclass(frozen=True, slots=True)
class HeadingBlock:
    depth: int
    """Depth in the source (1 for `#` or "Heading 1"); only the order of depths matters."""
    text: str


@dataclass(frozen=True, slots=True)
class TextBlock:
    text: str
    """Cleaned text; may be empty when the block only carries note references."""
    note_keys: tuple[Hashable, ...] = ()


@dataclass(frozen=True, slots=True)
class LeftOut:
    reason: RemovalReason
    text: str


Block = HeadingBlock | TextBlock | LeftOut

_SENTENCE_END: Final = re.compile(r"[.!?:;\u2026][\"'\u2019\u201d)\]]*$")


def as_sentence(text: str) -> str:
    """A list item's text ended as a sentence, so a voice pauses after it as a reader's
    eye does at the line break."""
    if text and not _SENTENCE_END.search(text):
        return f"{text}."
    return text


def build_sections(
    blocks: Iterable[Block], notes: Mapping[Hashable, str]
) -> tuple[list[FlowSection], list[RemovedBlock]]:
    """Sections in reading order, and the ledger of what was left out, by section number.

    Text before the first heading is an untitled level-0 section. Notes that nothing
    refers to are not read, as a word processor does not show them either.
    """
    blocks = list(blocks)
    depths = [block.depth for block in blocks if isinstance(block, HeadingBlock)]
    top = min(depths, default=1)
    sections: list[_Open] = [_Open(None, 0)]
    removed: list[RemovedBlock] = []
    placed: set[Hashable] = set()
    for block in blocks:
        current = sections[-1]
        if isinstance(block, HeadingBlock):
            sections.append(_Open(block.text or None, block.depth - top))
        elif isinstance(block, LeftOut):
            removed.append(RemovedBlock(len(sections), block.reason, block.text))
        else:
            if block.text:
                current.paragraphs.append(block.text)
            for key in block.note_keys:
                note = notes.get(key)
                if note and key not in placed:
                    placed.add(key)
                    current.notes.append(note)
    leading = sections[0]
    if not leading.paragraphs and not leading.notes and len(sections) > 1:
        # Nothing stood before the first heading: section numbers start at that heading.
        sections.pop(0)
        removed = [RemovedBlock(max(r.page - 1, 1), r.reason, r.text) for r in removed]
    return [section.frozen() for section in sections], removed


@dataclass(slots=True)
class _Open:
    title: str | None
    level: int
    paragraphs: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def frozen(self) -> FlowSection:
        return FlowSection(self.title, self.level, tuple(self.paragraphs), tuple(self.notes))
