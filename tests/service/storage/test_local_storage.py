"""Local disk: files stay inside the root, temporary files never linger, no signed links."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pdf2audiobook.service.storage import LocalStorage, StorageError


def _all_paths(folder: Path) -> list[str]:
    return sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*"))


def test_download_link_is_none_so_the_api_streams_the_file(local_storage: LocalStorage) -> None:
    local_storage.put_stream("audio/book.mp3", [b"x"], "audio/mpeg")

    assert local_storage.download_link("audio/book.mp3", "Book.mp3", 300) is None


def test_objects_are_plain_files_under_the_root(local_storage: LocalStorage) -> None:
    local_storage.put_stream("jobs/one/chunk-0.mp3", [b"audio"], "audio/mpeg")

    assert (local_storage.root / "jobs" / "one" / "chunk-0.mp3").read_bytes() == b"audio"


def test_open_read_gives_a_seekable_file_for_range_requests(local_storage: LocalStorage) -> None:
    local_storage.put_stream("audio/book.mp3", [b"0123456789"], "audio/mpeg")

    with local_storage.open_read("audio/book.mp3") as stream:
        assert stream.seekable()
        stream.seek(6)
        assert stream.read(2) == b"67"


def test_callers_os_error_passes_unchanged_and_leaves_no_temporary_file(
    local_storage: LocalStorage,
) -> None:
    local_storage.put_stream("uploads/kept.pdf", [b"kept"], "application/pdf")

    def chunks() -> Iterator[bytes]:
        yield b"partial"
        raise ConnectionResetError("client went away")

    with pytest.raises(ConnectionResetError, match="client went away"):
        local_storage.put_stream("uploads/lost.pdf", chunks(), "application/pdf")

    assert _all_paths(local_storage.root) == ["uploads", "uploads/kept.pdf"]


def test_delete_prefix_removes_the_folders_it_empties(local_storage: LocalStorage) -> None:
    local_storage.put_stream("jobs/one/parts/chunk-0.mp3", [b"x"], "audio/mpeg")
    local_storage.put_stream("jobs/two/chunk-0.mp3", [b"x"], "audio/mpeg")

    local_storage.delete_prefix("jobs/one/")

    assert _all_paths(local_storage.root) == ["jobs", "jobs/two", "jobs/two/chunk-0.mp3"]


def test_a_symlinked_folder_leading_outside_the_root_is_refused(
    local_storage: LocalStorage, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    local_storage.root.mkdir()
    (local_storage.root / "jobs").symlink_to(outside, target_is_directory=True)

    with pytest.raises(StorageError):
        local_storage.put_stream("jobs/chunk-0.mp3", [b"x"], "audio/mpeg")
    with pytest.raises(StorageError):
        local_storage.delete_prefix("jobs/")

    assert list(outside.iterdir()) == []


def test_a_symlinked_file_leading_outside_the_root_is_not_read(
    local_storage: LocalStorage, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_bytes(b"secret")
    (local_storage.root / "audio").mkdir(parents=True)
    (local_storage.root / "audio" / "book.mp3").symlink_to(secret)

    with pytest.raises(StorageError):
        local_storage.open_read("audio/book.mp3")
    with pytest.raises(StorageError):
        local_storage.size("audio/book.mp3")


def test_a_key_cannot_be_both_an_object_and_a_folder(local_storage: LocalStorage) -> None:
    local_storage.put_stream("jobs/one", [b"x"], "audio/mpeg")

    with pytest.raises(StorageError):
        local_storage.put_stream("jobs/one/chunk-0.mp3", [b"x"], "audio/mpeg")

    assert local_storage.exists("jobs/one")


def test_check_creates_the_root_and_proves_it_writable(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "new" / "files")

    storage.check()

    assert storage.root.is_dir()
    assert _all_paths(storage.root) == []


def test_check_fails_when_the_root_cannot_be_a_folder(tmp_path: Path) -> None:
    occupied = tmp_path / "files"
    occupied.write_bytes(b"a file where the folder should be")

    with pytest.raises(StorageError):
        LocalStorage(occupied).check()
