"""Which paragraph styles of a Word document are headings, titles or contents entries.

A heading is a paragraph in one of Word's "heading N" styles, in a style based on one,
or in a style (or paragraph) given an outline level. Built-in styles keep their English
names in the file whatever the language of Word, so "heading 1" is found in a German
document too.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from lxml import etree

from pdf2audiobook.pipeline.formats.docx_xml import word_attribute, word_child, word_name

_HEADING_NAME: Final = re.compile(r"^heading\s*(\d)$", re.IGNORECASE)
_CONTENTS_NAME: Final = re.compile(r"^toc(?:\s*\d+|\s+heading)$", re.IGNORECASE)
BODY_OUTLINE_LEVEL: Final = 9
"""Word's outline level for body text; 0 to 8 are heading levels."""


@dataclass(frozen=True, slots=True)
class _Style:
    name: str
    based_on: str | None
    outline_level: int | None


@dataclass(frozen=True, slots=True)
class StyleSheet:
    """Paragraph styles by id, with what the reader needs to know about each."""

    heading_levels: dict[str, int]
    """Style id to 0-based heading level."""
    titles: frozenset[str]
    contents: frozenset[str]
    language: str | None
    """The document's default language (`w:docDefaults`), such as "en-GB"."""


EMPTY_STYLES: Final = StyleSheet({}, frozenset(), frozenset(), None)


def read_styles(root: etree._Element) -> StyleSheet:
    """The style sheet of a parsed `styles.xml`."""
    styles: dict[str, _Style] = {}
    for element in root:
        if word_name(element) != "style" or word_attribute(element, "type") not in (
            None,
            "paragraph",
        ):
            continue
        style_id = word_attribute(element, "styleId")
        if style_id is None:
            continue
        name_element = word_child(element, "name")
        based_on = word_child(element, "basedOn")
        styles[style_id] = _Style(
            name=(word_attribute(name_element, "val") if name_element is not None else None)
            or style_id,
            based_on=word_attribute(based_on, "val") if based_on is not None else None,
            outline_level=outline_level(word_child(element, "pPr")),
        )
    levels = {}
    for style_id in styles:
        level = _heading_level(style_id, styles)
        if level is not None:
            levels[style_id] = level
    titles = frozenset(s for s in styles if _in_chain(s, styles, lambda n: n.lower() == "title"))
    contents = frozenset(
        s for s in styles if _in_chain(s, styles, lambda n: bool(_CONTENTS_NAME.match(n)))
    )
    language = word_child(root, "docDefaults", "rPrDefault", "rPr", "lang")
    return StyleSheet(
        levels,
        titles,
        contents,
        word_attribute(language, "val") if language is not None else None,
    )


def outline_level(properties: etree._Element | None) -> int | None:
    """The heading level a `w:pPr` gives by `w:outlineLvl`, None when it gives none."""
    if properties is None:
        return None
    element = word_child(properties, "outlineLvl")
    value = word_attribute(element, "val") if element is not None else None
    if value is None or not value.isdigit():
        return None
    return int(value)


def _heading_level(style_id: str, styles: dict[str, _Style]) -> int | None:
    """The heading level of a style: by name, else its outline level, else its base's."""
    seen: set[str] = set()
    current: str | None = style_id
    while current is not None and current in styles and current not in seen:
        seen.add(current)
        style = styles[current]
        named = _HEADING_NAME.match(style.name)
        if named:
            return max(int(named.group(1)) - 1, 0)
        if style.outline_level is not None:
            return None if style.outline_level >= BODY_OUTLINE_LEVEL else style.outline_level
        current = style.based_on
    return None


def _in_chain(style_id: str, styles: dict[str, _Style], test: Callable[[str], bool]) -> bool:
    """Whether the style or one it is based on has a name that passes `test`."""
    seen: set[str] = set()
    current: str | None = style_id
    while current is not None and current in styles and current not in seen:
        seen.add(current)
        if test(styles[current].name):
            return True
        current = styles[current].based_on
    return False
