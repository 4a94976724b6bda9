"""Reading entries of an untrusted zip container (EPUB, DOCX) within limits.

Nothing is ever extracted to disk: entries are read into memory by name. The declared
sizes in a zip are the sender's word, so every read counts the bytes it really unpacks
and stops as soon as an entry, the archive as a whole or the compression ratio goes past
its limit. The central directory is measured before `zipfile` parses it, since parsing a
huge one costs memory in whichever process does it (the API sniffs uploads in its own).

Use::

    with open_archive(path, limits) as archive:
        if archive.has("word/document.xml"):
            data = archive.read("word/document.xml")

Every failure is an `InvalidArchiveError` (damaged, path trick, encrypted entry, missing
entry) or an `ArchiveTooLargeError` (over a limit), with a message naming the file.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from pdf2audiobook.pipeline.errors import ArchiveTooLargeError, InvalidArchiveError
from pdf2audiobook.pipeline.reading.limits import MIB, ReadLimits

ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"
_EOCD = struct.Struct("<4s4H2LH")
_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_EOCD = struct.Struct("<4sQ2H2L4Q")
_EOCD_SEARCH = 65_535 + _EOCD.size
_CENTRAL_ENTRY_BYTES = 1024
"""Central directory bytes allowed per permitted entry: a 46-byte header and a name."""
_BLOCK = 64 * 1024
_RATIO_CHECKED_FROM = MIB
_ENCRYPTED_FLAG = 0x1


def is_zip(head: bytes) -> bool:
    """Whether the first bytes of a file are those of a zip archive."""
    return head.startswith((ZIP_MAGIC, EMPTY_ZIP_MAGIC))


class SafeArchive:
    """A zip archive whose entry names have been checked; reads are bounded."""

    def __init__(self, archive: zipfile.ZipFile, describe: str, limits: ReadLimits) -> None:
        self._archive = archive
        self._describe = describe
        self._limits = limits
        self._unpacked = 0
        self._entries = {info.filename: info for info in archive.infolist()}

    @property
    def names(self) -> tuple[str, ...]:
        """Entry names in the order the archive lists them (directories included)."""
        return tuple(self._entries)

    def has(self, name: str) -> bool:
        return name in self._entries

    def size_of(self, name: str) -> int:
        """The declared unpacked size of `name` (not to be trusted beyond a hint)."""
        return self._entry(name).file_size

    def read(self, name: str, max_bytes: int | None = None) -> bytes:
        """The unpacked bytes of entry `name`.

        Raises InvalidArchiveError when the entry is missing, encrypted or damaged, and
        ArchiveTooLargeError when it unpacks past `max_bytes` (default: the entry limit),
        past the archive's total or at a ratio only a bomb reaches.
        """
        info = self._entry(name)
        if info.flag_bits & _ENCRYPTED_FLAG:
            raise InvalidArchiveError(
                f"{self._describe} has a password-protected entry ({name}); it cannot be read."
            )
        limit = min(max_bytes or self._limits.max_entry_bytes, self._limits.max_entry_bytes)
        chunks: list[bytes] = []
        size = 0
        try:
            with self._archive.open(info) as stream:
                while block := stream.read(_BLOCK):
                    size += len(block)
                    self._unpacked += len(block)
                    self._check_growth(name, size, limit, info.compress_size)
                    chunks.append(block)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
            raise InvalidArchiveError(
                f"{self._describe} is damaged: its entry {name} cannot be unpacked ({exc})."
            ) from None
        return b"".join(chunks)

    def _entry(self, name: str) -> zipfile.ZipInfo:
        info = self._entries.get(name)
        if info is None:
            raise InvalidArchiveError(f"{self._describe} is incomplete: it has no {name}.")
        return info

    def _check_growth(self, name: str, size: int, limit: int, compressed: int) -> None:
        if size > limit:
            raise ArchiveTooLargeError(
                f"{self._describe} holds an entry ({name}) larger than "
                f"{_mib(limit)} once unpacked; it cannot be read."
            )
        if self._unpacked > self._limits.max_unpacked_bytes:
            raise ArchiveTooLargeError(
                f"{self._describe} unpacks to more than {_mib(self._limits.max_unpacked_bytes)}; "
                "it cannot be read."
            )
        if size >= _RATIO_CHECKED_FROM and size > compressed * self._limits.max_compression_ratio:
            raise ArchiveTooLargeError(
                f"{self._describe} holds an entry ({name}) compressed more than "
                f"{self._limits.max_compression_ratio:.0f} to 1, as only a zip bomb is; "
                "it was not unpacked."
            )


@contextmanager
def open_archive(
    path: Path, limits: ReadLimits, describe: str | None = None
) -> Iterator[SafeArchive]:
    """Open `path` as a zip whose every entry name is safe and whose size is within limits.

    Raises InvalidArchiveError for a damaged archive, a path trick (`..`, an absolute
    path, a backslash, a drive letter, a duplicate name) or an unsupported zip feature,
    and ArchiveTooLargeError past the entry-count or declared-size limits.
    """
    describe = describe or path.name
    _check_central_directory(path, limits, describe)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
        raise InvalidArchiveError(
            f"{describe} is damaged or truncated: it cannot be opened as a zip archive ({exc})."
        ) from None
    with archive:
        infos = archive.infolist()
        _check_entries(infos, limits, describe)
        yield SafeArchive(archive, describe, limits)


def _check_entries(infos: list[zipfile.ZipInfo], limits: ReadLimits, describe: str) -> None:
    if len(infos) > limits.max_archive_entries:
        raise ArchiveTooLargeError(
            f"{describe} holds {len(infos):,} entries; at most "
            f"{limits.max_archive_entries:,} are read."
        )
    seen: set[str] = set()
    declared = 0
    for info in infos:
        name = info.filename
        problem = _name_problem(name)
        if problem is not None:
            raise InvalidArchiveError(
                f"{describe} is refused: its entry {name!r} {problem}, which no genuine book needs."
            )
        folded = name.casefold()
        if folded in seen:
            raise InvalidArchiveError(
                f"{describe} is refused: it holds two entries named {name!r}, so which one "
                "is read would be ambiguous."
            )
        seen.add(folded)
        declared += info.file_size
    if declared > limits.max_unpacked_bytes:
        raise ArchiveTooLargeError(
            f"{describe} declares {_mib(declared)} of content once unpacked; the limit is "
            f"{_mib(limits.max_unpacked_bytes)}."
        )


def _name_problem(name: str) -> str | None:
    """Why an entry name is unsafe, or None."""
    if not name or "\x00" in name:
        return "has an empty or NUL name"
    if "\\" in name:
        return "uses backslashes as folder separators"
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return "is an absolute path"
    if ".." in PurePosixPath(name).parts:
        return "points outside the archive with '..'"
    return None


def _check_central_directory(path: Path, limits: ReadLimits, describe: str) -> None:
    """Refuse a central directory too large for the entry limit, before it is parsed."""
    try:
        with path.open("rb") as handle:
            handle.seek(0, 2)
            file_size = handle.tell()
            start = max(0, file_size - _EOCD_SEARCH)
            handle.seek(start)
            tail = handle.read()
            position = tail.rfind(EMPTY_ZIP_MAGIC)
            if position < 0 or len(tail) - position < _EOCD.size:
                raise InvalidArchiveError(
                    f"{describe} is damaged or truncated: the end of its zip directory is missing."
                )
            directory_bytes = _EOCD.unpack_from(tail, position)[5]
            if directory_bytes == 0xFFFFFFFF:
                directory_bytes = _zip64_directory_bytes(handle, start + position, describe)
    except OSError as exc:
        raise InvalidArchiveError(f"Cannot read {describe}: {exc.strerror}") from None
    if directory_bytes > limits.max_archive_entries * _CENTRAL_ENTRY_BYTES:
        raise ArchiveTooLargeError(
            f"{describe} has a zip directory of {_mib(directory_bytes)}, more than "
            f"{limits.max_archive_entries:,} entries need; it cannot be read."
        )


def _zip64_directory_bytes(stream: BinaryIO, eocd_offset: int, describe: str) -> int:
    damaged = InvalidArchiveError(f"{describe} is damaged: its zip64 directory is unreadable.")
    if eocd_offset < _ZIP64_LOCATOR.size:
        raise damaged
    stream.seek(eocd_offset - _ZIP64_LOCATOR.size)
    locator = stream.read(_ZIP64_LOCATOR.size)
    signature, _, record_offset, _ = _ZIP64_LOCATOR.unpack(locator)
    if signature != b"PK\x06\x07":
        raise damaged
    stream.seek(record_offset)
    record = stream.read(_ZIP64_EOCD.size)
    if len(record) < _ZIP64_EOCD.size or not record.startswith(b"PK\x06\x06"):
        raise damaged
    return int(_ZIP64_EOCD.unpack(record)[8])


def _mib(size: int) -> str:
    return f"{size / MIB:,.0f} MB" if size >= MIB else f"{size:,} bytes"
