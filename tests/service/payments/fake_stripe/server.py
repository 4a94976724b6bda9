"""A fake Stripe API for tests, served over HTTP by its own process.

    python -m tests.service.payments.fake_stripe.server --port 0 --api-key KEY \
        [--checkout-url-base https://checkout.stripe.test] \
        [--price price_...=AMOUNT[/INTERVAL][:inactive]]...

It answers, as Stripe documents them (see `state.py`), GET and POST /v1/customers, GET
/v1/prices/{id}, POST /v1/checkout/sessions, GET /v1/checkout/sessions/{id}/line_items and
GET /v1/invoice_payments. Requests are read the way Stripe reads them: a Bearer (or Basic)
API key, form-encoded bodies with bracketed keys, and `Idempotency-Key` on POSTs honoured
as Stripe documents (see `idempotency.py`). Every reply has a `Request-Id`. With `--port 0`
the system picks a free port; the first line on stdout says where it listens.

Tests steer it through /__fake__/ endpoints, which take JSON, need no API key and are not
recorded:

- GET  /__fake__/health: 200 once serving.
- GET  /__fake__/requests: every API request so far (method, path, query, headers, body as
  the parsed form, status).
- POST /__fake__/reset: forget customers, sessions, invoice payments, idempotency keys,
  requests, faults and delays.
- POST /__fake__/fail-next `{"status", "count"?, "path"?, "code"?, "type"?, "message"?,
  "should_retry"?}`: answer the next requests (to `path`, if given) with that Stripe error.
  A 500 happens inside the endpoint, so an idempotency key keeps and replays it; other
  statuses come before the idempotency layer.
- POST /__fake__/delay-next `{"seconds", "count"?, "path"?}`: wait before answering.
- POST /__fake__/prices `{"prices": {"price_...": {"unit_amount", "interval"?, "active"?,
  "currency"?}}}`: the prices on the account.
- POST /__fake__/invoice-payments `{"invoice", "payment_intent", "amount"}`: a PaymentIntent
  that paid an invoice, for GET /v1/invoice_payments.
"""

from __future__ import annotations

import argparse
import json
import re
import signal
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.service.payments.fake_stripe.forms import MalformedForm, parse_form
from tests.service.payments.fake_stripe.objects import PriceSpec
from tests.service.payments.fake_stripe.replies import (
    Body,
    Delay,
    Fault,
    Reply,
    error_reply,
    new_id,
)
from tests.service.payments.fake_stripe.state import StripeState

CONTROL_PREFIX = "/__fake__/"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
_PRICE_PATH = re.compile(r"/v1/prices/(?P<id>[^/]+)")
_LINE_ITEMS_PATH = re.compile(r"/v1/checkout/sessions/(?P<id>[^/]+)/line_items")
_PRICE_ARGUMENT = re.compile(
    r"(?P<id>[^=]+)=(?P<amount>\d+)(?:/(?P<interval>[a-z]+))?(?P<inactive>:inactive)?"
)


class FakeStripeHTTPServer(ThreadingHTTPServer):
    def __init__(self, address: tuple[str, int], state: StripeState) -> None:
        super().__init__(address, _Handler)
        self.state = state


