"""What the fake Stripe knows and how its API endpoints answer: customers, prices, Checkout
Sessions and their line items, invoice payments, and the requests it was sent.

Objects and errors follow Stripe's documented shapes: lists as `{"object": "list", "data",
"has_more", "url"}`, errors as `{"error": {"type", "message", "code"?, "param"?}}` with
Stripe's status codes (an unknown API key is a 401; an unknown price in a session's line
items a 400 `resource_missing` naming `line_items[0][price]`).
"""

from __future__ import annotations

import base64
import binascii
import secrets
import threading
from collections import deque
from collections.abc import Mapping
from typing import Any

from tests.service.payments.fake_stripe.idempotency import IdempotencyLayer
from tests.service.payments.fake_stripe.objects import PriceSpec, line_item, list_of, price
from tests.service.payments.fake_stripe.objects import session as session_object
from tests.service.payments.fake_stripe.replies import (
    Body,
    Delay,
    Fault,
    Reply,
    error_reply,
    new_id,
    now,
    parameter_invalid,
    parameter_missing,
    resource_missing,
    take,
)

_MODES = ("payment", "subscription", "setup")


class StripeState:
    """The fake's whole state, safe to use from the server's threads."""

    def __init__(
        self, api_key: str, prices: Mapping[str, PriceSpec], checkout_url_base: str
    ) -> None:
        self.api_key = api_key
        self.checkout_url_base = checkout_url_base.rstrip("/")
        self._initial_prices = dict(prices)
        self._lock = threading.Lock()
        self.idempotency = IdempotencyLayer()
        self.generation = 0
        self.reset()

    def reset(self) -> None:
        """Forget customers, sessions, invoice payments, idempotency keys, recorded requests,
        faults and delays; the prices go back to the command line's."""
        with self._lock:
            # Requests still being answered belong to the old generation and must not
            # change the new one (see `current`).
            self.generation += 1
            self.prices = dict(self._initial_prices)
            self.customers: dict[str, Body] = {}
            self.sessions: dict[str, Body] = {}
            self.line_items: dict[str, list[Body]] = {}
            self.invoice_payments: list[Body] = []
            self.requests: list[Body] = []
            self._faults: deque[Fault] = deque()
            self._delays: deque[Delay] = deque()
        self.idempotency.reset()

    def set_prices(self, prices: Mapping[str, PriceSpec]) -> None:
        with self._lock:
            self.prices = dict(prices)

    def add_faults(self, fault: Fault, count: int) -> None:
        with self._lock:
            self._faults.extend([fault] * count)

    def add_delays(self, delay: Delay, count: int) -> None:
        with self._lock:
            self._delays.extend([delay] * count)

    def add_invoice_payment(self, invoice: str, payment_intent: str, amount: int) -> Body:
        payment = {
            "id": new_id("inpay"),
            "object": "invoice_payment",
            "amount_paid": amount,
            "amount_requested": amount,
            "created": now(),
            "currency": "eur",
            "invoice": invoice,
            "is_default": True,
            "livemode": False,
            "payment": {"type": "payment_intent", "payment_intent": payment_intent},
            "status": "paid",
            "status_transitions": {"canceled_at": None, "paid_at": now()},
        }
        with self._lock:
            self.invoice_payments.append(payment)
        return payment

    def record(self, request: Body) -> int:
        """Keep `request` for GET /__fake__/requests (its `status` is filled in on reply), and
        return the generation it arrived in."""
        with self._lock:
            self.requests.append(request)
            return self.generation

    def current(self, generation: int) -> bool:
        """Whether no reset happened since `generation` was read."""
        with self._lock:
            return self.generation == generation

    def set_status(self, request: Body, status: int) -> None:
        with self._lock:
            request["status"] = status

    def recorded(self) -> list[Body]:
        with self._lock:
            return [dict(request) for request in self.requests]

    def take_delay(self, path: str) -> float:
        with self._lock:
            delay = take(self._delays, path)
        return delay.seconds if delay else 0.0

    def take_fault(self, path: str) -> Fault | None:
        with self._lock:
            return take(self._faults, path)

    def authenticate(self, authorization: str | None) -> Reply | None:
        """None when `authorization` carries our API key, as a Bearer token or as Basic
        auth's user name (Stripe takes both); Stripe's 401 otherwise."""
        if not authorization:
            return error_reply(
                401,
                "You did not provide an API key. Provide it in the Authorization header, "
                "using Bearer auth.",
            )
        scheme, _, credentials = authorization.partition(" ")
        token = credentials
        if scheme == "Basic":
            try:
                token = base64.b64decode(credentials).decode().partition(":")[0]
            except (binascii.Error, UnicodeDecodeError):
                token = ""
        elif scheme != "Bearer":
            token = ""
        if not token or not secrets.compare_digest(token.encode(), self.api_key.encode()):
            shown = f"{token[:8]}****{token[-4:]}" if len(token) > 12 else "****"
            return error_reply(401, f"Invalid API Key provided: {shown}")
        return None

    def list_customers(self, query: Mapping[str, Any]) -> Reply:
        email = query.get("email")
        limit = _limit(query)
        if isinstance(limit, tuple):
            return limit
        with self._lock:
            # Stripe's email filter is exact and case-sensitive; lists are newest first.
            found = [
                customer
                for customer in reversed(self.customers.values())
                if email is None or customer["email"] == email
            ]
        return 200, list_of("/v1/customers", found[:limit]), {}

    def create_customer(self, params: Body) -> Reply:
        email = params.get("email")
        if email is not None and (not isinstance(email, str) or "@" not in email):
            return error_reply(
                400, "Invalid email address: " + str(email), code="email_invalid", param="email"
            )
        metadata = params.get("metadata", {})
        if not _string_map(metadata):
            return parameter_invalid("metadata", "Invalid hash: metadata")
        customer = {
            "id": new_id("cus", 14),
            "object": "customer",
            "address": None,
            "balance": 0,
            "created": now(),
            "currency": None,
            "default_source": None,
            "delinquent": False,
            "description": None,
            "email": email,
            "invoice_prefix": new_id("", 8).strip("_").upper(),
            "livemode": False,
            "metadata": metadata,
            "name": params.get("name"),
            "phone": None,
            "preferred_locales": [],
            "shipping": None,
            "tax_exempt": "none",
        }
        with self._lock:
            self.customers[customer["id"]] = customer
        return 200, customer, {}

    def get_price(self, price_id: str) -> Reply:
        with self._lock:
            spec = self.prices.get(price_id)
        if spec is None:
            return resource_missing("price", price_id, "price", status=404)
        return 200, price(price_id, spec), {}

    def create_session(self, params: Body) -> Reply:
        problem = _session_problem(params)
        if problem is not None:
            return problem
        mode = params["mode"]
        items = params.get("line_items", [])
        with self._lock:
            priced = []
            for index, item in enumerate(items):
                spec = self.prices.get(item["price"])
                if spec is None:
                    return resource_missing("price", item["price"], f"line_items[{index}][price]")
                if not spec.active:
                    return parameter_invalid(
                        f"line_items[{index}][price]",
                        "The price specified is inactive. This field only accepts active prices.",
                    )
                priced.append((item["price"], spec, int(item["quantity"])))
            problem = _mode_problem(mode, [spec for _, spec, _ in priced])
            if problem is not None:
                return problem
            customer = params.get("customer")
            if customer is not None and customer not in self.customers:
                return resource_missing("customer", customer, "customer")
            session_id = new_id("cs_test", 58)
            self.line_items[session_id] = [
                line_item(price_id, spec, quantity) for price_id, spec, quantity in priced
            ]
            session = session_object(session_id, params, priced, f"{self.checkout_url_base}/c/pay")
            self.sessions[session_id] = session
        return 200, session, {}

    def session_line_items(self, session_id: str, query: Mapping[str, Any]) -> Reply:
        limit = _limit(query)
        if isinstance(limit, tuple):
            return limit
        with self._lock:
            items = self.line_items.get(session_id)
        if items is None:
            return resource_missing("checkout.session", session_id, "session", status=404)
        url = f"/v1/checkout/sessions/{session_id}/line_items"
        return 200, list_of(url, items[:limit]), {}

    def list_invoice_payments(self, query: Mapping[str, Any]) -> Reply:
        invoice = query.get("invoice")
        with self._lock:
            found = [
                payment
                for payment in reversed(self.invoice_payments)
                if invoice is None or payment["invoice"] == invoice
            ]
        return 200, list_of("/v1/invoice_payments", found), {}


