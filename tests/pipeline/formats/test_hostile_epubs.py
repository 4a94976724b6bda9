"""Broken, hostile and locked EPUBs fail with a message a person can act on, and cheaply."""

from __future__ import annotations

import struct
import time
import zipfile
from pathlib import Path

import pytest

from pdf2audiobook.pipeline.errors import (
    ArchiveTooLargeError,
    DrmProtectedError,
    InvalidArchiveError,
    InvalidDocumentError,
)
from pdf2audiobook.pipeline.formats.archive import open_archive
from pdf2audiobook.pipeline.formats.epub import read_epub
from pdf2audiobook.pipeline.reading.limits import MIB, ReadLimits
from pdf2audiobook.pipeline.reading.reader import ReadOptions
from pdf2audiobook.pipeline.source import read_book
from tests.pipeline.formats.epub_files import CONTAINER, package, page, simple_book, write_epub

LIMITS = ReadLimits()
CHAPTERS = [("One", "The first chapter's words."), ("Two", "The second chapter's words.")]


def test_a_truncated_epub_is_called_damaged(tmp_path: Path) -> None:
    whole = simple_book(tmp_path / "whole.epub", CHAPTERS).read_bytes()
    cut = tmp_path / "cut.epub"
    cut.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(InvalidArchiveError, match=r"cut\.epub is damaged or truncated"):
        read_epub(cut, LIMITS)


def test_an_entry_with_a_wrong_checksum_is_called_damaged(tmp_path: Path) -> None:
    book = simple_book(tmp_path / "book.epub", CHAPTERS)
    data = bytearray(book.read_bytes())
    with zipfile.ZipFile(book) as archive:
        info = archive.getinfo("OEBPS/chapter1.xhtml")
    # Flip a byte of the entry's compressed data: it no longer matches its CRC.
    name_length, extra_length = struct.unpack_from("<HH", data, info.header_offset + 26)
    data[info.header_offset + 30 + name_length + extra_length + 5] ^= 0xFF
    book.write_bytes(bytes(data))
    with pytest.raises(InvalidArchiveError, match="damaged"):
        read_epub(book, LIMITS)


def test_a_zip_bomb_is_stopped_while_unpacking_not_trusted_by_its_header(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.epub"
    files = {"OEBPS/content.opf": package(["chapter1.xhtml"], nav=None)}
    write_epub(bomb, files)
    # 20 MB of zeros deflate to about 20 kB: a ratio of 1000 to 1.
    with (
        zipfile.ZipFile(bomb, "a", zipfile.ZIP_DEFLATED) as archive,
        archive.open("OEBPS/chapter1.xhtml", "w", force_zip64=True) as entry,
    ):
        block = b"\0" * MIB
        for _ in range(20):
            entry.write(block)
    started = time.monotonic()
    with pytest.raises(ArchiveTooLargeError, match="zip bomb"):
        read_epub(bomb, LIMITS)
    assert time.monotonic() - started < 5


LONG_CHAPTER = "".join(
    f"<p>Paragraph {n} of a long chapter, told at length.</p>" for n in range(9000)
)


def _central_header(data: bytes | bytearray, name: str) -> int:
    """Offset of `name`'s record in the zip's central directory."""
    position = data.find(name.encode(), data.find(b"PK\x01\x02")) - 46
    assert data[position : position + 4] == b"PK\x01\x02"
    return position


def test_an_entry_larger_than_it_claims_is_refused_as_damaged(tmp_path: Path) -> None:
    book = simple_book(tmp_path / "liar.epub", [("Long", LONG_CHAPTER)])
    data = bytearray(book.read_bytes())
    # Claim 1,000 bytes where 500 kB follow: unpacking stops there and the checksum fails.
    struct.pack_into("<I", data, _central_header(data, "OEBPS/chapter1.xhtml") + 24, 1000)
    book.write_bytes(bytes(data))
    with pytest.raises(InvalidArchiveError, match=r"liar\.epub is damaged"):
        read_epub(book, LIMITS)


def test_an_enormous_entry_is_stopped_at_the_entry_limit(tmp_path: Path) -> None:
    book = simple_book(tmp_path / "long.epub", [("Long", LONG_CHAPTER)])
    with pytest.raises(ArchiveTooLargeError, match=r"entry \(OEBPS/chapter1.xhtml\) larger"):
        read_epub(book, ReadLimits(max_entry_bytes=200_000))


def test_an_archive_declaring_too_much_content_is_refused_unread(tmp_path: Path) -> None:
    book = tmp_path / "huge.epub"
    write_epub(book, {"OEBPS/content.opf": package(["a.xhtml"], nav=None)})
    with zipfile.ZipFile(book, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("OEBPS/a.xhtml", page("<p>" + "word " * 400_000 + "</p>"))
    with pytest.raises(ArchiveTooLargeError, match=r"huge\.epub declares 2 MB"):
        read_epub(book, ReadLimits(max_unpacked_bytes=MIB))


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("../../etc/cron.d/job", "points outside the archive"),
        ("/etc/passwd", "is an absolute path"),
        ("OEBPS\\..\\evil.xhtml", "uses backslashes"),
        ("C:/Windows/evil.xhtml", "is an absolute path"),
    ],
)
def test_path_tricks_in_entry_names_are_refused(tmp_path: Path, name: str, problem: str) -> None:
    book = simple_book(tmp_path / "tricky.epub", CHAPTERS)
    with zipfile.ZipFile(book, "a") as archive:
        archive.writestr(zipfile.ZipInfo(name), b"x")
    with pytest.raises(InvalidArchiveError, match=problem):
        read_epub(book, LIMITS)


