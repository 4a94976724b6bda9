"""An XHTML content document as a listener needs it: headings, paragraphs and notes.

Images, scripts, styles, SVG, MathML, page-break markers and embedded navigation say
nothing aloud and are left out. Note references (EPUB 3's noteref, ARIA's doc-noteref, and
the superscript or "fn" links of EPUB 2 books) are taken out of the text and remembered,
so the note can follow its chapter; note bodies (footnote, endnote, rearnote, aside, and
lists of notes) are kept apart from the body, and so is Project Gutenberg's notice around
the book (its header and licence). The elements whose ids the table of contents points to
are marked, so a document holding several chapters can be cut there.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from lxml import etree

from pdf2audiobook.pipeline.formats.epub.navigation import semantic_types
from pdf2audiobook.pipeline.formats.epub.package import resolve_href
from pdf2audiobook.pipeline.formats.xml import local_name

_SILENT = frozenset(
    {
        "head", "script", "style", "svg", "math", "img", "image", "audio", "video", "object",
        "embed", "iframe", "canvas", "template", "noscript", "nav", "button", "input",
        "select", "textarea", "picture", "source", "track", "map", "rt", "rp",
    }
)  # fmt: skip
_BLOCKS = frozenset(
    {
        "p", "div", "section", "article", "header", "footer", "main", "blockquote", "pre",
        "li", "ul", "ol", "dl", "dt", "dd", "figure", "figcaption", "table", "caption",
        "tr", "td", "th", "thead", "tbody", "tfoot", "hr", "address", "aside", "body",
        "center", "hgroup", "details", "summary",
    }
)  # fmt: skip
_HEADINGS = {f"h{level}": level for level in range(1, 7)}
_NOTE_TYPES = frozenset({"footnote", "endnote", "rearnote"})
_NOTE_LIST_TYPES = frozenset({"footnotes", "endnotes", "rearnotes"})
_NOTE_CLASSES = frozenset({"footnote", "endnote"})
_NOTE_LIST_CLASSES = frozenset({"footnotes", "endnotes"})
_BOILERPLATE_CLASS = "pg-boilerplate"
_BOILERPLATE_IDS = {"pg-header": True, "pg-footer": False}
_SILENT_TYPES = frozenset({"pagebreak", "page-list", "toc", "landmarks", "backlink"})
_MARKER = re.compile(r"^[\[(]?(?:\d{1,4}|[*†‡§¶#]{1,3}|[a-z]|[ivxlc]{1,6})[\])]?$", re.IGNORECASE)
_NOTEREF_CLASS = re.compile(r"note|fn|footnote", re.IGNORECASE)
_BACKLINK_CLASS = re.compile(r"back|return", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Anchor:
    """A place the table of contents points to."""

    id: str


@dataclass(frozen=True, slots=True)
class Heading:
    level: int
    text: str


@dataclass(frozen=True, slots=True)
class Text:
    text: str
    note_refs: tuple[str, ...] = ()
    """Keys ("path#id") of the notes this paragraph refers to."""
    markers: tuple[str, ...] = ()
    """The note reference marks taken out of the text ("1", "*")."""


@dataclass(frozen=True, slots=True)
class Note:
    key: str
    """"path#id" of the note, or "" when nothing can refer to it."""
    text: str


@dataclass(frozen=True, slots=True)
class Boilerplate:
    """A distributor's notice around the book (Project Gutenberg's header and licence)."""

    opening: bool
    """True for the notice before the book, False for the one after it."""
    text: str


Block = Anchor | Heading | Text | Note | Boilerplate


@dataclass(frozen=True, slots=True)
class ContentDocument:
    blocks: tuple[Block, ...]
    types: frozenset[str]
    """Semantic types of the body and of its outermost sections ("toc", "index", ...)."""


def read_content(root: etree._Element, path: str, targets: Iterable[str]) -> ContentDocument:
    """The blocks of the XHTML document `root`, stored at `path`; `targets` are the ids
    that the table of contents points to."""
    body = next((e for e in root.iter() if local_name(e) == "body"), root)
    walker = _Walker(path, frozenset(targets))
    walker.walk(body)
    walker.flush()
    return ContentDocument(tuple(walker.blocks), _document_types(body))


def _document_types(body: etree._Element) -> frozenset[str]:
    types = semantic_types(body)
    wrappers = [e for e in body if isinstance(e.tag, str)]
    # A page is often one <section> (or a <div> around it) carrying the page's type.
    while len(wrappers) == 1:
        types |= semantic_types(wrappers[0])
        wrappers = [e for e in wrappers[0] if isinstance(e.tag, str)]
    return frozenset(types)


@dataclass
class _Walker:
    path: str
    targets: frozenset[str]
    blocks: list[Block] = field(default_factory=list)
    _words: list[str] = field(default_factory=list)
    _refs: list[str] = field(default_factory=list)
    _markers: list[str] = field(default_factory=list)

    def flush(self) -> None:
        text = " ".join("".join(self._words).split())
        if text:
            self.blocks.append(Text(text, tuple(self._refs), tuple(self._markers)))
        elif self._markers and self.blocks and isinstance(self.blocks[-1], Text):
            # A reference set apart after its paragraph still belongs to it.
            last = self.blocks[-1]
            self.blocks[-1] = Text(
                last.text, last.note_refs + tuple(self._refs), last.markers + tuple(self._markers)
            )
        self._words.clear()
        self._refs.clear()
        self._markers.clear()

    def walk(self, element: etree._Element) -> None:
        self._mark_target(element)
        tag = local_name(element)
        types = semantic_types(element)
        classes = set((element.get("class") or "").lower().split())
        if tag in _SILENT or types & _SILENT_TYPES or element.get("hidden") is not None:
            return
        if _BOILERPLATE_CLASS in classes or element.get("id") in _BOILERPLATE_IDS:
            self.flush()
            for inner in element.iterdescendants():
                self._mark_target(inner)
            opening = _BOILERPLATE_IDS.get(element.get("id") or "", "pgheader" in classes)
            self.blocks.append(Boilerplate(opening, visible_text(element)))
            return
        if types & _NOTE_LIST_TYPES or classes & _NOTE_LIST_CLASSES:
            self.flush()
            self._note_list(element)
            return
        if types & _NOTE_TYPES or tag == "aside" or classes & _NOTE_CLASSES:
            self.flush()
            self.blocks.append(Note(self._note_key(element), _note_text(element)))
            return
        if tag == "a" and _is_note_reference(element, types, classes):
            self._markers.append(_text_of(element))
            resolved = resolve_href(self.path, element.get("href") or "")
            if resolved is not None and resolved[1]:
                self._refs.append(f"{resolved[0]}#{resolved[1]}")
            return
        if tag in _HEADINGS:
            self.flush()
            for inner in element.iterdescendants():
                self._mark_target(inner)
            text = _heading_text(element)
            if text:
                self.blocks.append(Heading(_HEADINGS[tag], text))
            return
        if tag == "br":
            self._words.append(" ")
            return
        block = tag in _BLOCKS
        if block:
            self.flush()
        if element.text:
            self._words.append(element.text)
        for child in element:
            if isinstance(child.tag, str):
                self.walk(child)
            if child.tail:
                self._words.append(child.tail)
        if block:
            self.flush()

    def _mark_target(self, element: etree._Element) -> None:
        anchor = element.get("id") or element.get("name")
        if anchor and anchor in self.targets:
            self.flush()
            self.blocks.append(Anchor(anchor))

    def _note_list(self, container: etree._Element) -> None:
        items = [e for e in container.iter() if local_name(e) == "li"]
        if not items:
            items = [e for e in container if isinstance(e.tag, str) and e.get("id")]
        for item in items:
            text = _note_text(item)
            if text:
                self.blocks.append(Note(self._note_key(item), text))

    def _note_key(self, element: etree._Element) -> str:
        """The note's own id, else the first id inside it (EPUB 2 books often put the id on
        the note's number)."""
        for candidate in element.iter():
            anchor = candidate.get("id") or (
                candidate.get("name") if local_name(candidate) == "a" else None
            )
            if anchor:
                return f"{self.path}#{anchor}"
        return ""


