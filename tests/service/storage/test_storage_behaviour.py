"""What every storage backend promises, run against local disk and a real S3 server alike."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from pdf2audiobook.service.storage import Storage, StorageKeyNotFound

ALL_BYTE_VALUES = bytes(range(256)) * 64
MIB = 1024 * 1024


class UploadInterrupted(Exception):
    pass


def _read_all(storage: Storage, key: str) -> bytes:
    with storage.open_read(key) as stream:
        return stream.read()


def _chunks_then_failure(*chunks: bytes) -> Iterator[bytes]:
    yield from chunks
    raise UploadInterrupted


def test_put_stream_returns_its_size_and_reads_back_identically(storage: Storage) -> None:
    written = storage.put_stream(
        "uploads/book.pdf", [ALL_BYTE_VALUES[:1000], ALL_BYTE_VALUES[1000:]], "application/pdf"
    )

    assert written == len(ALL_BYTE_VALUES)
    assert _read_all(storage, "uploads/book.pdf") == ALL_BYTE_VALUES
    assert storage.size("uploads/book.pdf") == len(ALL_BYTE_VALUES)


def test_put_file_then_download_to_a_new_folder_round_trips(
    storage: Storage, tmp_path: Path
) -> None:
    source = tmp_path / "source.mp3"
    source.write_bytes(ALL_BYTE_VALUES)
    destination = tmp_path / "new" / "folder" / "copy.mp3"

    storage.put_file("audio/book.mp3", source, "audio/mpeg")
    storage.download_to("audio/book.mp3", destination)

    assert destination.read_bytes() == ALL_BYTE_VALUES


def test_download_to_replaces_an_existing_file(storage: Storage, tmp_path: Path) -> None:
    destination = tmp_path / "copy.mp3"
    destination.write_bytes(b"stale and longer than the object")
    storage.put_stream("audio/book.mp3", [b"fresh"], "audio/mpeg")

    storage.download_to("audio/book.mp3", destination)

    assert destination.read_bytes() == b"fresh"


def test_put_file_of_a_missing_source_raises_and_stores_nothing(
    storage: Storage, tmp_path: Path
) -> None:
    with pytest.raises(FileNotFoundError):
        storage.put_file("audio/book.mp3", tmp_path / "absent.mp3", "audio/mpeg")

    assert not storage.exists("audio/book.mp3")


def test_stream_larger_than_the_memory_spool_round_trips(storage: Storage) -> None:
    chunk = ALL_BYTE_VALUES * 64  # 1 MiB
    written = storage.put_stream("audio/long.m4b", [chunk] * 9, "audio/mp4")

    assert written == 9 * MIB
    assert _read_all(storage, "audio/long.m4b") == chunk * 9


def test_put_replaces_the_previous_object(storage: Storage) -> None:
    storage.put_stream("audio/book.mp3", [b"first version"], "audio/mpeg")
    storage.put_stream("audio/book.mp3", [b"second"], "audio/mpeg")

    assert _read_all(storage, "audio/book.mp3") == b"second"


def test_failing_chunks_propagate_and_leave_no_object(storage: Storage) -> None:
    with pytest.raises(UploadInterrupted):
        storage.put_stream("uploads/book.pdf", _chunks_then_failure(b"%PDF-1.7", b"half"), "x/y")

    assert not storage.exists("uploads/book.pdf")
    assert storage.delete_prefix("uploads/") == 0


def test_failing_overwrite_keeps_the_previous_object(storage: Storage) -> None:
    storage.put_stream("uploads/book.pdf", [b"complete"], "application/pdf")

    with pytest.raises(UploadInterrupted):
        storage.put_stream("uploads/book.pdf", _chunks_then_failure(b"partial"), "x/y")

    assert _read_all(storage, "uploads/book.pdf") == b"complete"


def test_readers_see_the_old_object_until_a_write_completes(storage: Storage) -> None:
    storage.put_stream("audio/book.mp3", [b"old"], "audio/mpeg")
    seen_mid_write: list[bytes] = []

    def chunks() -> Iterator[bytes]:
        yield b"new, "
        seen_mid_write.append(_read_all(storage, "audio/book.mp3"))
        yield b"complete"

    storage.put_stream("audio/book.mp3", chunks(), "audio/mpeg")

    assert seen_mid_write == [b"old"]
    assert _read_all(storage, "audio/book.mp3") == b"new, complete"


def test_a_new_object_is_invisible_until_its_write_completes(storage: Storage) -> None:
    visible_mid_write: list[bool] = []

    def chunks() -> Iterator[bytes]:
        yield b"first half"
        visible_mid_write.append(storage.exists("audio/book.mp3"))
        yield b"second half"

    storage.put_stream("audio/book.mp3", chunks(), "audio/mpeg")

    assert visible_mid_write == [False]
    assert storage.exists("audio/book.mp3")


def test_missing_object_does_not_exist_and_reads_raise_key_not_found(
    storage: Storage, tmp_path: Path
) -> None:
    destination = tmp_path / "never.mp3"

    assert not storage.exists("audio/missing.mp3")
    with pytest.raises(StorageKeyNotFound):
        storage.size("audio/missing.mp3")
    with pytest.raises(StorageKeyNotFound):
        storage.open_read("audio/missing.mp3")
    with pytest.raises(StorageKeyNotFound):
        storage.open_range("audio/missing.mp3", 0, 10)
    with pytest.raises(StorageKeyNotFound):
        storage.download_to("audio/missing.mp3", destination)
    assert not destination.exists()


def test_key_not_found_reaches_the_api_as_404() -> None:
    error = StorageKeyNotFound("audio/missing.mp3")

    assert error.status_code == 404
    assert error.key == "audio/missing.mp3"


def test_a_folder_is_not_an_object(storage: Storage) -> None:
    storage.put_stream("jobs/one/chunk-1.mp3", [b"x"], "audio/mpeg")

    assert not storage.exists("jobs/one")
    with pytest.raises(StorageKeyNotFound):
        storage.size("jobs/one")


def test_empty_object_has_size_zero_and_reads_empty(storage: Storage) -> None:
    assert storage.put_stream("uploads/empty.txt", [], "text/plain") == 0

    assert storage.exists("uploads/empty.txt")
    assert storage.size("uploads/empty.txt") == 0
    assert _read_all(storage, "uploads/empty.txt") == b""


def test_delete_removes_the_object_and_deleting_again_is_fine(storage: Storage) -> None:
    storage.put_stream("audio/book.mp3", [b"x"], "audio/mpeg")

    storage.delete("audio/book.mp3")
    storage.delete("audio/book.mp3")

    assert not storage.exists("audio/book.mp3")


def test_delete_prefix_removes_every_matching_object_across_pages(storage: Storage) -> None:
    for number in range(23):
        storage.put_stream(f"jobs/one/chunk-{number}.mp3", [b"x"], "audio/mpeg")
    storage.put_stream("jobs/one-more/chunk-0.mp3", [b"x"], "audio/mpeg")
    storage.put_stream("jobs/two/chunk-0.mp3", [b"x"], "audio/mpeg")

    assert storage.delete_prefix("jobs/one/") == 23

    assert not storage.exists("jobs/one/chunk-0.mp3")
    assert not storage.exists("jobs/one/chunk-22.mp3")
    assert storage.exists("jobs/one-more/chunk-0.mp3")
    assert storage.exists("jobs/two/chunk-0.mp3")


def test_delete_prefix_matches_as_a_string_like_s3(storage: Storage) -> None:
    storage.put_stream("jobs/one/chunk-0.mp3", [b"x"], "audio/mpeg")
    storage.put_stream("jobs/one-more/chunk-0.mp3", [b"x"], "audio/mpeg")
    storage.put_stream("jobs/two/chunk-0.mp3", [b"x"], "audio/mpeg")

    assert storage.delete_prefix("jobs/one") == 2

    assert storage.exists("jobs/two/chunk-0.mp3")
    assert storage.delete_prefix("nothing/here/") == 0


def test_writing_again_under_a_deleted_prefix_works(storage: Storage) -> None:
    storage.put_stream("jobs/one/chunk-0.mp3", [b"x"], "audio/mpeg")
    storage.delete_prefix("jobs/one/")

    storage.put_stream("jobs/one/chunk-0.mp3", [b"again"], "audio/mpeg")

    assert _read_all(storage, "jobs/one/chunk-0.mp3") == b"again"


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (0, 0, b"0"),
        (2, 5, b"2345"),
        (7, None, b"789"),
        (8, 1000, b"89"),
    ],
)
def test_open_range_reads_the_inclusive_byte_window(
    storage: Storage, start: int, end: int | None, expected: bytes
) -> None:
    storage.put_stream("audio/digits.mp3", [b"0123456789"], "audio/mpeg")

    with storage.open_range("audio/digits.mp3", start, end) as stream:
        assert stream.read() == expected


@pytest.mark.parametrize(("start", "end"), [(-1, 4), (5, 4), (10, None), (10, 20)])
def test_open_range_refuses_an_unsatisfiable_window(
    storage: Storage, start: int, end: int | None
) -> None:
    storage.put_stream("audio/digits.mp3", [b"0123456789"], "audio/mpeg")

    with pytest.raises(ValueError, match=r"[Rr]ange"):
        storage.open_range("audio/digits.mp3", start, end)


def test_open_read_streams_in_small_reads(storage: Storage) -> None:
    storage.put_stream("audio/book.mp3", [ALL_BYTE_VALUES], "audio/mpeg")

    with storage.open_read("audio/book.mp3") as stream:
        pieces = iter(lambda: stream.read(1000), b"")
        assert b"".join(pieces) == ALL_BYTE_VALUES


def test_check_passes_on_a_working_backend(storage: Storage) -> None:
    storage.check()


BAD_KEYS = [
    "../x",
    "/etc/passwd",
    "a\x00b",
    "Uploads/book.pdf",
    "uploads/Book.pdf",
    "uploads/book .pdf",
    "uploads\\book.pdf",
    "uploads/../../etc/passwd",
    "uploads/..",
    "uploads/.hidden",
    "uploads//book.pdf",
    "uploads/bück.pdf",
    "uploads/book.pdf\n",
    "",
    "a" * 202,
]

OPERATIONS: dict[str, Callable[[Storage, str, Path], Any]] = {
    "put_file": lambda storage, key, source: storage.put_file(key, source, "text/plain"),
    "put_stream": lambda storage, key, _: storage.put_stream(key, [b"x"], "text/plain"),
    "open_read": lambda storage, key, _: storage.open_read(key),
    "open_range": lambda storage, key, _: storage.open_range(key, 0, 1),
    "exists": lambda storage, key, _: storage.exists(key),
    "size": lambda storage, key, _: storage.size(key),
    "delete": lambda storage, key, _: storage.delete(key),
    "delete_prefix": lambda storage, key, _: storage.delete_prefix(key),
    "download_to": lambda storage, key, source: storage.download_to(key, source),
    "download_link": lambda storage, key, _: storage.download_link(key, "a.pdf", 60),
}


# A trailing slash is fine for a prefix, but never names an object.
REFUSALS = [
    *((key, operation) for key in BAD_KEYS for operation in OPERATIONS),
    *(("uploads/book.pdf/", operation) for operation in OPERATIONS if operation != "delete_prefix"),
]


@pytest.mark.parametrize(("key", "operation"), REFUSALS)
def test_malformed_keys_are_refused_before_any_io(
    storage: Storage, tmp_path: Path, operation: str, key: str
) -> None:
    source = tmp_path / "source.txt"
    source.write_bytes(b"x")
    before = sorted(tmp_path.rglob("*"))

    with pytest.raises(ValueError, match="Invalid storage key"):
        OPERATIONS[operation](storage, key, source)

    assert sorted(tmp_path.rglob("*")) == before


@pytest.mark.parametrize("prefix", ["", "/", "../", "jobs//"])
def test_delete_prefix_refuses_prefixes_that_match_everything_or_escape(
    storage: Storage, prefix: str
) -> None:
    storage.put_stream("jobs/one/chunk-0.mp3", [b"x"], "audio/mpeg")

    with pytest.raises(ValueError, match="Invalid storage key"):
        storage.delete_prefix(prefix)

    assert storage.exists("jobs/one/chunk-0.mp3")


@pytest.mark.parametrize("seconds", [0, -5, 7 * 24 * 3600 + 1])
def test_download_link_refuses_lifetimes_s3_cannot_sign(storage: Storage, seconds: int) -> None:
    storage.put_stream("audio/book.mp3", [b"x"], "audio/mpeg")

    with pytest.raises(ValueError, match="expires_seconds"):
        storage.download_link("audio/book.mp3", "book.mp3", seconds)