def test_two_entries_of_the_same_name_are_refused(tmp_path: Path) -> None:
    book = simple_book(tmp_path / "twice.epub", CHAPTERS)
    with pytest.warns(UserWarning, match="Duplicate name"), zipfile.ZipFile(book, "a") as archive:
        archive.writestr("OEBPS/chapter1.xhtml", page("<p>Another text.</p>"))
    with pytest.raises(InvalidArchiveError, match="two entries named"):
        read_epub(book, LIMITS)


def test_too_many_entries_are_refused_before_any_is_read(tmp_path: Path) -> None:
    book = simple_book(tmp_path / "crowded.epub", CHAPTERS)
    with zipfile.ZipFile(book, "a") as archive:
        for number in range(60):
            archive.writestr(f"OEBPS/images/{number}.txt", b"")
    with pytest.raises(ArchiveTooLargeError, match=r"holds 6[0-9] entries; at most 50"):
        read_epub(book, ReadLimits(max_archive_entries=50))


def test_a_password_protected_zip_entry_is_refused(tmp_path: Path) -> None:
    book = simple_book(tmp_path / "locked.epub", CHAPTERS)
    data = bytearray(book.read_bytes())
    with zipfile.ZipFile(book) as archive:
        info = archive.getinfo("OEBPS/chapter1.xhtml")
    # Set the "encrypted" flag in the local and the central header, as zip encryption does.
    data[info.header_offset + 6] |= 0x1
    data[_central_header(data, "OEBPS/chapter1.xhtml") + 8] |= 0x1
    book.write_bytes(bytes(data))
    with pytest.raises(InvalidArchiveError, match="password-protected entry"):
        read_epub(book, LIMITS)


def _encryption(algorithm: str, uri: str) -> str:
    return f"""<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container"
    xmlns:enc="http://www.w3.org/2001/04/xmlenc#">
  <enc:EncryptedData>
    <enc:EncryptionMethod Algorithm="{algorithm}"/>
    <enc:CipherData><enc:CipherReference URI="{uri}"/></enc:CipherData>
  </enc:EncryptedData>
</encryption>"""


def _book_with(tmp_path: Path, extra: dict[str, str | bytes]) -> Path:
    files: dict[str, str | bytes] = {
        "OEBPS/content.opf": package(["chapter1.xhtml"], nav=None),
        "OEBPS/chapter1.xhtml": page("<h1>One</h1><p>The words of the book.</p>"),
        **extra,
    }
    return write_epub(tmp_path / "store.epub", files)


def test_a_book_with_encrypted_chapters_is_refused_as_drm_protected(tmp_path: Path) -> None:
    book = _book_with(
        tmp_path,
        {
            "META-INF/encryption.xml": _encryption(
                "http://www.w3.org/2001/04/xmlenc#aes128-cbc", "OEBPS/chapter1.xhtml"
            ),
            "META-INF/rights.xml": "<adept:rights xmlns:adept='http://ns.adobe.com/adept'/>",
        },
    )
    with pytest.raises(DrmProtectedError, match=r"store\.epub is protected by DRM.*DRM-free"):
        read_epub(book, LIMITS)


def test_a_rights_file_alone_marks_a_drm_book(tmp_path: Path) -> None:
    book = _book_with(tmp_path, {"META-INF/rights.xml": "<rights/>"})
    with pytest.raises(DrmProtectedError):
        read_epub(book, LIMITS)


@pytest.mark.parametrize(
    "algorithm", ["http://www.idpf.org/2008/embedding", "http://ns.adobe.com/pdf/enc#RC"]
)
def test_obfuscated_fonts_are_not_drm(tmp_path: Path, algorithm: str) -> None:
    book = _book_with(
        tmp_path,
        {
            "META-INF/encryption.xml": _encryption(algorithm, "OEBPS/fonts/serif.otf"),
            "OEBPS/fonts/serif.otf": b"\x00\x01\x00\x00obfuscated",
        },
    )
    flow = read_epub(book, LIMITS)
    assert flow.sections[0].paragraphs == ("The words of the book.",)


def test_drm_is_refused_through_the_sandbox_with_the_same_message(tmp_path: Path) -> None:
    book = _book_with(tmp_path, {"META-INF/rights.xml": "<rights/>"})
    with pytest.raises(DrmProtectedError, match="protected by DRM"):
        read_book(book, ReadOptions())


def test_a_zip_without_a_package_document_is_not_an_epub(tmp_path: Path) -> None:
    book = write_epub(tmp_path / "empty.epub", {"OEBPS/readme.txt": "hello"})
    with pytest.raises(InvalidDocumentError, match="does not say where its package document is"):
        read_epub(book, LIMITS)


def test_a_malformed_package_document_names_the_file(tmp_path: Path) -> None:
    book = write_epub(tmp_path / "bad.epub", {"OEBPS/content.opf": "<package><metadata>"})
    with pytest.raises(InvalidDocumentError, match=r"bad\.epub \(OEBPS/content\.opf\) is not"):
        read_epub(book, LIMITS)


def test_entity_expansion_is_never_done(tmp_path: Path) -> None:
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE html [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
        '<html xmlns="http://www.w3.org/1999/xhtml"><body><p>Laugh &c;</p><p>Plain words.</p>'
        "</body></html>"
    )
    book = _book_with(tmp_path, {"OEBPS/chapter1.xhtml": laughs})
    flow = read_epub(book, LIMITS)
    text = " ".join(p for s in flow.sections for p in s.paragraphs)
    assert "aaaa" not in text
    assert "Plain words." in text


def test_the_container_file_is_read_within_limits(tmp_path: Path) -> None:
    book = write_epub(tmp_path / "c.epub", {"OEBPS/content.opf": package(["x.xhtml"], nav=None)})
    with open_archive(book, LIMITS) as archive:
        assert archive.read("META-INF/container.xml").decode() == CONTAINER
