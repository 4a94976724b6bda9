"""A process pool that survives its processes: a dead one is replaced and its task run again.

`concurrent.futures.ProcessPoolExecutor` breaks for good when one of its processes dies
(an out-of-memory kill, a crash in a native library): every later task fails at once.
Here each slot runs one process at a time and notices its death through the process
sentinel; the slot starts a fresh process and puts the task back at the head of the queue,
up to `max_deliveries` deliveries in all, after which the task fails with `WorkerLostError`.

Each process also holds the read end of a "lifeline" pipe whose write end only the parent
has. When the parent dies, even by SIGKILL, the kernel closes that end, the read returns
end-of-file, and the process exits at once instead of finishing its task unsupervised.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any, TypeVar

_T = TypeVar("_T")
_log = logging.getLogger(__name__)

_ORPHAN_EXIT_CODE = 70
_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
_STOP_SECONDS = 5.0


class PoolError(RuntimeError):
    """The pool cannot run work: it is shut down, or its processes cannot be started."""


class WorkerLostError(RuntimeError):
    """A task's process died every time the task was delivered."""


class TimeLimitError(RuntimeError):
    """A task ran past its time limit; its process was ended (the task is not run again)."""


class RemoteError(RuntimeError):
    """A task raised an exception that could not be sent back as itself."""


@dataclass
class _Task:
    future: Future[Any]
    function: Callable[..., Any]
    args: tuple[Any, ...]
    time_limit: float | None = None
    deliveries: int = 0


@dataclass
class _Process:
    process: BaseProcess
    connection: Connection
    lifeline: Connection


@dataclass
class _Queue:
    tasks: deque[_Task] = field(default_factory=deque)
    changed: threading.Condition = field(default_factory=threading.Condition)
    closed: bool = False


