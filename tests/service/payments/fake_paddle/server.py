"""A fake Paddle Billing API for tests, served over HTTP by its own process.

    python -m tests.service.payments.fake_paddle.server --port 0 --api-key KEY \
        [--checkout-url-base https://example.test/pay] [--price pri_...[=AMOUNT]]...

It answers POST/GET /customers, POST /transactions and GET /transactions/{id} as Paddle
documents them (see `state.py`). With `--port 0` the system picks a free port; the first
line on stdout says where it listens. Without `--checkout-url-base` the account has no
default payment link, and creating a transaction fails the way Paddle's does.

Tests steer it through /__fake__/ endpoints, which need no API key and are not recorded:

- GET  /__fake__/health: 200 once serving.
- GET  /__fake__/requests: every API request so far (method, path, query, headers, body,
  status).
- POST /__fake__/reset: forget customers, transactions, requests, faults and delays.
- POST /__fake__/fail-next `{"status", "count"?, "path"?, "code"?, "detail"?,
  "retry_after"?}`: answer the next requests (to `path`, if given) with that error; 429
  comes with Retry-After.
- POST /__fake__/delay-next `{"seconds", "count"?, "path"?}`: wait before answering.
- POST /__fake__/prices `{"prices": {"pri_...": "1000"}}`: the prices on sale.
- POST /__fake__/checkout-url `{"base": "https://..." | null}`: the default payment link.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.service.payments.fake_paddle.state import (
    DEFAULT_UNIT_AMOUNT,
    Body,
    Delay,
    Fault,
    PaddleState,
    Reply,
    error_reply,
)

CONTROL_PREFIX = "/__fake__/"


class FakePaddleHTTPServer(ThreadingHTTPServer):
    def __init__(self, address: tuple[str, int], state: PaddleState) -> None:
        super().__init__(address, _Handler)
        self.state = state


class _Handler(BaseHTTPRequestHandler):
    # Keep-alive, as Paddle's API offers; every reply therefore has a Content-Length.
    protocol_version = "HTTP/1.1"
    server: FakePaddleHTTPServer

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def log_message(self, *_: Any) -> None:
        # Tests read /__fake__/requests; a line per request on stderr would only be noise.
        return

    def _dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if url.path.startswith(CONTROL_PREFIX):
            reply = self._control(method, url.path, raw)
        else:
            reply = self._api(method, url.path, parse_qs(url.query), raw)
        self._send(reply)

    def _api(self, method: str, path: str, query: dict[str, list[str]], raw: bytes) -> Reply:
        state = self.server.state
        body = _json(raw)
        request: Body = {
            "method": method,
            "path": path,
            "query": query,
            "headers": {key.lower(): value for key, value in self.headers.items()},
            "body": body if body is not None else raw.decode("utf-8", "replace") or None,
            "status": None,
        }
        generation = state.record(request)
        fault = state.take_fault(path)
        delay = state.take_delay(path)
        if delay:
            # The fake's behaviour under test (a slow Paddle), not synchronisation.
            time.sleep(delay)
        if not state.current(generation):
            # A test reset the fake while this request waited: its client has long given
            # up, and the next test must not see its effects.
            return error_reply(503, "service_unavailable", "The fake was reset.", kind="api_error")
        reply = fault.reply() if fault else state.authenticate(self.headers.get("Authorization"))
        if reply is None:
            reply = self._route(method, path, query, body, raw)
        state.set_status(request, reply[0])
        return reply

    def _route(
        self, method: str, path: str, query: dict[str, list[str]], body: Any, raw: bytes
    ) -> Reply:
        state = self.server.state
        if method == "POST" and (body is None or not isinstance(body, dict)):
            detail = "Invalid request body." if raw else "Request body is missing."
            return error_reply(400, "bad_request", detail)
        if path == "/customers":
            return state.create_customer(body) if method == "POST" else state.list_customers(query)
        if path == "/transactions" and method == "POST":
            return state.create_transaction(body)
        if path.startswith("/transactions/") and method == "GET":
            return state.get_transaction(path.removeprefix("/transactions/"))
        return error_reply(404, "not_found", f"Route {method} {path} not found")

    def _control(self, method: str, path: str, raw: bytes) -> Reply:
        state = self.server.state
        command = path.removeprefix(CONTROL_PREFIX)
        if method == "GET" and command == "health":
            return 200, {"ok": True}, {}
        if method == "GET" and command == "requests":
            return 200, {"requests": state.recorded()}, {}
        body = _json(raw) or {}
        if method != "POST" or not isinstance(body, dict):
            return 400, {"error": f"cannot {method} {path}"}, {}
        if command == "reset":
            state.reset()
        elif command == "fail-next":
            fault = Fault(
                status=int(body["status"]),
                path=body.get("path"),
                code=body.get("code"),
                detail=body.get("detail"),
                retry_after=body.get("retry_after"),
            )
            state.add_faults(fault, int(body.get("count", 1)))
        elif command == "delay-next":
            delay = Delay(seconds=float(body["seconds"]), path=body.get("path"))
            state.add_delays(delay, int(body.get("count", 1)))
        elif command == "prices":
            state.set_prices({str(key): str(value) for key, value in body["prices"].items()})
        elif command == "checkout-url":
            state.set_checkout_url_base(body.get("base"))
        else:
            return 404, {"error": f"no control {command!r}"}, {}
        return 200, {"ok": True}, {}

    def _send(self, reply: Reply) -> None:
        status, body, headers = reply
        content = json.dumps(body).encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(content)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(content)
        except (BrokenPipeError, ConnectionResetError):
            # The client stopped waiting (a test of timeouts); nobody is left to answer.
            self.close_connection = True


def _json(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _price(argument: str) -> tuple[str, str]:
    price_id, _, amount = argument.partition("=")
    return price_id, amount or DEFAULT_UNIT_AMOUNT


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A fake Paddle Billing API for tests.")
    parser.add_argument("--port", type=int, required=True, help="0 picks a free port")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--checkout-url-base", default=None, help="the default payment link")
    parser.add_argument(
        "--price", action="append", default=[], metavar="ID[=AMOUNT]", help="a price on sale"
    )
    args = parser.parse_args(argv)
    prices: Body = dict(_price(argument) for argument in args.price)
    state = PaddleState(args.api_key, prices, args.checkout_url_base)
    server = FakePaddleHTTPServer((args.host, args.port), state)

    def stop(*_: object) -> None:
        raise SystemExit(0)

    # SIGTERM ends serve_forever through SystemExit, so the socket is closed on the way out.
    signal.signal(signal.SIGTERM, stop)
    sys.stdout.write(f"fake Paddle listening on http://{args.host}:{server.server_port}\n")
    sys.stdout.flush()
    try:
        server.serve_forever()
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