def _limit(query: Mapping[str, Any]) -> int | Reply:
    raw = query.get("limit", "10")
    if not isinstance(raw, str) or not raw.isdigit() or not 1 <= int(raw) <= 100:
        return parameter_invalid("limit", "This value must be between 1 and 100.")
    return int(raw)


def _string_map(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(item, str) for item in value.values())


def _session_problem(params: Body) -> Reply | None:
    """What Stripe refuses in a session request before looking anything up."""
    mode = params.get("mode")
    if mode is None:
        return parameter_missing("mode")
    if mode not in _MODES:
        return parameter_invalid("mode", f"Invalid mode: must be one of {', '.join(_MODES)}")
    if not params.get("success_url"):
        return parameter_missing("success_url")
    for field in ("metadata",):
        if field in params and not _string_map(params[field]):
            return parameter_invalid(field, f"Invalid hash: {field}")
    if "subscription_data" in params and mode != "subscription":
        return parameter_invalid(
            "subscription_data", f"You can not pass `subscription_data` in `{mode}` mode."
        )
    if params.get("customer") and params.get("customer_email"):
        return parameter_invalid(
            "customer_email", "You may only specify one of these parameters: customer, email."
        )
    if len(str(params.get("client_reference_id", ""))) > 200:
        return parameter_invalid("client_reference_id", "Must be at most 200 characters.")
    items = params.get("line_items")
    if mode != "setup" and not items:
        return parameter_missing("line_items")
    if items is not None and not isinstance(items, list):
        return parameter_invalid("line_items", "Invalid array")
    for index, item in enumerate(items or []):
        if not isinstance(item, dict) or not item.get("price"):
            return parameter_missing(f"line_items[{index}][price]")
        quantity = item.get("quantity")
        if not isinstance(quantity, str) or not quantity.isdigit() or int(quantity) < 1:
            return parameter_invalid(
                f"line_items[{index}][quantity]", "Quantity must be a positive integer."
            )
    return None


def _mode_problem(mode: str, specs: list[PriceSpec]) -> Reply | None:
    recurring = [spec for spec in specs if spec.interval is not None]
    if mode == "payment" and recurring:
        return parameter_invalid(
            "mode",
            "You specified `payment` mode but passed a recurring price. Either switch to "
            "`subscription` mode or use only one-time prices.",
        )
    if mode == "subscription" and not recurring:
        return parameter_invalid(
            "mode", "You must provide at least one recurring price in `subscription` mode."
        )
    return None
