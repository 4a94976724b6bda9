"""Run the parsing of a file (PDF, EPUB, DOCX...) in a child process with a memory ceiling
and a moving deadline.

A hostile PDF can make the parser allocate gigabytes or loop for minutes; pdfium
cannot be interrupted from Python, so the only safe boundary is a process we can kill.
The child reports its progress (page count, pages to OCR) so the parent can extend the
wall-clock allowance to the real size of the work.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import multiprocessing
import os
import resource
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, Generic, TypeVar

from pdf2audiobook.pipeline.errors import PipelineError, ResourceLimitError

T = TypeVar("T")
_M_ARENA_MAX = -8
"""glibc's mallopt parameter number for the arena limit (malloc.h)."""


@dataclass(frozen=True, slots=True)
class ExtendDeadline:
    """Sent by the child: allow this many more seconds from now on."""

    seconds: float
    reason: str


@dataclass(frozen=True, slots=True)
class Progress:
    """Sent by the child: a stage finished `done` of `total` units."""

    stage: str
    done: int
    total: int


@dataclass(frozen=True, slots=True)
class _Result(Generic[T]):
    value: T


@dataclass(frozen=True, slots=True)
class _Failure:
    error_type: str
    message: str


class ChildChannel:
    """The child's side of the pipe."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def extend_deadline(self, seconds: float, reason: str) -> None:
        self._connection.send(ExtendDeadline(seconds, reason))

    def progress(self, stage: str, done: int, total: int) -> None:
        self._connection.send(Progress(stage, done, total))


ProgressCallback = Callable[[Progress], None]


def _child_main(
    connection: Connection,
    memory_bytes: int,
    work: Callable[..., Any],
    args: tuple[Any, ...],
) -> None:
    # Own process group, so a kill also ends helpers such as the tesseract binary.
    os.setpgid(0, 0)
    _limit_malloc_arenas()
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    # A core dump of a multi-gigabyte address space would itself be a resource bomb.
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    channel = ChildChannel(connection)
    try:
        connection.send(_Result(work(channel, *args)))
    except PipelineError as exc:
        connection.send(_Failure(type(exc).__name__, exc.message))
    except MemoryError:
        connection.send(_Failure("MemoryError", ""))
    except RecursionError:
        connection.send(_Failure("RecursionError", ""))
    finally:
        connection.close()


def _limit_malloc_arenas() -> None:
    """One malloc arena: threaded OCR otherwise reserves address space per thread.

    Under an address-space limit that reservation, not real use, is what runs out
    (RapidOCR needs about 1.9 GB of address space with default arenas, 1.3 GB with one).
    """
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(_M_ARENA_MAX, 1)


def run_sandboxed(
    work: Callable[..., T],
    args: tuple[Any, ...],
    *,
    memory_bytes: int,
    initial_seconds: float,
    describe: str,
    on_progress: ProgressCallback | None = None,
) -> T:
    """Run `work(channel, *args)` in a fresh process and return its result.

    `work` must be a module-level function (it is pickled into a spawned process).
    Raises the child's PipelineError unchanged, and ResourceLimitError when the child
    runs out of memory, overruns its deadline or dies.
    """
    from pdf2audiobook.pipeline import errors

    context = multiprocessing.get_context("spawn")
    parent_end, child_end = context.Pipe(duplex=False)
    process = context.Process(
        target=_child_main,
        args=(child_end, memory_bytes, work, args),
        daemon=True,
    )
    process.start()
    child_end.close()
    deadline = time.monotonic() + initial_seconds
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ResourceLimitError(
                    f"Reading {describe} took longer than allowed, so it was stopped. "
                    "The file may be damaged or built to be slow to read."
                )
            if not parent_end.poll(min(remaining, 1.0)):
                if not process.is_alive() and not parent_end.poll(0):
                    raise _death_error(process.exitcode, describe, memory_bytes)
                continue
            try:
                message = parent_end.recv()
            except EOFError:
                process.join(5)
                raise _death_error(process.exitcode, describe, memory_bytes) from None
            if isinstance(message, ExtendDeadline):
                deadline = max(deadline, time.monotonic() + message.seconds)
            elif isinstance(message, Progress):
                if on_progress is not None:
                    on_progress(message)
            elif isinstance(message, _Result):
                return message.value  # type: ignore[no-any-return]
            elif isinstance(message, _Failure):
                if message.error_type == "MemoryError":
                    raise _memory_error(describe, memory_bytes)
                if message.error_type == "RecursionError":
                    raise errors.InvalidPdfError(
                        f"{describe} is nested too deeply to read; it may be damaged."
                    )
                error_class = getattr(errors, message.error_type, errors.PipelineError)
                raise error_class(message.message)
    finally:
        parent_end.close()
        _stop(process)


def _memory_error(describe: str, memory_bytes: int) -> ResourceLimitError:
    return ResourceLimitError(
        f"Reading {describe} needed more than {memory_bytes // (1024 * 1024)} MB of memory, "
        "so it was stopped. The file may contain a compression bomb or be damaged."
    )


def _death_error(exitcode: int | None, describe: str, memory_bytes: int) -> ResourceLimitError:
    if exitcode is not None and exitcode < 0:
        # pdfium aborts (SIGABRT/SIGSEGV) when an allocation fails under the limit.
        return _memory_error(describe, memory_bytes)
    return ResourceLimitError(
        f"The reader stopped unexpectedly on {describe} (exit code {exitcode}). "
        "The file may be damaged."
    )


def _stop(process: multiprocessing.process.BaseProcess) -> None:
    if process.pid is not None and process.is_alive():
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
    if process.is_alive():
        process.kill()
    process.join(5)
