"""Small Word packages written part by part, for what pandoc never writes: tracked
changes, fields, hidden text, endnotes, outline levels and styles based on headings."""

from __future__ import annotations

import zipfile
from pathlib import Path

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_RELATIONSHIP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_PARTS = {
    "styles": "styles.xml",
    "footnotes": "footnotes.xml",
    "endnotes": "endnotes.xml",
}


def write_docx(
    path: Path,
    body: str,
    *,
    styles: str | None = None,
    footnotes: str | None = None,
    endnotes: str | None = None,
    core: str | None = None,
) -> Path:
    """A .docx at `path` whose parts hold the given WordprocessingML (inner XML only)."""
    parts = {"styles": styles, "footnotes": footnotes, "endnotes": endnotes}
    document_rels = "".join(
        f'<Relationship Id="rId{i}" Type="{_RELATIONSHIP}/{kind}" Target="{_PARTS[kind]}"/>'
        for i, (kind, xml) in enumerate(parts.items(), start=1)
        if xml is not None
    )
    package_rels = (
        f'<Relationship Id="rId1" Type="{_RELATIONSHIP}/officeDocument" '
        'Target="word/document.xml"/>'
    )
    if core is not None:
        package_rels += (
            f'<Relationship Id="rId2" Type="{_PACKAGE_RELS}/metadata/core-properties" '
            'Target="docProps/core.xml"/>'
        )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr(
            "_rels/.rels", f'<Relationships xmlns="{_PACKAGE_RELS}">{package_rels}</Relationships>'
        )
        archive.writestr(
            "word/_rels/document.xml.rels",
            f'<Relationships xmlns="{_PACKAGE_RELS}">{document_rels}</Relationships>',
        )
        archive.writestr(
            "word/document.xml", f'<w:document xmlns:w="{W}"><w:body>{body}</w:body></w:document>'
        )
        roots = {"styles": "styles", "footnotes": "footnotes", "endnotes": "endnotes"}
        for kind, xml in parts.items():
            if xml is not None:
                archive.writestr(
                    f"word/{_PARTS[kind]}",
                    f'<w:{roots[kind]} xmlns:w="{W}">{xml}</w:{roots[kind]}>',
                )
        if core is not None:
            archive.writestr(
                "docProps/core.xml",
                '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
                'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">'
                f"{core}</cp:coreProperties>",
            )
    return path


def paragraph(text: str, style: str | None = None) -> str:
    """A paragraph of one run, in `style` when given."""
    properties = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    return f'<w:p>{properties}<w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p>'


_CONTENT_TYPES = (
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
