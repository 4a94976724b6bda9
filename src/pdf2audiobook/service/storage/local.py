"""Storage as files under a root directory: the embedded default for a single machine."""

from __future__ import annotations

import os
import re
import shutil
import stat
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, NoReturn

from pdf2audiobook.service.storage.base import (
    DownloadLink,
    Storage,
    StorageError,
    StorageKeyNotFound,
    StoredObject,
)
from pdf2audiobook.service.storage.streams import reader

_MISSING = (FileNotFoundError, NotADirectoryError, IsADirectoryError)
_TEMPORARY_ATTEMPTS = 3
# The names `_replacing` and `check` give their temporary files. Keys never start with a dot,
# so no object can match.
_TEMPORARY_NAME = re.compile(r"\..+\.part|\.check-[a-z0-9_]+")


class LocalStorage(Storage):
    """Objects as files under `root`, one file per key, written atomically.

    Files carry no metadata: the content type given to `put_*` is not kept, so the API takes it
    from its own records. `download_link` returns None; the API streams `open_read` itself.
    A key may not name both an object and a folder (`a` and `a/b`); the second write raises
    StorageError. A symlink that leads outside the root is refused with StorageError.
    """

    def __init__(self, root: Path) -> None:
        self._root = root.resolve()

    @property
    def root(self) -> Path:
        return self._root

    def check(self) -> None:
        with _as_storage_error("write to the storage folder"):
            self._root.mkdir(parents=True, exist_ok=True)
            descriptor, probe = tempfile.mkstemp(dir=self._root, prefix=".check-")
            os.close(descriptor)
            Path(probe).unlink()

    def _put_file(self, key: str, source: Path, content_type: str) -> None:
        del content_type  # see the class docstring
        with (
            source.open("rb") as incoming,
            _replacing(self._path(key)) as outgoing,
            _as_storage_error("write a file"),
        ):
            shutil.copyfileobj(incoming, outgoing)

    def _put_stream(self, key: str, chunks: Iterable[bytes], content_type: str) -> int:
        del content_type  # see the class docstring
        written = 0
        with _replacing(self._path(key)) as outgoing:
            # Iterate outside the error mapping: the caller's own exceptions pass unchanged.
            for chunk in chunks:
                with _as_storage_error("write a file"):
                    outgoing.write(chunk)
                written += len(chunk)
        return written

    def _open_read(self, key: str) -> BinaryIO:
        return self._open_existing(key)

    def _open_range(self, key: str, start: int, end: int | None) -> BinaryIO:
        file = self._open_existing(key)
        try:
            size = os.fstat(file.fileno()).st_size
            if start >= size:
                raise ValueError(f"Range starts at {start}, past the object's {size} bytes")
            last = size - 1 if end is None else min(end, size - 1)
            file.seek(start)
        except BaseException:
            file.close()
            raise
        return reader(file.read, file.close, limit=last - start + 1)

    def _exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def _size(self, key: str) -> int:
        try:
            status = self._path(key).stat()
        except _MISSING as error:
            raise StorageKeyNotFound(key) from error
        except OSError as error:
            raise StorageError("File storage could not read a file.") from error
        if not stat.S_ISREG(status.st_mode):
            raise StorageKeyNotFound(key)
        return status.st_size

    def _delete(self, key: str) -> None:
        with _as_storage_error("delete a file"), suppress(*_MISSING):
            self._path(key).unlink()

    def _delete_prefix(self, prefix: str) -> int:
        folder = prefix.rpartition("/")[0]
        top = self._path(folder) if folder else self._root
        if not top.is_dir():
            return 0
        deleted = 0
        with _as_storage_error("delete files"):
            # Bottom-up, so a folder is emptied before we try to remove it.
            for directory, _, names in os.walk(top, topdown=False, onerror=_reraise):
                directory_path = Path(directory)
                relative = directory_path.relative_to(self._root).as_posix()
                folder_key = "" if relative == "." else f"{relative}/"
                for name in names:
                    # Dot-files are other writers' temporary files, never objects.
                    if not name.startswith(".") and f"{folder_key}{name}".startswith(prefix):
                        (directory_path / name).unlink(missing_ok=True)
                        deleted += 1
                if folder_key.startswith(prefix):
                    with suppress(OSError):  # not empty: something else lives there
                        directory_path.rmdir()
        return deleted

    def _download_to(self, key: str, destination: Path) -> None:
        with (
            self._open_existing(key) as incoming,
            _replacing(destination) as outgoing,
            _as_storage_error("copy a file"),
        ):
            shutil.copyfileobj(incoming, outgoing)

    def _download_link(self, key: str, filename: str, expires_seconds: int) -> DownloadLink | None:
        del key, filename, expires_seconds  # local disk cannot sign URLs
        return None

    def _list_objects(self, prefix: str) -> Iterator[StoredObject]:
        folder = prefix.rpartition("/")[0]
        top = self._path(folder) if folder else self._root
        if not top.is_dir():
            return
        with _as_storage_error("list files"):
            for directory, subfolders, names in os.walk(top, onerror=_reraise_unless_missing):
                directory_path = Path(directory)
                relative = directory_path.relative_to(self._root).as_posix()
                folder_key = "" if relative == "." else f"{relative}/"
                # Descend only where keys can match; a dot-folder holds no objects.
                subfolders[:] = [
                    name
                    for name in subfolders
                    if not name.startswith(".")
                    and (
                        f"{folder_key}{name}/".startswith(prefix)
                        or prefix.startswith(f"{folder_key}{name}/")
                    )
                ]
                for name in names:
                    key = f"{folder_key}{name}"
                    if name.startswith(".") or not key.startswith(prefix):
                        continue
                    try:
                        status = (directory_path / name).lstat()
                    except _MISSING:  # deleted since its folder was read
                        continue
                    if stat.S_ISREG(status.st_mode):
                        yield StoredObject(key, datetime.fromtimestamp(status.st_mtime, UTC))

    def _sweep_temporary(self, older_than: datetime) -> int:
        """Temporary files are left only by a crash between creating and renaming them; one
        not written to since `older_than` has no writer left."""
        if not self._root.is_dir():
            return 0
        cutoff = older_than.timestamp()
        removed = 0
        with _as_storage_error("remove temporary files"):
            for directory, _, names in os.walk(self._root, onerror=_reraise_unless_missing):
                for name in names:
                    if not _TEMPORARY_NAME.fullmatch(name):
                        continue
                    path = Path(directory) / name
                    with suppress(*_MISSING):  # its writer finished meanwhile
                        status = path.lstat()
                        if stat.S_ISREG(status.st_mode) and status.st_mtime < cutoff:
                            path.unlink()
                            removed += 1
        return removed

    def _path(self, key: str) -> Path:
        path = self._root / key
        try:
            resolved = path.resolve()
        except (OSError, RuntimeError) as error:  # RuntimeError: a symlink loop, before 3.13
            raise StorageError("File storage could not resolve a path.") from error
        if not resolved.is_relative_to(self._root):
            raise StorageError("A stored path leads outside the storage folder.")
        return path

    def _open_existing(self, key: str) -> BinaryIO:
        try:
            return self._path(key).open("rb")
        except _MISSING as error:
            raise StorageKeyNotFound(key) from error
        except OSError as error:
            raise StorageError("File storage could not read a file.") from error