class ProcessPool:
    """`size` worker processes (spawned, so no lock or connection is inherited).

    Each process computes on one thread and ignores Ctrl-C (the parent ends the pool).
    `initializer` runs once in each new process before its first task; `eager` starts the
    processes at once rather than with their first task. Functions and their arguments
    must be picklable (module-level functions). Safe to call from any thread.
    """

    def __init__(
        self,
        size: int,
        *,
        name: str = "pool",
        max_deliveries: int = 2,
        initializer: Callable[[], None] | None = None,
        eager: bool = False,
    ) -> None:
        if size < 1:
            raise ValueError(f"a pool needs at least one process, not {size}")
        if max_deliveries < 1:
            raise ValueError("a task must be delivered at least once")
        self._size = size
        self._name = name
        self._max_deliveries = max_deliveries
        self._initializer = initializer
        self._eager = eager
        self._context = multiprocessing.get_context("spawn")
        self._queue = _Queue()
        self._processes: dict[int, _Process] = {}
        self._processes_lock = threading.Lock()
        self._start_failure: BaseException | None = None
        self._slots = [
            threading.Thread(
                target=self._run_slot, args=(slot,), name=f"{name}-{slot}", daemon=True
            )
            for slot in range(size)
        ]
        for slot in self._slots:
            slot.start()

    @property
    def size(self) -> int:
        return self._size

    def pids(self) -> list[int]:
        """The ids of the processes alive now (a slot starts its process with its first task)."""
        with self._processes_lock:
            return [
                entry.process.pid
                for entry in self._processes.values()
                if entry.process.pid is not None and entry.process.is_alive()
            ]

    def submit(
        self, function: Callable[..., _T], *args: Any, time_limit: float | None = None
    ) -> Future[_T]:
        """Queue `function(*args)` and return its future. Raises PoolError once shut down.

        A task still running `time_limit` seconds after its delivery has its process ended
        and fails with TimeLimitError."""
        future: Future[_T] = Future()
        with self._queue.changed:
            if self._queue.closed:
                raise PoolError(f"the {self._name} pool is shut down")
            self._queue.tasks.append(_Task(future, function, args, time_limit))
            self._queue.changed.notify()
        return future

    def check(self) -> None:
        """Raise PoolError when the pool cannot run work (for a health check)."""
        if self._queue.closed:
            raise PoolError(f"the {self._name} pool is shut down")
        if self._start_failure is not None:
            raise PoolError(
                f"the {self._name} pool cannot start a process: {self._start_failure}"
            ) from self._start_failure
        if not all(slot.is_alive() for slot in self._slots):
            raise PoolError(f"a slot of the {self._name} pool has stopped")

    def shutdown(self) -> None:
        """Cancel queued tasks and end every process; running tasks are abandoned.

        Queued tasks' futures are cancelled; those of running tasks (and of tasks waiting
        to be delivered again) fail with PoolError. A task of a service must therefore be
        one that can be run again (its lease lets another run take it over)."""
        with self._queue.changed:
            self._queue.closed = True
            abandoned = list(self._queue.tasks)
            self._queue.tasks.clear()
            self._queue.changed.notify_all()
        for task in abandoned:
            _abandon(task.future, self._name)
        with self._processes_lock:
            entries = list(self._processes.values())
        for entry in entries:
            _end(entry)
        for slot in self._slots:
            slot.join(_STOP_SECONDS)

    # The slots' side.

    def _next_task(self) -> _Task | None:
        with self._queue.changed:
            while not self._queue.tasks and not self._queue.closed:
                self._queue.changed.wait()
            if self._queue.closed:
                return None
            return self._queue.tasks.popleft()

    def _requeue_first(self, task: _Task) -> None:
        with self._queue.changed:
            if self._queue.closed:
                _abandon(task.future, self._name)
                return
            self._queue.tasks.appendleft(task)
            self._queue.changed.notify()

    def _run_slot(self, slot: int) -> None:
        if self._eager:
            # Started now, so the first task does not wait for start-up and model loads.
            self._process_for(slot, None)
        while True:
            task = self._next_task()
            if task is None:
                return
            try:
                self._run_task(slot, task)
            except Exception as error:
                # A slot must outlive any one task, or the pool would quietly shrink.
                _log.exception("the %s pool failed to run a task", self._name)
                _settle(task.future, exception=error)

    def _run_task(self, slot: int, task: _Task) -> None:
        if task.deliveries == 0 and not task.future.set_running_or_notify_cancel():
            return
        entry = self._process_for(slot, task)
        if entry is None:
            return
        task.deliveries += 1
        self._deliver(slot, entry, task)

    def _process_for(self, slot: int, task: _Task | None) -> _Process | None:
        with self._processes_lock:
            entry = self._processes.get(slot)
        if entry is not None and entry.process.is_alive():
            return entry
        try:
            entry = self._start_process()
        except Exception as error:
            _log.exception("the %s pool could not start a process", self._name)
            self._start_failure = error
            if task is not None:
                _settle(task.future, exception=PoolError(f"could not start a process: {error}"))
            return None
        self._start_failure = None
        with self._processes_lock:
            self._processes[slot] = entry
        if self._queue.closed:
            # Shut down while this process started: it must not outlive the pool.
            _end(entry)
            return None
        return entry

    def _start_process(self) -> _Process:
        ours, theirs = self._context.Pipe()
        lifeline_read, lifeline_write = self._context.Pipe(duplex=False)
        process = self._context.Process(
            target=_process_main,
            args=(theirs, lifeline_read, self._initializer),
            name=f"{self._name}-process",
            # Not daemonic: a task may start children of its own (the PDF reader's sandbox).
            daemon=False,
        )
        process.start()
        theirs.close()
        lifeline_read.close()
        return _Process(process, ours, lifeline_write)

    def _deliver(self, slot: int, entry: _Process, task: _Task) -> None:
        try:
            entry.connection.send((task.function, task.args))
            ready = wait([entry.connection, entry.process.sentinel], task.time_limit)
            if not ready:
                self._overran(slot, entry, task)
                return
            outcome = entry.connection.recv() if entry.connection in ready else None
        except (EOFError, OSError, BrokenPipeError):
            outcome = None
        except Exception as error:
            # The task or its arguments could not be pickled: nothing was run.
            _settle(task.future, exception=error)
            return
        if outcome is None:
            self._lost(slot, entry, task)
            return
        succeeded, value = outcome
        if succeeded:
            _settle(task.future, result=value)
        else:
            _settle(task.future, exception=value)

    def _overran(self, slot: int, entry: _Process, task: _Task) -> None:
        self._forget(slot, entry)
        _log.warning("a %s task ran past its %.0f s limit", self._name, task.time_limit)
        _settle(
            task.future,
            exception=TimeLimitError(f"the task ran longer than {task.time_limit:.0f} s"),
        )

    def _forget(self, slot: int, entry: _Process) -> int | None:
        exit_code = _end(entry)
        with self._processes_lock:
            if self._processes.get(slot) is entry:
                del self._processes[slot]
        return exit_code

    def _lost(self, slot: int, entry: _Process, task: _Task) -> None:
        exit_code = self._forget(slot, entry)
        if self._queue.closed:
            _abandon(task.future, self._name)
            return
        _log.warning(
            "a %s process died (exit code %s) running %s; delivery %d of %d",
            self._name,
            exit_code,
            getattr(task.function, "__name__", task.function),
            task.deliveries,
            self._max_deliveries,
        )
        if task.deliveries >= self._max_deliveries:
            _settle(
                task.future,
                exception=WorkerLostError(
                    f"the process running this task died {task.deliveries} times"
                ),
            )
            return
        self._requeue_first(task)


