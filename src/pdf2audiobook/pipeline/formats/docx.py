"""Word documents (.docx): headings are chapters, notes follow their chapter.

A .docx is a zip of XML parts. The main part's paragraphs are read in order: those in a
heading style open sections, one in the Title style names the book when its properties
do not. Footnote and endnote markers are taken out of the text (and listed in the
ledger) and the notes' text goes with the section that refers to them. Tables are left
out and listed, as the PDF path does; so is a table of contents.
"""

from __future__ import annotations

import posixpath
from collections.abc import Hashable
from pathlib import Path
from typing import Final

from lxml import etree

from pdf2audiobook.pipeline.cleaning.characters import clean_text
from pdf2audiobook.pipeline.document import RemovalReason
from pdf2audiobook.pipeline.errors import ArchiveTooLargeError, InvalidDocumentError
from pdf2audiobook.pipeline.formats.archive import SafeArchive, is_zip, open_archive
from pdf2audiobook.pipeline.formats.docx_styles import (
    BODY_OUTLINE_LEVEL,
    EMPTY_STYLES,
    StyleSheet,
    outline_level,
    read_styles,
)
from pdf2audiobook.pipeline.formats.docx_xml import (
    FieldState,
    paragraph_text,
    word_attribute,
    word_child,
    word_name,
)
from pdf2audiobook.pipeline.formats.flow import FlowDocument
from pdf2audiobook.pipeline.formats.section_builder import (
    Block,
    HeadingBlock,
    LeftOut,
    TextBlock,
    as_sentence,
    build_sections,
)
from pdf2audiobook.pipeline.formats.source_file import check_file_size
from pdf2audiobook.pipeline.formats.xml import local_name, parse_xml
from pdf2audiobook.pipeline.reading.limits import ReadLimits

_OLE_MAGIC: Final = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
"""Compound-file header of a .doc, and of any Office document saved with a password."""
_ADVICE: Final = "Open it in Word or LibreOffice, save it again as .docx, and try again."
_MAIN_PART: Final = "word/document.xml"
_CORE_PART: Final = "docProps/core.xml"
_NOTE_TYPES_SKIPPED: Final = frozenset({"separator", "continuationSeparator", "continuationNotice"})
_CONTENTS_GALLERY: Final = "Table of Contents"


def read_docx(path: Path, limits: ReadLimits) -> FlowDocument:
    """The book in the Word document `path`, as sections of paragraphs with their notes.

    Raises InvalidDocumentError (InvalidArchiveError for a damaged zip) for anything that
    is not a readable .docx, FileTooLargeError past `limits.max_file_bytes`, and
    ArchiveTooLargeError for a container that unpacks past the archive limits or holds
    more than `limits.max_reflow_sections` headings. Reads nothing but `path`.
    """
    check_file_size(path, limits, "Word")
    _refuse_other_files(path)
    try:
        with open_archive(path, limits) as archive:
            return _read_package(archive, path.name, limits)
    except InvalidDocumentError as exc:
        raise type(exc)(f"{exc.message} {_ADVICE}") from None


def _refuse_other_files(path: Path) -> None:
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
    except OSError as exc:
        raise InvalidDocumentError(f"Cannot read {path.name}: {exc.strerror}.") from None
    if head.startswith(_OLE_MAGIC):
        raise InvalidDocumentError(
            f"{path.name} is an older Word document (.doc) or one protected by a password; "
            "neither can be read. Save it as .docx without a password (File, Save As in "
            "Word or LibreOffice) and try again."
        )
    if not is_zip(head):
        raise InvalidDocumentError(
            f"{path.name} is not a Word document: a .docx file is a zip container and this "
            f"is not one. {_ADVICE}"
        )


def _read_package(archive: SafeArchive, name: str, limits: ReadLimits) -> FlowDocument:
    main = _target(archive, "_rels/.rels", "", "officeDocument") or _MAIN_PART
    if not archive.has(main):
        raise InvalidDocumentError(f"{name} is not a Word document: it has no {main}.")
    base = posixpath.dirname(main)
    rels = f"{base}/_rels/{posixpath.basename(main)}.rels"
    styles_part = _target(archive, rels, base, "styles")
    styles = read_styles(_parse(archive, styles_part, name)) if styles_part else EMPTY_STYLES
    notes: dict[Hashable, str] = {}
    for kind in ("footnote", "endnote"):
        part = _target(archive, rels, base, f"{kind}s")
        if part:
            notes.update(_notes(_parse(archive, part, name), kind))
    body = word_child(_parse(archive, main, name), "body")
    if body is None:
        raise InvalidDocumentError(f"{name} is not a Word document: {main} has no body.")
    reader = _BodyReader(styles)
    reader.read(body)
    headings = sum(1 for block in reader.blocks if isinstance(block, HeadingBlock))
    if headings > limits.max_reflow_sections:
        raise ArchiveTooLargeError(
            f"{name} has {headings:,} headings; at most {limits.max_reflow_sections:,} are "
            "read. Split the document and try again."
        )
    sections, removed = build_sections(reader.blocks, notes)
    core_part = _target(archive, "_rels/.rels", "", "core-properties") or _CORE_PART
    core = _core_properties(_parse(archive, core_part, name)) if archive.has(core_part) else {}
    return FlowDocument(
        format="docx",
        file_name=name,
        title=core.get("title") or (reader.titles[0] if reader.titles else None),
        author=core.get("creator"),
        language=core.get("language") or styles.language,
        sections=tuple(sections),
        removed=tuple(removed),
    )