class _Handler(BaseHTTPRequestHandler):
    # Keep-alive, as Stripe's API offers; every reply therefore has a Content-Length.
    protocol_version = "HTTP/1.1"
    server: FakeStripeHTTPServer

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
            reply = self._api(method, url.path, url.query, raw)
        self._send(reply)

    def _api(self, method: str, path: str, query: str, raw: bytes) -> Reply:
        state = self.server.state
        form_problem: Reply | None = None
        try:
            params = self._params(method, query, raw)
        except (MalformedForm, UnicodeDecodeError) as error:
            params, form_problem = {}, error_reply(400, f"Invalid request: {error}")
        request: Body = {
            "method": method,
            "path": path,
            "query": parse_qs(query, keep_blank_values=True),
            "headers": {key.lower(): value for key, value in self.headers.items()},
            "body": params if method == "POST" else None,
            "status": None,
        }
        generation = state.record(request)
        delay = state.take_delay(path)
        if delay:
            # The fake's behaviour under test (a slow Stripe), not synchronisation.
            time.sleep(delay)
        if not state.current(generation):
            # A test reset the fake while this request waited: its client has long given
            # up, and the next test must not see its effects.
            return error_reply(503, "The fake was reset.", kind="api_error")
        fault = state.take_fault(path)
        reply = fault.reply() if fault and not fault.inside_execution else None
        reply = reply or state.authenticate(self.headers.get("Authorization")) or form_problem
        key = self.headers.get("Idempotency-Key") if method == "POST" else None
        if reply is None and key:
            reply = state.idempotency.begin(key, method, path, params)
            if reply is None:
                reply = fault.reply() if fault else self._route(method, path, params)
                # Stripe keeps what an endpoint did, including a 500; a request it refused
                # before running it (invalid parameters) leaves the key free.
                state.idempotency.finish(key, reply, keep=reply[0] < 400 or reply[0] == 500)
        elif reply is None:
            reply = fault.reply() if fault else self._route(method, path, params)
        status, body, headers = reply
        headers = {**headers, "Request-Id": new_id("req", 14)}
        if key:
            headers["Idempotency-Key"] = key
        state.set_status(request, status)
        return status, body, headers

    def _params(self, method: str, query: str, raw: bytes) -> Body:
        if method != "POST":
            return parse_form(query)
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        if raw and content_type != FORM_CONTENT_TYPE:
            raise MalformedForm(f"unsupported Content-Type {content_type or 'none'}")
        return parse_form(raw.decode("utf-8"))

    def _route(self, method: str, path: str, params: Body) -> Reply:
        state = self.server.state
        if path == "/v1/customers" and method == "POST":
            return state.create_customer(params)
        if path == "/v1/customers":
            return state.list_customers(params)
        if path == "/v1/checkout/sessions" and method == "POST":
            return state.create_session(params)
        if path == "/v1/invoice_payments" and method == "GET":
            return state.list_invoice_payments(params)
        price = _PRICE_PATH.fullmatch(path)
        if price and method == "GET":
            return state.get_price(price["id"])
        line_items = _LINE_ITEMS_PATH.fullmatch(path)
        if line_items and method == "GET":
            return state.session_line_items(line_items["id"], params)
        return error_reply(404, f"Unrecognized request URL ({method}: {path}).")

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
                kind=body.get("type"),
                message=body.get("message"),
                should_retry=body.get("should_retry"),
            )
            state.add_faults(fault, int(body.get("count", 1)))
        elif command == "delay-next":
            delay = Delay(seconds=float(body["seconds"]), path=body.get("path"))
            state.add_delays(delay, int(body.get("count", 1)))
        elif command == "prices":
            prices = {str(key): PriceSpec.parse(value) for key, value in body["prices"].items()}
            state.set_prices(prices)
        elif command == "invoice-payments":
            state.add_invoice_payment(
                str(body["invoice"]), str(body["payment_intent"]), int(body["amount"])
            )
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


def _price(argument: str) -> tuple[str, PriceSpec]:
    matched = _PRICE_ARGUMENT.fullmatch(argument)
    if matched is None:
        raise argparse.ArgumentTypeError(f"not ID=AMOUNT[/INTERVAL][:inactive]: {argument}")
    spec = PriceSpec(
        unit_amount=int(matched["amount"]),
        interval=matched["interval"],
        active=matched["inactive"] is None,
    )
    return matched["id"], spec


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A fake Stripe API for tests.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--api-key", required=True, help="the secret key requests must carry")
    parser.add_argument(
        "--checkout-url-base",
        default="https://checkout.stripe.com",
        help="where the hosted checkout pages of sessions are",
    )
    parser.add_argument(
        "--price",
        action="append",
        default=[],
        type=_price,
        metavar="ID=AMOUNT[/INTERVAL][:inactive]",
        help="a price on the account",
    )
    args = parser.parse_args(argv)
    state = StripeState(args.api_key, dict(args.price), args.checkout_url_base)
    server = FakeStripeHTTPServer((args.host, args.port), state)

    def stop(*_: object) -> None:
        raise SystemExit(0)

    # SIGTERM ends serve_forever through SystemExit, so the socket is closed on the way out.
    signal.signal(signal.SIGTERM, stop)
    sys.stdout.write(f"fake Stripe listening on http://{args.host}:{server.server_port}\n")
    sys.stdout.flush()
    try:
        server.serve_forever()
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
