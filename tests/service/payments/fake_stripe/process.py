"""Start the fake Stripe as a separate process on a free loopback port, and steer it."""

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


class FakeStripeFailedToStart(RuntimeError):
    pass


@dataclass(frozen=True, slots=True)
class FakePrice:
    """A price on the fake account, as the command line and /__fake__/prices take it."""

    unit_amount: int
    interval: str | None = None
    """`month` or `year` for a subscription's price; None for a one-time price."""
    active: bool = True

    def argument(self, price_id: str) -> str:
        interval = f"/{self.interval}" if self.interval else ""
        inactive = "" if self.active else ":inactive"
        return f"{price_id}={self.unit_amount}{interval}{inactive}"


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """An API request as the fake received it; `headers` have lowercase names and `body` is
    the form as Stripe reads it (nested by its bracketed keys, values as strings)."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any
    status: int | None


@dataclass(frozen=True, slots=True)
class FakeStripe:
    """A running fake Stripe: its base URL, the API key it accepts, and its controls."""

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
        kind: str | None = None,
        message: str | None = None,
        should_retry: bool | None = None,
    ) -> None:
        """Answer the next `count` API requests (to `path`, when given) with a Stripe error;
        `should_retry` sets the `Stripe-Should-Retry` header."""
        fault = {"status": status, "count": count, "path": path, "code": code}
        extra = {"type": kind, "message": message, "should_retry": should_retry}
        self._control("POST", "fail-next", {**fault, **extra})

    def delay_next(self, seconds: float, *, count: int = 1, path: str | None = None) -> None:
        """Hold the next `count` API requests (to `path`, when given) for `seconds`."""
        self._control("POST", "delay-next", {"seconds": seconds, "count": count, "path": path})

    def set_prices(self, prices: Mapping[str, FakePrice]) -> None:
        """Put exactly these prices on the account."""
        body = {
            price_id: {
                "unit_amount": price.unit_amount,
                "interval": price.interval,
                "active": price.active,
            }
            for price_id, price in prices.items()
        }
        self._control("POST", "prices", {"prices": body})

    def add_invoice_payment(self, invoice_id: str, payment_intent: str, amount: int) -> None:
        """Record that `payment_intent` paid `invoice_id`, as GET /v1/invoice_payments shows."""
        body = {"invoice": invoice_id, "payment_intent": payment_intent, "amount": amount}
        self._control("POST", "invoice-payments", body)

    def _control(self, method: str, command: str, body: Any = None) -> httpx.Response:
        response = httpx.request(
            method, f"{self.url}/__fake__/{command}", json=body, timeout=STOP_SECONDS
        )
        response.raise_for_status()
        return response


@contextmanager
def running_fake_stripe(
    *,
    api_key: str,
    prices: Mapping[str, FakePrice],
    checkout_url_base: str,
    log_path: Path,
) -> Iterator[FakeStripe]:
    """Run the fake Stripe for the duration of the block; stop that process (only) after.

    The server picks its own free port and announces it in `log_path`, where its output
    goes; this waits, up to STARTUP_SECONDS, until it answers HTTP there.
    """
    command = [
        sys.executable,
        "-m",
        "tests.service.payments.fake_stripe.server",
        *("--port", "0", "--api-key", api_key),
        *("--checkout-url-base", checkout_url_base),
    ]
    for price_id, price in prices.items():
        command += ["--price", price.argument(price_id)]
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
        yield FakeStripe(url=url, api_key=api_key, pid=process.pid)
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
        raise FakeStripeFailedToStart(
            f"fake Stripe exited with {process.returncode}: {log_path.read_text()}"
        )
    raise FakeStripeFailedToStart(
        f"fake Stripe did not answer within {STARTUP_SECONDS} s: {log_path.read_text()}"
    )


def _answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/__fake__/health", timeout=1.0).is_success
    except httpx.TransportError:
        return False


def _stop(process: subprocess.Popen[bytes]) -> None:
    # Only the process this module started, by its handle: never a search by name.
    process.terminate()
    try:
        process.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_SECONDS)
