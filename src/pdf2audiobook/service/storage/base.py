"""The storage interface every backend implements, and the errors it raises.

Public methods validate their keys here, once, before a backend sees them, so no backend can
be asked to touch a path outside its root or bucket even by a caller's mistake.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from pdf2audiobook.service.kit.errors import ServiceUnavailable
from pdf2audiobook.service.storage.keys import validate_key, validate_prefix

# SigV4 refuses presigned URLs that live longer than seven days.
MAX_LINK_SECONDS = 7 * 24 * 3600


class StorageError(ServiceUnavailable):
    """The backend failed or could not be reached; the original error is the `__cause__`.

    Callers may treat it as transient and retry, except for `StorageKeyNotFound`.
    """

    def __init__(self, detail: str = "File storage is unavailable.") -> None:
        super().__init__(detail)


class StorageKeyNotFound(StorageError):
    """No object is stored under `key`. Not transient: retrying will not help."""

    status_code = 404

    def __init__(self, key: str) -> None:
        super().__init__("The requested file does not exist.")
        self.key = key


class StorageConfigurationError(ValueError):
    """The settings do not describe a usable backend; raised at startup, never per request."""


@dataclass(frozen=True)
class DownloadLink:
    """A URL the client can fetch the object from directly, valid until `expires_at` (UTC)."""

    url: str
    expires_at: datetime


@dataclass(frozen=True)
class StoredObject:
    """An object found by `Storage.list_objects`, and when it was last written (UTC)."""

    key: str
    modified_at: datetime


class Storage(ABC):
    """Objects stored under keys from `keys.new_object_key` or deterministic keys of our own.

    Every method raises ValueError for a malformed key (see `keys.validate_key`), and
    `StorageError` when the backend fails. Writes are atomic: a reader sees the previous object
    or the complete new one, never a partial one.
    """

    def put_file(self, key: str, source: Path, content_type: str) -> None:
        """Store the contents of the local file `source` under `key`, replacing any object.

        Raises FileNotFoundError if `source` is not a file.
        """
        validate_key(key)
        if not source.is_file():
            raise FileNotFoundError(f"Not a file: {source}")
        self._put_file(key, source, content_type)

    def put_stream(self, key: str, chunks: Iterable[bytes], content_type: str) -> int:
        """Store the concatenated `chunks` under `key` and return the number of bytes written.

        An exception raised by `chunks` propagates unchanged, and no object is written: a
        previous object under `key` stays as it was.
        """
        validate_key(key)
        return self._put_stream(key, chunks, content_type)

    def open_read(self, key: str) -> BinaryIO:
        """A binary file object reading the whole object; the caller closes it.

        Local storage returns a seekable file, which the API uses to answer Range requests.
        Raises StorageKeyNotFound if there is no such object.
        """
        return self._open_read(validate_key(key))

    def open_range(self, key: str, start: int, end: int | None = None) -> BinaryIO:
        """A binary file object reading bytes `start` to `end` inclusive, as in an HTTP Range.

        `end` past the last byte, or None, means up to the end. Raises ValueError if
        `start` is negative, `end` is before `start`, or `start` is at or past the object's
        size; StorageKeyNotFound if there is no such object.
        """
        validate_key(key)
        if start < 0 or (end is not None and end < start):
            raise ValueError(f"Invalid byte range: {start}-{end}")
        return self._open_range(key, start, end)

    def exists(self, key: str) -> bool:
        """Whether an object is stored under `key`."""
        return self._exists(validate_key(key))

    def size(self, key: str) -> int:
        """The object's size in bytes. Raises StorageKeyNotFound if there is no such object."""
        return self._size(validate_key(key))

    def delete(self, key: str) -> None:
        """Delete the object under `key`; deleting a missing object is not an error."""
        self._delete(validate_key(key))

    def delete_prefix(self, prefix: str) -> int:
        """Delete every object whose key starts with `prefix` and return how many were deleted.

        `prefix` is matched as a string, as S3 does: `jobs/ab` also matches `jobs/abc/x`; end
        it with `/` to delete one folder's objects. The empty prefix is refused (ValueError).
        """
        return self._delete_prefix(validate_prefix(prefix))

    def download_to(self, key: str, destination: Path) -> None:
        """Copy the object to the local file `destination`, replacing it atomically.

        Creates `destination`'s folder if needed. Raises StorageKeyNotFound if there is no such
        object (`destination` is then untouched), StorageError if it cannot be written.
        """
        validate_key(key)
        try:
            destination.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StorageError("Could not create the download folder.") from error
        self._download_to(key, destination)

    def list_objects(self, prefix: str) -> Iterator[StoredObject]:
        """Every object whose key starts with `prefix` (matched as `delete_prefix` does), in no
        particular order, read lazily: objects written or deleted meanwhile may or may not appear.

        For the clean-up's sweep, not for requests: it walks every matching object.
        """
        return self._list_objects(validate_prefix(prefix))

    def sweep_temporary(self, older_than: datetime) -> int:
        """Remove what interrupted writes left behind and was last touched before `older_than`;
        return how many were removed. Objects are never touched. Raises ValueError for a naive
        `older_than`.
        """
        if older_than.tzinfo is None:
            raise ValueError(f"naive datetime {older_than!r}; pass a timezone-aware value")
        return self._sweep_temporary(older_than)

    @abstractmethod
    def check(self) -> None:
        """Health check: return if the backend can store objects, raise StorageError if not."""

    def download_link(self, key: str, filename: str, expires_seconds: int) -> DownloadLink | None:
        """A direct, expiring URL that downloads the object as `filename`, or None.

        None means the backend cannot sign URLs (local disk), and the API streams the object
        itself. `filename` is the user's display name; it is sanitised here. Raises ValueError
        unless 1 <= `expires_seconds` <= 7 days. The link is a bearer token: authorise the
        user before asking for one, and never store or log it.
        """
        validate_key(key)
        if not 1 <= expires_seconds <= MAX_LINK_SECONDS:
            raise ValueError(f"expires_seconds out of range: {expires_seconds}")
        return self._download_link(key, filename, expires_seconds)

    @abstractmethod
    def _put_file(self, key: str, source: Path, content_type: str) -> None: ...

    @abstractmethod
    def _put_stream(self, key: str, chunks: Iterable[bytes], content_type: str) -> int: ...

    @abstractmethod
    def _open_read(self, key: str) -> BinaryIO: ...

    @abstractmethod
    def _open_range(self, key: str, start: int, end: int | None) -> BinaryIO: ...

    @abstractmethod
    def _exists(self, key: str) -> bool: ...

    @abstractmethod
    def _size(self, key: str) -> int: ...

    @abstractmethod
    def _delete(self, key: str) -> None: ...

    @abstractmethod
    def _delete_prefix(self, prefix: str) -> int: ...

    @abstractmethod
    def _download_to(self, key: str, destination: Path) -> None: ...

    @abstractmethod
    def _list_objects(self, prefix: str) -> Iterator[StoredObject]: ...

    @abstractmethod
    def _sweep_temporary(self, older_than: datetime) -> int: ...

    @abstractmethod
    def _download_link(
        self, key: str, filename: str, expires_seconds: int
    ) -> DownloadLink | None: ...
