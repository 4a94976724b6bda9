"""Telling a book locked by its seller's rights management from one that merely hides its
fonts.

Font obfuscation (the IDPF and Adobe algorithms) is listed in META-INF/encryption.xml too,
but it only scrambles embedded fonts against copying; the text stays readable. Anything
else encrypted there, or a rights or licence file of a DRM scheme (Adobe ADEPT's
rights.xml, Readium LCP's license.lcpl, Apple's sinf.xml), means the text cannot be read.
"""

from __future__ import annotations

from pdf2audiobook.pipeline.errors import DrmProtectedError
from pdf2audiobook.pipeline.formats.archive import SafeArchive
from pdf2audiobook.pipeline.formats.xml import local_name, parse_xml

ENCRYPTION = "META-INF/encryption.xml"
FONT_OBFUSCATION = frozenset(
    {"http://www.idpf.org/2008/embedding", "http://ns.adobe.com/pdf/enc#RC"}
)
_DRM_FILES = ("META-INF/rights.xml", "META-INF/license.lcpl", "META-INF/sinf.xml")


def refuse_drm(archive: SafeArchive, describe: str) -> None:
    """Raise DrmProtectedError when the book's content is encrypted."""
    scheme_file = next((name for name in _DRM_FILES if archive.has(name)), None)
    encrypted = _encrypted_resources(archive, describe) if archive.has(ENCRYPTION) else []
    if scheme_file is None and not encrypted:
        return
    raise DrmProtectedError(
        f"{describe} is protected by DRM (its text is encrypted by the seller), so it cannot "
        "be read. Use a DRM-free copy of the book, as many shops and libraries offer."
    )


def _encrypted_resources(archive: SafeArchive, describe: str) -> list[str]:
    """URIs of resources encrypted with anything other than font obfuscation."""
    root = parse_xml(archive.read(ENCRYPTION), f"{describe} ({ENCRYPTION})")
    encrypted = []
    for data in root.iter():
        if local_name(data) != "EncryptedData":
            continue
        algorithms = {
            element.get("Algorithm", "")
            for element in data.iter()
            if local_name(element) == "EncryptionMethod"
        }
        if algorithms <= FONT_OBFUSCATION:
            continue
        references = [
            element.get("URI", "")
            for element in data.iter()
            if local_name(element) == "CipherReference"
        ]
        encrypted.extend(references or ["(unnamed)"])
    return encrypted
