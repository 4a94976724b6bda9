"""Parsing untrusted XML (EPUB packages and pages, DOCX parts) without its dangers.

No entity is expanded, no DTD is loaded, nothing is fetched from the network, and lxml's
own bounds on depth and text size stay on. XHTML written for EPUB 2 may still use HTML's
named entities (`&nbsp;`, `&mdash;`) that only its DTD defines: those are turned into
character references first, which cannot grow the text.
"""

from __future__ import annotations

import re
from html.entities import name2codepoint

from lxml import etree

from pdf2audiobook.pipeline.errors import InvalidDocumentError

_XML_ENTITIES = frozenset({"amp", "lt", "gt", "quot", "apos"})
_NAMED_ENTITY = re.compile(rb"&([A-Za-z][A-Za-z0-9]{1,31});")


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def parse_xml(data: bytes, describe: str, *, html_entities: bool = False) -> etree._Element:
    """The root element of `data`.

    With `html_entities`, HTML's named character entities are accepted. Raises
    InvalidDocumentError naming `describe` when the XML is malformed or too deep.
    """
    if html_entities:
        data = _NAMED_ENTITY.sub(_character_reference, data)
    try:
        root = etree.fromstring(data, _parser())
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise InvalidDocumentError(f"{describe} is not well-formed XML ({exc}).") from None
    if root is None:
        raise InvalidDocumentError(f"{describe} is empty.")
    return root


def _character_reference(match: re.Match[bytes]) -> bytes:
    name = match.group(1).decode("ascii")
    codepoint = name2codepoint.get(name)
    if name in _XML_ENTITIES or codepoint is None:
        return match.group(0)
    return f"&#{codepoint};".encode("ascii")


def local_name(element: etree._Element) -> str:
    """The tag without its namespace ("p" for "{http://www.w3.org/1999/xhtml}p")."""
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]