def _settle(
    future: Future[Any], *, result: Any = None, exception: BaseException | None = None
) -> None:
    # A future cancelled by shutdown meanwhile cannot take a result; that is fine.
    with contextlib.suppress(Exception):
        if exception is not None:
            future.set_exception(exception)
        else:
            future.set_result(result)


def _abandon(future: Future[Any], name: str) -> None:
    """End the future of a task cut short by shutdown. A running future cannot be
    cancelled, and left pending it would keep whoever waits on it waiting for ever."""
    if not future.cancel():
        _settle(future, exception=PoolError(f"the {name} pool was shut down during this task"))


def _end(entry: _Process) -> int | None:
    """Kill the process if it still runs, reap it and return its exit code."""
    process = entry.process
    with contextlib.suppress(ValueError):
        if process.is_alive():
            process.kill()
        process.join(_STOP_SECONDS)
        exit_code = process.exitcode
        process.close()
        # The pool's reader thread may be closing the same pipe as it sees the process end;
        # whichever is second finds the descriptor gone, which is the state both want.
        for end in (entry.connection, entry.lifeline):
            with contextlib.suppress(OSError):
                end.close()
        return exit_code
    return None


# The worker processes' side.


def _process_main(
    connection: Connection, lifeline: Connection, initializer: Callable[[], None] | None
) -> None:
    threading.Thread(target=_exit_with_parent, args=(lifeline,), daemon=True).start()
    # Ctrl-C reaches the whole process group; the parent answers it by ending the pool,
    # and a process interrupted on its own would only print a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # One task at a time per process: the pool supplies the parallelism, so OpenMP or BLAS
    # libraries loaded from here on must not start a thread per core each.
    for variable in _THREAD_VARIABLES:
        os.environ[variable] = "1"
    if initializer is not None:
        initializer()
    while True:
        try:
            function, args = connection.recv()
        except EOFError:
            return
        try:
            outcome: tuple[bool, Any] = (True, function(*args))
        except BaseException as error:
            outcome = (False, error)
        try:
            connection.send(outcome)
        except Exception as error:
            connection.send(
                (False, RemoteError(f"{type(error).__name__}: {error}; {outcome[1]!r}"))
            )


def _exit_with_parent(lifeline: Connection) -> None:
    """Block until the parent is gone, then leave at once without cleaning up."""
    with contextlib.suppress(EOFError, OSError):
        lifeline.recv()
    os._exit(_ORPHAN_EXIT_CODE)
