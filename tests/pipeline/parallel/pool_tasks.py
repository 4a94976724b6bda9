"""Module-level tasks for the pool tests (a spawned process imports them by name)."""

from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path


def pid_after(value: int) -> tuple[int, int]:
    return value, os.getpid()


def block_on_first_delivery(marker: str, fifo: str, value: int) -> tuple[int, int]:
    """On its first delivery, say so (the process id, on `fifo`) and never return; on any
    later one, return (`value`, the process id)."""
    if not Path(marker).exists():
        Path(marker).write_text(str(os.getpid()))
        descriptor = os.open(fifo, os.O_WRONLY)
        os.write(descriptor, f"{os.getpid()}\n".encode())
        os.close(descriptor)
        threading.Event().wait()
    return value, os.getpid()


def wait_for_ever() -> None:
    threading.Event().wait()


def kill_own_process() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def own_a_pool_and_wait() -> None:
    """A parent process for the orphan test: start a two-process pool, print its process
    ids, then wait for ever (the test kills this process)."""
    from pdf2audiobook.pipeline.parallel import ProcessPool

    pool = ProcessPool(2, name="orphans")
    first = pool.submit(block_on_first_delivery, sys.argv[1], sys.argv[2], 0)
    second = pool.submit(pid_after, 1)
    del first
    sys.stdout.write(f"{second.result(timeout=60)[1]}\n")
    sys.stdout.flush()
    threading.Event().wait()


if __name__ == "__main__":
    own_a_pool_and_wait()
