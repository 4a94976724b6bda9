"""Markdown books: headings are chapters, and what cannot be read aloud is left out.

The file is parsed with markdown-it (CommonMark, with tables, footnotes and YAML front
matter). ATX and setext headings open sections, the shallowest heading level in use
being chapters. Paragraphs and block quotes are read; each list item is read as a
sentence; links are read as their text and images not at all. Code, HTML and tables
are left out and listed in the ledger, and footnotes go with the section that first
refers to them.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

from pdf2audiobook.pipeline.cleaning.characters import clean_text
from pdf2audiobook.pipeline.document import RemovalReason
from pdf2audiobook.pipeline.errors import FileTooLargeError
from pdf2audiobook.pipeline.formats.flow import FlowDocument
from pdf2audiobook.pipeline.formats.front_matter import read_front_matter
from pdf2audiobook.pipeline.formats.gutenberg import find_wrapper
from pdf2audiobook.pipeline.formats.section_builder import (
    Block,
    HeadingBlock,
    LeftOut,
    TextBlock,
    as_sentence,
    build_sections,
)
from pdf2audiobook.pipeline.formats.source_file import read_text_file
from pdf2audiobook.pipeline.reading.limits import ReadLimits

_INLINE_SPACES: Final = frozenset({"softbreak", "hardbreak"})


def read_markdown(path: Path, limits: ReadLimits) -> FlowDocument:
    """The book in the Markdown file `path`, as sections of paragraphs with their notes.

    The title comes from the front matter, else from a heading that stands alone at the
    top level, else from the file name. Raises InvalidDocumentError for a file that
    cannot be read, is empty or holds binary data, and FileTooLargeError past
    `limits.max_file_bytes` or `limits.max_reflow_sections`. Reads nothing but `path`.
    """
    lines = read_text_file(path, limits, "Markdown").split("\n")
    # Markdown made from a Project Gutenberg text may keep its licence around the book.
    wrapper = find_wrapper(lines)
    text = "\n".join(lines if wrapper is None else lines[wrapper.body_start : wrapper.body_end])
    parser = MarkdownIt("commonmark").use(front_matter_plugin).use(footnote_plugin)
    parser.enable("table")
    walker = _Walker()
    walker.walk(parser.parse(text))
    headings = [block for block in walker.blocks if isinstance(block, HeadingBlock)]
    if len(headings) > limits.max_reflow_sections:
        raise FileTooLargeError(
            f"{path.name} has {len(headings):,} headings; at most "
            f"{limits.max_reflow_sections:,} are read. Split the book and try again."
        )
    metadata = read_front_matter(walker.front_matter)
    title_heading = _title_heading(headings, metadata.get("title"))
    blocks = [block for block in walker.blocks if block is not title_heading]
    sections, removed = build_sections(blocks, walker.notes)
    if wrapper is not None:
        removed = [*wrapper.ledger(lines, len(sections)), *removed]
        metadata = {
            "title": wrapper.title or "",
            "author": wrapper.author or "",
            "language": wrapper.language or "",
        } | {key: value for key, value in metadata.items() if value}
    title = metadata.get("title") or (title_heading.text if title_heading else None)
    return FlowDocument(
        format="markdown",
        file_name=path.name,
        title=title or path.stem,
        author=metadata.get("author") or None,
        language=metadata.get("language") or None,
        sections=tuple(sections),
        removed=tuple(removed),
    )


@dataclass(slots=True)
class _Walker:
    """Turns markdown-it's token stream into headings, paragraphs and left-out blocks."""

    blocks: list[Block] = field(default_factory=list)
    notes: dict[Hashable, str] = field(default_factory=dict)
    front_matter: str = ""
    _items: list[tuple[list[str], list[int]]] = field(default_factory=list)
    """Text and note references of each open list item, innermost last."""
    _note: int | None = None
    _note_parts: list[str] = field(default_factory=list)
    _row: list[str] | None = None
    _heading_level: int | None = None

    def walk(self, tokens: list[Token]) -> None:
        for token in tokens:
            self._token(token)

    def _token(self, token: Token) -> None:
        kind = token.type
        if kind == "front_matter":
            self.front_matter = token.content
        elif kind == "heading_open":
            self._heading_level = int(token.tag[1:])
        elif kind == "inline":
            self._inline(token)
        elif kind == "list_item_open":
            # An item's text before its sublist is read before the sublist's items.
            self._read_item(keep_open=True)
            self._items.append(([], []))
        elif kind == "list_item_close":
            self._read_item(keep_open=False)
        elif kind == "footnote_open":
            self._note, self._note_parts = int(token.meta["id"]), []
        elif kind == "footnote_close" and self._note is not None:
            self.notes[self._note] = clean_text(" ".join(self._note_parts))
            self._note = None
        elif kind in ("fence", "code_block", "html_block"):
            self._remove(RemovalReason.UNREADABLE, token.content)
        elif kind == "tr_open":
            self._row = []
        elif kind == "tr_close" and self._row is not None:
            self._remove(RemovalReason.TABLE, " ".join(self._row))
            self._row = None

    def _inline(self, token: Token) -> None:
        text, note_ids = self._inline_text(token)
        if self._heading_level is not None:
            self.blocks.append(HeadingBlock(self._heading_level, clean_text(text)))
            self._heading_level = None
            self._add_notes_to_last(note_ids)
        elif self._note is not None:
            self._note_parts.append(text)
        elif self._row is not None:
            self._row.append(text)
        elif self._items:
            self._items[-1][0].append(text)
            self._items[-1][1].extend(note_ids)
        else:
            self._paragraph(text, note_ids)

    def _inline_text(self, token: Token) -> tuple[str, list[int]]:
        """The words of an inline run, and the footnotes it refers to."""
        parts: list[str] = []
        note_ids: list[int] = []
        for child in token.children or ():
            if child.type in ("text", "code_inline"):
                parts.append(child.content)
            elif child.type in _INLINE_SPACES:
                parts.append(" ")
            elif child.type == "footnote_ref":
                note_id = int(child.meta["id"])
                note_ids.append(note_id)
                self._remove(RemovalReason.FOOTNOTE_MARKER, str(note_id + 1))
            # Images, inline HTML and the open/close marks of emphasis and links say
            # nothing themselves; a link's text is among the text children.
        return "".join(parts), note_ids

    def _read_item(self, *, keep_open: bool) -> None:
        """Read what the innermost list item said so far as one sentence."""
        if not self._items:
            return
        parts, note_ids = self._items[-1]
        if keep_open:
            self._items[-1] = ([], [])
        else:
            self._items.pop()
        self._paragraph(as_sentence(clean_text(" ".join(parts))), note_ids)

    def _paragraph(self, text: str, note_ids: list[int]) -> None:
        text = clean_text(text)
        if text or note_ids:
            self.blocks.append(TextBlock(text, tuple(note_ids)))

    def _add_notes_to_last(self, note_ids: list[int]) -> None:
        if note_ids:
            self.blocks.append(TextBlock("", tuple(note_ids)))

    def _remove(self, reason: RemovalReason, text: str) -> None:
        cleaned = clean_text(text)
        if cleaned:
            self.blocks.append(LeftOut(reason, cleaned))


def _title_heading(headings: list[HeadingBlock], front_title: str | None) -> HeadingBlock | None:
    """The heading that names the book: the only one at the top level, and the first."""
    if not headings:
        return None
    top = min(heading.depth for heading in headings)
    at_top = [heading for heading in headings if heading.depth == top]
    if len(at_top) != 1 or at_top[0] is not headings[0]:
        return None
    if front_title and at_top[0].text.casefold() != front_title.casefold():
        return None
    return at_top[0]
