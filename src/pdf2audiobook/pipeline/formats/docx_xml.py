"""WordprocessingML names, and the text of a paragraph as a reader sees it on screen.

A paragraph's text is spread over runs; between them sit tracked changes, fields, note
references and drawings. What is read is what Word shows with changes accepted:
inserted text in, deleted text out, a field's result in and its code out, tabs and
breaks as spaces, hidden text, drawings and text boxes out. Transitional and Strict
documents name elements in two namespaces; both are read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from lxml import etree

WORD_NAMESPACES: Final = frozenset(
    {
        "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
        "http://purl.oclc.org/ooxml/wordprocessingml/main",
    }
)
_SKIPPED: Final = frozenset(
    {
        # Tracked deletions and moves away: not in the accepted text.
        "del",
        "moveFrom",
        "delText",
        "delInstrText",
        # Field codes, properties and the self-numbers of notes.
        "instrText",
        "pPr",
        "rPr",
        "fldData",
        "footnoteRef",
        "endnoteRef",
        "annotationRef",
        "commentReference",
        # Pictures, shapes and text boxes: not part of the running text.
        "drawing",
        "pict",
        "object",
    }
)
_SPACES: Final = frozenset({"tab", "ptab", "br", "cr"})
_LEAVES: Final = _SPACES | {
    "t",
    "noBreakHyphen",
    "softHyphen",
    "sym",
    "footnoteReference",
    "endnoteReference",
}
"""Elements that stand for text themselves; soft hyphens and symbol-font glyphs say nothing."""
NoteSink = Callable[[str, str], None]
"""Told ("footnote" or "endnote", id) for each note reference, in reading order."""


def word_name(element: etree._Element) -> str | None:
    """The local name of a WordprocessingML element; None for any other element."""
    tag = element.tag
    if not isinstance(tag, str) or not tag.startswith("{"):
        return None
    namespace, _, name = tag[1:].partition("}")
    return name if namespace in WORD_NAMESPACES else None


def word_attribute(element: etree._Element, name: str) -> str | None:
    """The value of `w:name` on `element`, in whichever namespace the document uses."""
    for namespace in WORD_NAMESPACES:
        value = element.get(f"{{{namespace}}}{name}")
        if value is not None:
            return value
    return None


def word_child(element: etree._Element, *path: str) -> etree._Element | None:
    """The first descendant along `path` of WordprocessingML names, or None."""
    current: etree._Element | None = element
    for name in path:
        if current is None:
            return None
        current = next((child for child in current if word_name(child) == name), None)
    return current


class FieldState:
    """Complex fields open across runs and paragraphs: while any open field is still in
    its code part (between "begin" and "separate"), nothing is read."""

    def __init__(self) -> None:
        self._in_code: list[bool] = []

    def mark(self, kind: str | None) -> None:
        if kind == "begin":
            self._in_code.append(True)
        elif kind == "separate" and self._in_code:
            self._in_code[-1] = False
        elif kind == "end" and self._in_code:
            self._in_code.pop()

    @property
    def in_code(self) -> bool:
        return any(self._in_code)


def paragraph_text(paragraph: etree._Element, fields: FieldState, notes: NoteSink) -> str:
    """The text of a `w:p` (or of any container of runs) as Word shows it."""
    parts: list[str] = []
    _collect(paragraph, parts, fields, notes)
    return "".join(parts)


def _collect(
    element: etree._Element, parts: list[str], fields: FieldState, notes: NoteSink
) -> None:
    for child in element:
        name = word_name(child)
        if name is None or name in _SKIPPED:
            # Other namespaces hold drawings, math and alternate content.
            continue
        if name == "fldChar":
            fields.mark(word_attribute(child, "fldCharType"))
        elif name == "r" and _hidden(child):
            continue
        elif name in _LEAVES:
            # A field's code may hold text too; runs are still walked to find its end.
            if not fields.in_code:
                _leaf(child, name, parts, notes)
        else:
            _collect(child, parts, fields, notes)


def _leaf(element: etree._Element, name: str, parts: list[str], notes: NoteSink) -> None:
    if name == "t":
        parts.append(element.text or "")
    elif name in _SPACES:
        parts.append(" ")
    elif name == "noBreakHyphen":
        parts.append("-")
    elif name in ("footnoteReference", "endnoteReference"):
        note_id = word_attribute(element, "id")
        if note_id is not None:
            notes(name.removesuffix("Reference"), note_id)


def _hidden(run: etree._Element) -> bool:
    vanish = word_child(run, "rPr", "vanish")
    return vanish is not None and word_attribute(vanish, "val") not in ("0", "false", "off")
