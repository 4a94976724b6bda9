"""Start the fake Paddle as a separate process on a free loopback port, and steer it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

REPOSITORY_ROOT = Path(__file__).resolve().parents[4]
STARTUP_SECONDS = 30.0
POLL_SECONDS = 0.05
STOP_SECONDS = 10.0
_LISTENING_ON = re.compile(r"listening on (http://127\.0\.0\.1:\d+)")


class FakePaddleFailedToStart(RuntimeError):
    pass


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """An API request as the fake received it; `headers` have lowercase names."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any
    status: int | None


@dataclass(frozen=True, slots=True)
class FakePaddle:
    """A running fake Paddle: its base URL, the API key it accepts, and its controls."""

    url: str
    api_key: str
    pid: int

    def requests(self) -> list[RecordedRequest]:
        """Every API request since the last reset, oldest first."""
        recorded = self._control("GET", "requests").json()["requests"]
        return [RecordedRequest(**request) for request in recorded]

    def reset(self) -> None:
        self._control("POST", "reset")

    def fail_next(
        self,
        status: int,
        *,
        count: int = 1,
        path: str | None = None,
        code: str | None = None,
        detail: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        """Answer the next `count` API requests (to `path`, when given) with a Paddle error."""
        fault = {"status": status, "count": count, "path": path, "code": code, "detail": detail}
        self._control("POST", "fail-next", {**fault, "retry_after": retry_after})

    def delay_next(self, seconds: float, *, count: int = 1, path: str | None = None) -> None:
        """Hold the next `count` API requests (to `path`, when given) for `seconds`."""
        self._control("POST", "delay-next", {"seconds": seconds, "count": count, "path": path})

    def set_prices(self, prices: Mapping[str, str]) -> None:
        """Put exactly these prices on sale: price id to unit amount in cents."""
        self._control("POST", "prices", {"prices": dict(prices)})

    def set_checkout_url_base(self, base: str | None) -> None:
        """Set the account's default payment link; None removes it."""
        self._control("POST", "checkout-url", {"base": base})

    def _control(self, method: str, command: str, body: Any = None) -> httpx.Response:
        response = httpx.request(
            method, f"{self.url}/__fake__/{command}", json=body, timeout=STOP_SECONDS
        )
        response.raise_for_status()
        return response


@contextmanager
def running_fake_paddle(
    *,
    api_key: str,
    prices: Mapping[str, str],
    checkout_url_base: str | None,
    log_path: Path,
) -> Iterator[FakePaddle]:
    """Run the fake Paddle for the duration of the block; stop that process (only) after.

    The server picks its own free port and announces it in `log_path`, where its output
    goes; this waits, up to STARTUP_SECONDS, until it answers HTTP there.
    """
    command = [
        sys.executable,
        "-m",
        "tests.service.payments.fake_paddle.server",
        *("--port", "0", "--api-key", api_key),
    ]
    if checkout_url_base is not None:
        command += ["--checkout-url-base", checkout_url_base]
    for price_id, amount in prices.items():
        command += ["--price", f"{price_id}={amount}"]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            cwd=REPOSITORY_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    try:
        url = _wait_until_serving(process, log_path)
        yield FakePaddle(url=url, api_key=api_key, pid=process.pid)
    finally:
        _stop(process)


def _wait_until_serving(process: subprocess.Popen[bytes], log_path: Path) -> str:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        announced = _LISTENING_ON.search(log_path.read_text(errors="replace"))
        if announced and _answers(announced.group(1)):
            return announced.group(1)
        try:
            # Waiting on the process is the poll interval, and notices an early exit.
            process.wait(timeout=POLL_SECONDS)
        except subprocess.TimeoutExpired:
            continue
        raise FakePaddleFailedToStart(
            f"fake Paddle exited with {process.returncode}: {log_path.read_text()}"
        )
    raise FakePaddleFailedToStart(
        f"fake Paddle did not answer within {STARTUP_SECONDS} s: {log_path.read_text()}"
    )


def _answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/__fake__/health", timeout=1.0).is_success
    except httpx.TransportError:
        return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_SECONDS)
