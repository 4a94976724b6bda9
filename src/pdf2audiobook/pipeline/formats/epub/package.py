"""The package document (OPF) of an EPUB 2 or 3: metadata, manifest, spine and guide.

Every href is resolved against the package document's folder into an archive entry name;
one that would leave the archive is dropped, as is a spine entry naming no manifest item.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from urllib.parse import unquote, urldefrag

from lxml import etree

from pdf2audiobook.pipeline.errors import InvalidDocumentError
from pdf2audiobook.pipeline.formats.archive import SafeArchive
from pdf2audiobook.pipeline.formats.xml import local_name, parse_xml

CONTAINER = "META-INF/container.xml"
_PACKAGE_MEDIA_TYPE = "application/oebps-package+xml"
_OPF_NS = "http://www.idpf.org/2007/opf"
_AUTHOR_ROLES = frozenset({"aut", ""})


@dataclass(frozen=True, slots=True)
class ManifestItem:
    id: str
    path: str
    """Archive entry name of the resource."""
    media_type: str
    properties: frozenset[str]


@dataclass(frozen=True, slots=True)
class SpineItem:
    path: str
    linear: bool


@dataclass(frozen=True, slots=True)
class Package:
    path: str
    version: str
    title: str | None
    authors: tuple[str, ...]
    language: str | None
    manifest: tuple[ManifestItem, ...]
    spine: tuple[SpineItem, ...]
    nav_path: str | None
    """The EPUB 3 navigation document."""
    ncx_path: str | None
    """The EPUB 2 table of contents (often kept in EPUB 3 books too)."""
    cover_path: str | None
    """The cover image, when the package names one."""
    guide: tuple[tuple[str, str], ...]
    """EPUB 2 guide references as (type, path): which document is the cover, the contents."""


def resolve_href(base_path: str, href: str) -> tuple[str, str] | None:
    """(entry name, fragment) that `href` in the document at `base_path` points to, or None
    for an external link or one that leaves the archive."""
    target, fragment = urldefrag(href.strip())
    if not target:
        return base_path, unquote(fragment)
    if ":" in target.split("/", 1)[0] or target.startswith("/"):
        return None
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(base_path), unquote(target)))
    if joined.startswith("../") or joined == "..":
        return None
    return joined, unquote(fragment)


def find_package_path(archive: SafeArchive, describe: str) -> str:
    """The package document's entry name, from the container file (or the only .opf)."""
    if archive.has(CONTAINER):
        root = parse_xml(archive.read(CONTAINER), f"{describe} ({CONTAINER})")
        for element in root.iter():
            if local_name(element) != "rootfile":
                continue
            full_path = (element.get("full-path") or "").strip()
            media_type = element.get("media-type") or _PACKAGE_MEDIA_TYPE
            if full_path and media_type == _PACKAGE_MEDIA_TYPE and archive.has(full_path):
                return full_path
    candidates = [name for name in archive.names if name.lower().endswith(".opf")]
    if len(candidates) == 1:
        return candidates[0]
    raise InvalidDocumentError(
        f"{describe} is not a readable EPUB: it does not say where its package document is."
    )


def read_package(archive: SafeArchive, path: str, describe: str) -> Package:
    root = parse_xml(archive.read(path), f"{describe} ({path})")
    metadata = _child(root, "metadata")
    manifest = _manifest(root, path)
    by_id = {item.id: item for item in manifest}
    spine_element = _child(root, "spine")
    spine: list[SpineItem] = []
    ncx_path = None
    if spine_element is not None:
        toc_item = by_id.get(spine_element.get("toc") or "")
        ncx_path = toc_item.path if toc_item is not None else None
        for itemref in spine_element:
            item = by_id.get(itemref.get("idref") or "")
            if local_name(itemref) == "itemref" and item is not None:
                spine.append(SpineItem(item.path, itemref.get("linear", "yes").strip() != "no"))
    if ncx_path is None:
        ncx_path = next(
            (i.path for i in manifest if i.media_type == "application/x-dtbncx+xml"), None
        )
    if not spine:
        raise InvalidDocumentError(f"{describe} is not a readable EPUB: its spine is empty.")
    return Package(
        path=path,
        version=(root.get("version") or "2.0").strip(),
        title=_first_text(metadata, "title"),
        authors=_authors(metadata),
        language=_first_text(metadata, "language"),
        manifest=tuple(manifest),
        spine=tuple(spine),
        nav_path=next((i.path for i in manifest if "nav" in i.properties), None),
        ncx_path=ncx_path,
        cover_path=_cover_path(metadata, manifest, by_id),
        guide=_guide(root, path),
    )


def _manifest(root: etree._Element, package_path: str) -> list[ManifestItem]:
    items: list[ManifestItem] = []
    manifest = _child(root, "manifest")
    if manifest is None:
        return items
    for element in manifest:
        if local_name(element) != "item":
            continue
        resolved = resolve_href(package_path, element.get("href") or "")
        if resolved is None or not element.get("id"):
            continue
        items.append(
            ManifestItem(
                id=element.get("id") or "",
                path=resolved[0],
                media_type=(element.get("media-type") or "").strip().lower(),
                properties=frozenset((element.get("properties") or "").split()),
            )
        )
    return items


def _cover_path(
    metadata: etree._Element | None,
    manifest: list[ManifestItem],
    by_id: dict[str, ManifestItem],
) -> str | None:
    for item in manifest:
        if "cover-image" in item.properties:
            return item.path
    if metadata is not None:
        for element in metadata:
            if local_name(element) == "meta" and element.get("name") == "cover":
                named = by_id.get(element.get("content") or "")
                if named is not None and named.media_type.startswith("image/"):
                    return named.path
    return None


def _guide(root: etree._Element, package_path: str) -> tuple[tuple[str, str], ...]:
    guide = _child(root, "guide")
    if guide is None:
        return ()
    references = []
    for element in guide:
        resolved = resolve_href(package_path, element.get("href") or "")
        if local_name(element) == "reference" and resolved is not None:
            references.append(((element.get("type") or "").strip().lower(), resolved[0]))
    return tuple(references)


def _authors(metadata: etree._Element | None) -> tuple[str, ...]:
    if metadata is None:
        return ()
    roles = {
        (element.get("refines") or "").lstrip("#"): (element.text or "").strip()
        for element in metadata
        if local_name(element) == "meta" and element.get("property") == "role"
    }
    authors = []
    for element in metadata:
        if local_name(element) != "creator":
            continue
        role = element.get(f"{{{_OPF_NS}}}role") or roles.get(element.get("id") or "", "")
        name = " ".join("".join(element.itertext()).split())
        if name and role.strip().lower() in _AUTHOR_ROLES:
            authors.append(name)
    return tuple(authors)


def _first_text(metadata: etree._Element | None, name: str) -> str | None:
    if metadata is None:
        return None
    for element in metadata:
        if local_name(element) == name:
            text = " ".join("".join(element.itertext()).split())
            if text:
                return text
    return None


def _child(root: etree._Element, name: str) -> etree._Element | None:
    return next((element for element in root if local_name(element) == name), None)
