"""The process pool survives its processes: a killed one is replaced and its task run again,
a task that always kills its process fails, and processes end with their parent."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pdf2audiobook.pipeline.parallel import PoolError, ProcessPool, WorkerLostError
from tests.pipeline.parallel import pool_tasks

WAIT_SECONDS = 60.0
REPOSITORY = Path(__file__).resolve().parents[3]


@pytest.fixture
def pool() -> Iterator[ProcessPool]:
    pool = ProcessPool(1, name="test", max_deliveries=2)
    try:
        yield pool
    finally:
        pool.shutdown()


def readable_within(descriptor: int, seconds: float) -> bool:
    """Whether `descriptor` becomes readable within `seconds`. poll, not select: a test
    process that has opened many files may hand out descriptors past select's limit of
    1024."""
    poller = select.poll()
    poller.register(descriptor, select.POLLIN)
    return bool(poller.poll(seconds * 1000))


def read_line_from_fifo(path: Path) -> str:
    """The first line written to the FIFO at `path`, waiting at most WAIT_SECONDS."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        assert readable_within(descriptor, WAIT_SECONDS), "nothing was written in time"
        return os.read(descriptor, 64).decode().strip()
    finally:
        os.close(descriptor)


def wait_for_exit(pid: int) -> bool:
    """Whether process `pid` (not necessarily our child) has ended within WAIT_SECONDS."""
    try:
        descriptor = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        return readable_within(descriptor, WAIT_SECONDS)
    finally:
        os.close(descriptor)


def test_a_killed_process_is_replaced_and_its_task_delivered_again(
    pool: ProcessPool, tmp_path: Path
) -> None:
    fifo = tmp_path / "started"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # so the task's open does not block
    try:
        future = pool.submit(
            pool_tasks.block_on_first_delivery, str(tmp_path / "marker"), str(fifo), 42
        )
        assert readable_within(reader, WAIT_SECONDS), "the task did not start in time"
        first_pid = int(os.read(reader, 64).decode().strip())
    finally:
        os.close(reader)

    os.kill(first_pid, signal.SIGKILL)

    value, second_pid = future.result(timeout=WAIT_SECONDS)
    assert value == 42
    assert second_pid != first_pid
    assert wait_for_exit(first_pid)
    # The pool carries on with the next task in the replacement process.
    assert pool.submit(pool_tasks.pid_after, 7).result(timeout=WAIT_SECONDS) == (7, second_pid)


def test_a_task_that_kills_its_process_every_time_fails_after_max_deliveries(
    pool: ProcessPool,
) -> None:
    doomed = pool.submit(pool_tasks.kill_own_process)
    with pytest.raises(WorkerLostError, match="died 2 times"):
        doomed.result(timeout=WAIT_SECONDS)
    value, _ = pool.submit(pool_tasks.pid_after, 3).result(timeout=WAIT_SECONDS)
    assert value == 3


def test_pool_processes_exit_when_their_parent_is_killed(tmp_path: Path) -> None:
    fifo = tmp_path / "started"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    parent = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.pipeline.parallel.pool_tasks",
            str(tmp_path / "m"),
            str(fifo),
        ],
        cwd=REPOSITORY,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        # One pool process is busy for ever; the other answered and printed its id.
        assert readable_within(reader, WAIT_SECONDS), "the busy task did not start in time"
        busy = int(os.read(reader, 64).decode().strip())
        assert parent.stdout is not None
        idle = int(parent.stdout.readline())
        assert busy != idle
        for pid in (busy, idle):
            os.kill(pid, 0)  # both alive before the parent goes

        parent.kill()
        parent.wait(timeout=WAIT_SECONDS)

        assert wait_for_exit(busy)
        assert wait_for_exit(idle)
    finally:
        os.close(reader)
        if parent.poll() is None:
            parent.kill()
            parent.wait()


def test_shutdown_fails_the_future_of_a_running_task(tmp_path: Path) -> None:
    pool = ProcessPool(1, name="test")
    fifo = tmp_path / "started"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        running = pool.submit(
            pool_tasks.block_on_first_delivery, str(tmp_path / "marker"), str(fifo), 1
        )
        queued = pool.submit(pool_tasks.pid_after, 2)
        assert readable_within(reader, WAIT_SECONDS), "the task did not start in time"
    finally:
        os.close(reader)

    pool.shutdown()

    # Whoever waits on the running task is told, rather than left waiting for ever.
    with pytest.raises(PoolError, match="shut down"):
        running.result(timeout=WAIT_SECONDS)
    assert queued.cancelled()
