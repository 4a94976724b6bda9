"""The book's own table of contents: the EPUB 3 navigation document, or the EPUB 2 NCX.

Both give nested entries, each a title and a link into a spine document (to its start,
or to an element by id). The navigation document's landmarks also say which documents
are the cover, the contents or the index.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from pdf2audiobook.pipeline.formats.archive import SafeArchive
from pdf2audiobook.pipeline.formats.epub.package import resolve_href
from pdf2audiobook.pipeline.formats.xml import local_name, parse_xml

EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"


@dataclass(frozen=True, slots=True)
class NavEntry:
    title: str
    level: int
    """0 for the top of the table of contents."""
    path: str
    fragment: str
    """Id of the element the entry points to; empty for the document's start."""


@dataclass(frozen=True, slots=True)
class Navigation:
    entries: tuple[NavEntry, ...]
    landmarks: tuple[tuple[str, str], ...]
    """(type, path) of the landmarks list: "toc", "cover", "bodymatter", "index"..."""


def semantic_types(element: etree._Element) -> set[str]:
    """The element's epub:type values and its ARIA role, without the "doc-" prefix."""
    types = set((element.get(EPUB_TYPE) or "").lower().split())
    types.update(role.removeprefix("doc-") for role in (element.get("role") or "").split())
    return types


def read_navigation(archive: SafeArchive, path: str, describe: str) -> Navigation:
    """Entries and landmarks of the EPUB 3 navigation document at `path`."""
    root = parse_xml(archive.read(path), f"{describe} ({path})", html_entities=True)
    navs = [element for element in root.iter() if local_name(element) == "nav"]
    toc = next((nav for nav in navs if "toc" in semantic_types(nav)), navs[0] if navs else None)
    entries: list[NavEntry] = []
    if toc is not None:
        top_list = next((e for e in toc.iter() if local_name(e) == "ol"), None)
        if top_list is not None:
            _list_entries(top_list, path, 0, entries)
    landmarks: list[tuple[str, str]] = []
    for nav in navs:
        if "landmarks" not in semantic_types(nav):
            continue
        for link in nav.iter():
            resolved = resolve_href(path, link.get("href") or "")
            if local_name(link) == "a" and resolved is not None:
                landmarks.extend((kind, resolved[0]) for kind in semantic_types(link))
    return Navigation(tuple(entries), tuple(landmarks))


def _list_entries(ordered: etree._Element, path: str, level: int, out: list[NavEntry]) -> None:
    for item in ordered:
        if local_name(item) != "li":
            continue
        label = next((e for e in item if local_name(e) in ("a", "span")), None)
        if label is not None and local_name(label) == "a":
            resolved = resolve_href(path, label.get("href") or "")
            title = _text(label)
            if resolved is not None and title:
                out.append(NavEntry(title, level, resolved[0], resolved[1]))
        for child in item:
            if local_name(child) == "ol":
                _list_entries(child, path, level + 1, out)


def read_ncx(archive: SafeArchive, path: str, describe: str) -> Navigation:
    """Entries of the EPUB 2 NCX at `path` (it has no landmarks)."""
    root = parse_xml(archive.read(path), f"{describe} ({path})", html_entities=True)
    nav_map = next((e for e in root.iter() if local_name(e) == "navMap"), None)
    entries: list[NavEntry] = []
    if nav_map is not None:
        _nav_points(nav_map, path, 0, entries)
    return Navigation(tuple(entries), ())


def _nav_points(parent: etree._Element, path: str, level: int, out: list[NavEntry]) -> None:
    for point in parent:
        if local_name(point) != "navPoint":
            continue
        label = next((e for e in point if local_name(e) == "navLabel"), None)
        content = next((e for e in point if local_name(e) == "content"), None)
        title = _text(label) if label is not None else ""
        resolved = resolve_href(path, content.get("src") or "") if content is not None else None
        if resolved is not None and title:
            out.append(NavEntry(title, level, resolved[0], resolved[1]))
        _nav_points(point, path, level + 1, out)


def _text(element: etree._Element) -> str:
    return " ".join("".join(element.itertext()).split())