@contextmanager
def _replacing(target: Path) -> Iterator[BinaryIO]:
    """Yield a temporary file beside `target` that replaces it in one step on success.

    On any exception the temporary file is removed and `target` is left as it was.
    """
    outgoing, temporary = _create_temporary_beside(target)
    try:
        with outgoing:
            yield outgoing
            with _as_storage_error("write a file"):
                outgoing.flush()
                # Without fsync a crash soon after the rename can leave an empty file.
                os.fsync(outgoing.fileno())
        with _as_storage_error("write a file"):
            temporary.replace(target)
    finally:
        temporary.unlink(missing_ok=True)


def _create_temporary_beside(target: Path) -> tuple[BinaryIO, Path]:
    # delete_prefix removes folders it empties; if that happens between our mkdir and the
    # temporary file's creation, make the folder again.
    for _ in range(_TEMPORARY_ATTEMPTS):
        with _as_storage_error("create a folder"):
            target.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor, name = tempfile.mkstemp(
                dir=target.parent, prefix=f".{target.name}.", suffix=".part"
            )
        except FileNotFoundError:
            continue
        except OSError as error:
            raise StorageError("File storage could not create a file.") from error
        return os.fdopen(descriptor, "wb"), Path(name)
    raise StorageError("File storage could not create a file.")


@contextmanager
def _as_storage_error(action: str) -> Iterator[None]:
    try:
        yield
    except OSError as error:
        raise StorageError(f"File storage could not {action}.") from error


def _reraise(error: OSError) -> NoReturn:
    raise error


def _reraise_unless_missing(error: OSError) -> None:
    # A folder deleted while it is being listed simply has nothing more to list.
    if not isinstance(error, _MISSING):
        raise error
