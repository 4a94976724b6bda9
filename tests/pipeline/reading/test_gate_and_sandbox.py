from __future__ import annotations

from pathlib import Path

import pytest

from pdf2audiobook.pipeline.errors import InvalidPdfError, PdfTooLargeError, ResourceLimitError
from pdf2audiobook.pipeline.reading.gate import check_file, largest_user_unit
from pdf2audiobook.pipeline.reading.limits import MIB, ReadLimits
from pdf2audiobook.pipeline.reading.sandbox import ChildChannel, run_sandboxed
from tests.conftest import corpus_file


def test_empty_file_is_refused_as_empty(tmp_path: Path) -> None:
    empty = tmp_path / "book.pdf"
    empty.write_bytes(b"")
    with pytest.raises(InvalidPdfError, match="empty"):
        check_file(empty, ReadLimits())


def test_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidPdfError, match="No such file"):
        check_file(tmp_path / "absent.pdf", ReadLimits())


def test_file_over_size_limit_is_refused_before_parsing(tmp_path: Path) -> None:
    big = tmp_path / "big.pdf"
    big.write_bytes(b"%PDF-1.7\n" + b"0" * (2 * MIB))
    with pytest.raises(PdfTooLargeError, match="limit is 1 MB"):
        check_file(big, ReadLimits(max_file_bytes=MIB))


def test_pdf_header_after_a_short_preamble_is_accepted(tmp_path: Path) -> None:
    shifted = tmp_path / "shifted.pdf"
    shifted.write_bytes(b"\x00" * 100 + b"%PDF-1.4\n")
    check_file(shifted, ReadLimits())


def test_user_unit_is_found_in_the_bytes() -> None:
    assert largest_user_unit(corpus_file(21)) == 75.0
    assert largest_user_unit(corpus_file(15)) == 1.0


def _spin_forever(channel: ChildChannel) -> None:
    del channel
    while True:
        pass


def _allocate(channel: ChildChannel, size: int) -> int:
    del channel
    return len(bytearray(size))


def _extend_then_return(channel: ChildChannel) -> str:
    channel.extend_deadline(30, "test")
    return "done"


def test_sandbox_stops_work_that_overruns_its_deadline() -> None:
    with pytest.raises(ResourceLimitError, match="longer than allowed"):
        run_sandboxed(
            _spin_forever, (), memory_bytes=1024 * MIB, initial_seconds=2, describe="spin.pdf"
        )


def test_sandbox_turns_memory_exhaustion_into_a_resource_error() -> None:
    with pytest.raises(ResourceLimitError, match="more than 512 MB"):
        run_sandboxed(
            _allocate,
            (1024 * MIB,),
            memory_bytes=512 * MIB,
            initial_seconds=30,
            describe="bomb.pdf",
        )


def test_sandbox_returns_the_child_result() -> None:
    result = run_sandboxed(
        _extend_then_return, (), memory_bytes=1024 * MIB, initial_seconds=30, describe="ok.pdf"
    )
    assert result == "done"
