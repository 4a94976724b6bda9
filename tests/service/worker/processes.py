"""Real processes for fault tests: a throwaway redis-server, Celery workers and beat.

Every process is started in its own session (process group) and ended by its own ids,
never by name, so a test cannot touch anything it did not start. Every wait is bounded.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import cast

import redis

CLI = Path(sys.executable).parent / "pdf2audiobook"
START_SECONDS = 30.0
POLL_SECONDS = 0.1


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_for(
    condition: Callable[[], bool], timeout: float, what: str, *, poll: float = POLL_SECONDS
) -> None:
    """Poll `condition` until it holds; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(poll)


def _end_group(process: subprocess.Popen[bytes], sig: int) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
    try:
        process.wait(timeout=START_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=START_SECONDS)


class RedisServer:
    """redis-server on a free loopback port, without persistence unless asked."""

    def __init__(self, folder: Path, *, appendonly: bool = False) -> None:
        self.port = free_port()
        self.folder = folder
        self.appendonly = appendonly
        self.process: subprocess.Popen[bytes] | None = None
        folder.mkdir(parents=True, exist_ok=True)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "yes" if self.appendonly else "no",
                "--dir",
                str(self.folder),
                "--maxmemory-policy",
                "noeviction",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=1)
        try:
            wait_for(lambda: self._answers(client), START_SECONDS, "redis-server to start")
        finally:
            client.close()

    def kill(self) -> None:
        """Stop it the hard way: queued messages vanish unless appendonly is on."""
        if self.process is not None:
            _end_group(self.process, signal.SIGKILL)
            self.process = None

    def queued(self, queue: str) -> int:
        client = redis.Redis(port=self.port, socket_connect_timeout=1)
        try:
            # The synchronous client answers at once; its annotations cover the async one.
            return int(cast(int, client.llen(queue)))
        finally:
            client.close()

    @staticmethod
    def _answers(client: redis.Redis) -> bool:
        try:
            return bool(client.ping())
        except redis.ConnectionError:
            return False


class CeleryProcess:
    """`pdf2audiobook worker` or `pdf2audiobook beat` with the given environment."""

    def __init__(self, arguments: list[str], environment: Mapping[str, str], log: Path) -> None:
        self.arguments = arguments
        self.environment = environment
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(
                [str(CLI), *self.arguments],
                env={**os.environ, **self.environment},
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def children(self) -> list[int]:
        """The ids of this process's children (a worker's pool processes)."""
        path = Path(f"/proc/{self.pid}/task/{self.pid}/children")
        try:
            return [int(pid) for pid in path.read_text().split()]
        except FileNotFoundError:
            return []

    def kill(self) -> None:
        """kill -9 of the whole process group: the main process and its pool together."""
        if self.process is not None:
            _end_group(self.process, signal.SIGKILL)
            self.process = None

    def stop(self) -> None:
        if self.process is not None:
            _end_group(self.process, signal.SIGTERM)
            self.process = None