class _BodyReader:
    """Walks the body's paragraphs, tables and content controls in reading order."""

    def __init__(self, styles: StyleSheet) -> None:
        self.styles = styles
        self.blocks: list[Block] = []
        self.titles: list[str] = []
        self._fields = FieldState()
        self._note_numbers: dict[str, int] = {}

    def read(self, container: etree._Element) -> None:
        for child in container:
            name = word_name(child)
            if name == "p":
                self._paragraph(child)
            elif name == "tbl":
                self._left_out(child, RemovalReason.TABLE)
            elif name == "sdt" and _is_contents(child):
                self._left_out(child, RemovalReason.CONTENTS)
            elif name in ("sdt", "customXml", "ins", "moveTo"):
                # Content controls, custom XML and tracked insertions wrap body blocks.
                content = word_child(child, "sdtContent") if name == "sdt" else child
                if content is not None:
                    self.read(content)

    def _paragraph(self, paragraph: etree._Element) -> None:
        note_keys: list[Hashable] = []

        def refer(kind: str, note_id: str) -> None:
            note_keys.append((kind, note_id))
            number = self._note_numbers.get(kind, 0) + 1
            self._note_numbers[kind] = number
            self.blocks.append(LeftOut(RemovalReason.FOOTNOTE_MARKER, str(number)))

        text = clean_text(paragraph_text(paragraph, self._fields, refer))
        properties = word_child(paragraph, "pPr")
        style_element = word_child(properties, "pStyle") if properties is not None else None
        style = word_attribute(style_element, "val") if style_element is not None else None
        if properties is not None and word_child(properties, "numPr") is not None:
            text = as_sentence(text)
        own_level = outline_level(properties)
        level = self.styles.heading_levels.get(style or "") if own_level is None else own_level
        if style in self.styles.titles:
            if text:
                self.titles.append(text)
        elif style in self.styles.contents:
            if text:
                self.blocks.append(LeftOut(RemovalReason.CONTENTS, text))
        elif level is not None and level < BODY_OUTLINE_LEVEL and text:
            self.blocks.append(HeadingBlock(level, text))
            if note_keys:
                self.blocks.append(TextBlock("", tuple(note_keys)))
        elif text or note_keys:
            self.blocks.append(TextBlock(text, tuple(note_keys)))

    def _left_out(self, element: etree._Element, reason: RemovalReason) -> None:
        """List a table row by row, or a table of contents entry by entry."""
        unit = "tr" if reason is RemovalReason.TABLE else "p"
        for row in (child for child in element.iter() if word_name(child) == unit):
            cells = [child for child in row.iter() if word_name(child) == "p"]
            text = " ".join(paragraph_text(cell, FieldState(), _ignore) for cell in cells)
            if clean_text(text):
                self.blocks.append(LeftOut(reason, clean_text(text)))


def _ignore(kind: str, note_id: str) -> None:
    """Note references inside a table or a table of contents are not read either."""


def _is_contents(sdt: etree._Element) -> bool:
    gallery = word_child(sdt, "sdtPr", "docPartObj", "docPartGallery")
    return gallery is not None and word_attribute(gallery, "val") == _CONTENTS_GALLERY


def _notes(root: etree._Element, kind: str) -> dict[Hashable, str]:
    """The text of each real note of a footnotes or endnotes part, by (kind, id)."""
    found: dict[Hashable, str] = {}
    for note in root:
        if word_name(note) != kind or word_attribute(note, "type") in _NOTE_TYPES_SKIPPED:
            continue
        note_id = word_attribute(note, "id")
        paragraphs = [c for c in note.iter() if word_name(c) == "p"]
        text = " ".join(paragraph_text(p, FieldState(), _ignore) for p in paragraphs)
        if note_id is not None and clean_text(text):
            found[(kind, note_id)] = clean_text(text)
    return found


def _core_properties(root: etree._Element) -> dict[str, str]:
    """Dublin Core title, creator and language of `docProps/core.xml`."""
    found: dict[str, str] = {}
    for element in root:
        name = local_name(element)
        text = clean_text(element.text or "")
        if name in ("title", "creator", "language") and text:
            found.setdefault(name, text)
    return found


def _target(archive: SafeArchive, rels_part: str, base: str, kind: str) -> str | None:
    """The part a relationships part points to for a relationship type ending in `kind`."""
    if not archive.has(rels_part):
        return None
    for relationship in _parse(archive, rels_part, rels_part):
        if (relationship.get("Type") or "").rsplit("/", 1)[-1] != kind:
            continue
        if relationship.get("TargetMode") == "External":
            continue
        target = relationship.get("Target") or ""
        joined = target.lstrip("/") if target.startswith("/") else posixpath.join(base, target)
        part = posixpath.normpath(joined)
        return part if archive.has(part) else None
    return None


def _parse(archive: SafeArchive, part: str, name: str) -> etree._Element:
    return parse_xml(archive.read(part), f"{name} ({part})")