def _is_note_reference(element: etree._Element, types: set[str], classes: set[str]) -> bool:
    if "noteref" in types:
        return True
    href = element.get("href") or ""
    if "#" not in href or not _MARKER.match(_text_of(element)):
        return False
    parent = element.getparent()
    raised = (parent is not None and local_name(parent) == "sup") or any(
        local_name(inner) == "sup" for inner in element.iterdescendants()
    )
    named = any(_NOTEREF_CLASS.search(name) for name in classes)
    bracketed = _text_of(element).startswith("[")
    return raised or named or bracketed


def _note_text(element: etree._Element) -> str:
    """The note's words, without its own number or its link back to the text."""
    parts: list[str] = []

    def collect(node: etree._Element) -> None:
        tag = local_name(node)
        types = semantic_types(node)
        classes = " ".join((node.get("class") or "").split())
        skip = tag in _SILENT or "backlink" in types or "pagebreak" in types
        if tag == "a" and (_MARKER.match(_text_of(node)) or _BACKLINK_CLASS.search(classes)):
            skip = True
        if not skip:
            if node.text:
                parts.append(node.text)
            for child in node:
                if isinstance(child.tag, str):
                    collect(child)
                if child.tail:
                    parts.append(child.tail)
        parts.append(" ")

    collect(element)
    return " ".join("".join(parts).replace("↩︎", " ").replace("↩", " ").split())


def _heading_text(element: etree._Element) -> str:
    parts: list[str] = []

    def collect(node: etree._Element) -> None:
        if local_name(node) in _SILENT:
            return
        if node.text:
            parts.append(node.text)
        for child in node:
            if local_name(child) == "br":
                parts.append(" ")
            elif isinstance(child.tag, str):
                collect(child)
            if child.tail:
                parts.append(child.tail)

    collect(element)
    return " ".join("".join(parts).split())


def _text_of(element: etree._Element) -> str:
    return " ".join("".join(element.itertext()).split())


def visible_text(root: etree._Element) -> str:
    """All the words a reading system would show on the page, navigation lists included:
    what the ledger lists for a page that is left out."""
    parts: list[str] = []
    shown = _SILENT - {"nav"}

    def collect(node: etree._Element) -> None:
        if local_name(node) in shown:
            return
        if node.text:
            parts.append(node.text)
        for child in node:
            if isinstance(child.tag, str):
                collect(child)
            if child.tail:
                parts.append(child.tail)

    collect(next((e for e in root.iter() if local_name(e) == "body"), root))
    return " ".join(" ".join(parts).split())
