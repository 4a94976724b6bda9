"""Small EPUBs written in a test, for what the real books do not show: notes, skipped pages,
DRM, hostile containers. Each is a real zip laid out as the OCF specification says."""

from __future__ import annotations

import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

XHTML = """<?xml version="1.0" encoding="utf-8"?>
<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops">
<head><title>{title}</title><style>p {{ color: red; }}</style></head>
<body{body_attributes}>
{body}
</body>
</html>
"""
CONTAINER = """<?xml version="1.0"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles>
    <rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>
  </rootfiles>
</container>
"""


def page(body: str, title: str = "Page", body_attributes: str = "") -> str:
    return XHTML.format(title=title, body=body, body_attributes=body_attributes)


def nav_document(entries: Sequence[tuple[str, str]], landmarks: str = "") -> str:
    items = "".join(f'<li><a href="{href}">{title}</a></li>' for title, href in entries)
    body = f'<nav epub:type="toc" id="toc"><h1>Contents</h1><ol>{items}</ol></nav>{landmarks}'
    return page(body, "Contents")


def package(
    spine: Sequence[str],
    *,
    title: str = "A Test Book",
    creators: Sequence[str] = ("Ann Author",),
    extra_manifest: str = "",
    linear_no: Sequence[str] = (),
    nav: str | None = "nav.xhtml",
) -> str:
    """An EPUB 3 package document whose spine lists the given OEBPS-relative files."""
    manifest = []
    if nav is not None:
        manifest.append(
            f'<item id="nav" href="{nav}" media-type="application/xhtml+xml" properties="nav"/>'
        )
    itemrefs = []
    for index, href in enumerate(spine):
        item_id = "nav" if href == nav else f"doc{index}"
        if href != nav:
            manifest.append(
                f'<item id="{item_id}" href="{href}" media-type="application/xhtml+xml"/>'
            )
        linear = ' linear="no"' if href in linear_no else ""
        itemrefs.append(f'<itemref idref="{item_id}"{linear}/>')
    authors = "".join(f"<dc:creator>{name}</dc:creator>" for name in creators)
    return f"""<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id">
  <metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
    <dc:identifier id="id">urn:uuid:0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0</dc:identifier>
    <dc:title>{title}</dc:title>{authors}<dc:language>en</dc:language>
  </metadata>
  <manifest>{"".join(manifest)}{extra_manifest}</manifest>
  <spine>{"".join(itemrefs)}</spine>
</package>
"""


def write_epub(
    path: Path,
    files: Mapping[str, str | bytes],
    *,
    mimetype: bytes = b"application/epub+zip",
) -> Path:
    """An EPUB at `path`: the stored mimetype first, the container, then `files` (names
    relative to the archive's root)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), mimetype, zipfile.ZIP_STORED)
        archive.writestr("META-INF/container.xml", CONTAINER)
        for name, content in files.items():
            archive.writestr(name, content)
    return path


def simple_book(path: Path, chapters: Sequence[tuple[str, str]]) -> Path:
    """An EPUB 3 whose chapters are one document each, listed in its navigation document."""
    files: dict[str, str | bytes] = {}
    spine = []
    entries = []
    for number, (title, text) in enumerate(chapters, start=1):
        href = f"chapter{number}.xhtml"
        spine.append(href)
        entries.append((title, href))
        files[f"OEBPS/{href}"] = page(f"<h1>{title}</h1><p>{text}</p>", title)
    files["OEBPS/nav.xhtml"] = nav_document(entries)
    files["OEBPS/content.opf"] = package(spine)
    return write_epub(path, files)
