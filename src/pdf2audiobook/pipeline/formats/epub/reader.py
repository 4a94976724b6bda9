"""An EPUB 2 or 3 book as a `FlowDocument`: its spine documents cut into sections where
its table of contents says chapters begin.

The table of contents is the navigation document (EPUB 3) or the NCX (EPUB 2). Its
entries down to the chapter level cut the spine, also inside a document that holds
several chapters; a spine document it does not list continues the section before it.
A book without one gets a section per spine document, titled by its first heading.
Navigation-only pages (the contents, the index, landmarks, the cover and title pages)
and Project Gutenberg's header and licence are left out and listed. Notes follow the
section that refers to them.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from pdf2audiobook.pipeline.document import RemovalReason, RemovedBlock
from pdf2audiobook.pipeline.errors import ArchiveTooLargeError, InvalidDocumentError
from pdf2audiobook.pipeline.formats.archive import SafeArchive, open_archive
from pdf2audiobook.pipeline.formats.epub.content import (
    Anchor,
    Boilerplate,
    ContentDocument,
    Heading,
    Note,
    Text,
    read_content,
    visible_text,
)
from pdf2audiobook.pipeline.formats.epub.cover import cover_jpeg
from pdf2audiobook.pipeline.formats.epub.drm import refuse_drm
from pdf2audiobook.pipeline.formats.epub.navigation import (
    NavEntry,
    Navigation,
    read_navigation,
    read_ncx,
)
from pdf2audiobook.pipeline.formats.epub.package import (
    Package,
    SpineItem,
    find_package_path,
    read_package,
)
from pdf2audiobook.pipeline.formats.flow import FlowDocument, FlowSection
from pdf2audiobook.pipeline.formats.xml import parse_xml
from pdf2audiobook.pipeline.reading.limits import ReadLimits

_PAGE_TYPES = {
    "toc": RemovalReason.CONTENTS,
    "landmarks": RemovalReason.CONTENTS,
    "loi": RemovalReason.CONTENTS,
    "lot": RemovalReason.CONTENTS,
    "page-list": RemovalReason.CONTENTS,
    "index": RemovalReason.BACK_MATTER,
    "cover": RemovalReason.FRONT_MATTER,
    "titlepage": RemovalReason.FRONT_MATTER,
    "title-page": RemovalReason.FRONT_MATTER,
    "copyright-page": RemovalReason.FRONT_MATTER,
}
"""Pages that only point elsewhere or label the book: by epub:type, role, landmark or guide."""
_CONTENT_TYPES = ("application/xhtml+xml", "text/html", "application/x-dtbook+xml")
_WORD = re.compile(r"\w+")


def read_epub(path: Path, limits: ReadLimits, *, cover: bool = True) -> FlowDocument:
    """Read the EPUB at `path` within `limits`. Raises DrmProtectedError for a locked
    book, the archive errors for a damaged or hostile container, and InvalidDocumentError
    for a container that is not an EPUB."""
    describe = path.name
    with open_archive(path, limits, describe) as archive:
        refuse_drm(archive, describe)
        package = read_package(archive, find_package_path(archive, describe), describe)
        navigation = _navigation(archive, package, describe)
        builder = _SectionBuilder(_chapter_entries(navigation.entries, package.spine))
        skips = _skipped_pages(package, navigation)
        media_types = {item.path: item.media_type for item in package.manifest}
        for item in package.spine:
            if media_types.get(item.path, "") not in _CONTENT_TYPES:
                continue
            root = _page(archive, item, describe)
            if root is None:
                builder.note_unreadable(item.path)
                continue
            content = read_content(root, item.path, builder.targets(item.path))
            skip = _skip_reason(item, content, skips, builder)
            if skip is None:
                builder.add(item, content)
            else:
                builder.add_skipped(content, skip, visible_text(root))
            if len(builder.sections) > limits.max_reflow_sections:
                raise ArchiveTooLargeError(
                    f"{describe} has more than {limits.max_reflow_sections:,} sections; "
                    "it cannot be read."
                )
        cover_bytes = _cover(archive, package, limits) if cover else None
    sections, removed = builder.finish()
    return FlowDocument(
        format="epub",
        file_name=path.name,
        title=package.title,
        author=", ".join(package.authors) or None,
        language=package.language,
        sections=sections,
        cover_jpeg=cover_bytes,
        removed=removed,
    )


def _navigation(archive: SafeArchive, package: Package, describe: str) -> Navigation:
    """The navigation document's table of contents, else the NCX's, else none."""
    found = Navigation((), ())
    if package.nav_path is not None and archive.has(package.nav_path):
        found = read_navigation(archive, package.nav_path, describe)
    if not found.entries and package.ncx_path is not None and archive.has(package.ncx_path):
        found = Navigation(read_ncx(archive, package.ncx_path, describe).entries, found.landmarks)
    return found


def _chapter_entries(entries: Sequence[NavEntry], spine: Sequence[SpineItem]) -> list[NavEntry]:
    """Entries that start chapters: parts and chapters, not the sections inside them.

    That is the top two levels, or the two below a single top entry that only wraps the
    book (its title). Entries pointing outside the spine are dropped.
    """
    in_spine = {item.path for item in spine}
    usable = [entry for entry in entries if entry.path in in_spine]
    top = [entry for entry in usable if entry.level == 0]
    first = 1 if len(top) == 1 and any(entry.level > 0 for entry in usable) else 0
    return [entry for entry in usable if first <= entry.level <= first + 1]


def _skipped_pages(package: Package, navigation: Navigation) -> dict[str, RemovalReason]:
    skips: dict[str, RemovalReason] = {}
    for kind, page in (*package.guide, *navigation.landmarks):
        reason = _PAGE_TYPES.get(kind)
        if reason is not None:
            skips.setdefault(page, reason)
    if package.nav_path is not None:
        skips[package.nav_path] = RemovalReason.CONTENTS
    return skips


def _skip_reason(
    item: SpineItem,
    content: ContentDocument,
    skips: dict[str, RemovalReason],
    builder: _SectionBuilder,
) -> RemovalReason | None:
    if item.path in skips:
        return skips[item.path]
    for kind in sorted(content.types):
        if kind in _PAGE_TYPES:
            return _PAGE_TYPES[kind]
    # Out of the reading order (answers, pop-up notes) unless the contents list it.
    if not item.linear and not builder.listed(item.path):
        return RemovalReason.BACK_MATTER
    return None


def _page(archive: SafeArchive, item: SpineItem, describe: str) -> etree._Element | None:
    if not archive.has(item.path):
        return None
    # A damaged archive fails the book (read raises); a chapter of broken XHTML is only
    # listed, as one broken page of a PDF does not cost the rest of the book.
    data = archive.read(item.path)
    try:
        return parse_xml(data, f"{describe} ({item.path})", html_entities=True)
    except InvalidDocumentError:
        return None


def _cover(archive: SafeArchive, package: Package, limits: ReadLimits) -> bytes | None:
    path = package.cover_path
    if path is None:
        path = next(
            (
                item.path
                for item in package.manifest
                if item.media_type.startswith("image/") and "cover" in item.id.lower()
            ),
            None,
        )
    if path is None or not archive.has(path):
        return None
    return cover_jpeg(archive.read(path), limits.max_render_pixels)


@dataclass
class _Draft:
    title: str | None
    level: int
    skip: RemovalReason | None
    paragraphs: list[str] = field(default_factory=list)
    note_refs: list[str] = field(default_factory=list)
    notes_here: list[str] = field(default_factory=list)
    """Keys of the notes that sit in this section."""


class _SectionBuilder:
    """Cuts the spine's blocks into sections at the table of contents' entries."""

    def __init__(self, entries: Sequence[NavEntry]) -> None:
        self._entries: dict[str, list[NavEntry]] = defaultdict(list)
        for entry in entries:
            self._entries[entry.path].append(entry)
        self._has_navigation = bool(entries)
        self.sections: list[_Draft] = []
        self._notes: dict[str, str] = {}
        self._removed: list[RemovedBlock] = []

    def targets(self, path: str) -> set[str]:
        return {entry.fragment for entry in self._entries.get(path, ()) if entry.fragment}

    def listed(self, path: str) -> bool:
        return path in self._entries

    def note_unreadable(self, path: str) -> None:
        self._removed.append(
            RemovedBlock(
                max(len(self.sections), 1),
                RemovalReason.UNREADABLE,
                f"{path} is missing from the book or damaged",
            )
        )

    def add_skipped(self, content: ContentDocument, skip: RemovalReason, text: str) -> None:
        """A page left out whole: its notes are still found, its text goes to the ledger."""
        self._open(None, 0, skip)
        if text:
            self.sections[-1].paragraphs.append(text)
        for block in content.blocks:
            if isinstance(block, Note):
                self._note(block)

    def add(self, item: SpineItem, content: ContentDocument) -> None:
        found = {block.id for block in content.blocks if isinstance(block, Anchor)}
        entries = self._entries.get(item.path, [])
        at_start = [entry for entry in entries if not entry.fragment]
        if not at_start:
            # An entry whose anchor is missing starts the document, unless one already does.
            at_start = [entry for entry in entries if entry.fragment not in found][:1]
        by_anchor: dict[str, list[NavEntry]] = defaultdict(list)
        for entry in entries:
            if entry.fragment in found:
                by_anchor[entry.fragment].append(entry)
        for entry in at_start:
            self._open(entry.title, entry.level, None)
        if not at_start:
            current = self.sections[-1] if self.sections else None
            continues = self._has_navigation and current is not None and current.skip is None
            if not continues:
                self._open(None, 0, None)
        for block in content.blocks:
            if isinstance(block, Anchor):
                for entry in by_anchor.pop(block.id, []):
                    self._open(entry.title, entry.level, None)
            elif isinstance(block, Heading):
                self._heading(block)
            elif isinstance(block, Text):
                self._text(block)
            elif isinstance(block, Note):
                self._note(block)
            elif isinstance(block, Boilerplate):
                reason = RemovalReason.FRONT_MATTER if block.opening else RemovalReason.BACK_MATTER
                self._removed.append(RemovedBlock(len(self.sections), reason, block.text))

    def _open(self, title: str | None, level: int, skip: RemovalReason | None) -> None:
        self.sections.append(_Draft(title, level, skip))

    def _heading(self, heading: Heading) -> None:
        section = self.sections[-1]
        if not section.paragraphs:
            if section.title is None:
                section.title = heading.text
                return
            if _words(heading.text) <= _words(section.title):
                return  # The printed form of the title the contents gave.
        section.paragraphs.append(heading.text)

    def _text(self, text: Text) -> None:
        section = self.sections[-1]
        section.paragraphs.append(text.text)
        section.note_refs.extend(text.note_refs)
        number = len(self.sections)
        self._removed.extend(
            RemovedBlock(number, RemovalReason.FOOTNOTE_MARKER, marker) for marker in text.markers
        )

    def _note(self, note: Note) -> None:
        key = note.key or f"#unreferenced-{len(self._notes)}"
        self._notes.setdefault(key, note.text)
        self.sections[-1].notes_here.append(key)

    def finish(self) -> tuple[tuple[FlowSection, ...], tuple[RemovedBlock, ...]]:
        """The sections, each with the notes it refers to (a note nobody refers to stays
        where it is), and what was left out on the way."""
        used: set[str] = set()
        notes: list[list[str]] = [[] for _ in self.sections]
        for index, section in enumerate(self.sections):
            for key in section.note_refs:
                if key in self._notes and key not in used:
                    used.add(key)
                    notes[index].append(self._notes[key])
        for index, section in enumerate(self.sections):
            for key in section.notes_here:
                if key not in used:
                    used.add(key)
                    notes[index].append(self._notes[key])
        sections = tuple(
            FlowSection(
                title=draft.title,
                level=draft.level,
                paragraphs=tuple(draft.paragraphs),
                notes=tuple(notes[index]),
                skip=draft.skip,
            )
            for index, draft in enumerate(self.sections)
        )
        return sections, tuple(self._removed)


def _words(text: str) -> set[str]:
    return {word.casefold() for word in _WORD.findall(text)}
